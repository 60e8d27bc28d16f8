import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ResponseCache } from '../cache/response/response-cache.service';
import { INTERNAL_QUERY_MARK } from '../core/ports/data-source.port';
import { DatabaseInstrumentation } from '../database/database-instrumentation.service';
import { IndexAdvisor } from '../database/advisor/index-advisor.service';
import { DatabaseDiagnosticsService } from '../database/diagnostics/database-diagnostics.service';
import { QueryStats } from '../database/query-stats.service';
import { N1Detector } from '../database/n1-detector.service';
import { PoolMonitor } from '../database/pool-monitor.service';
import type { ResolvedLevels } from '../core/judgment/judgment';
import type { ThresholdMetric } from '../core/options/thresholds.options';
import { MetricsSampler } from '../monitor/metrics-sampler.service';
import { RequestStats } from '../monitor/request-stats.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { BottleneckReport, CapacityReport, Recommendation } from './advice';
import { type AdvisorFailure, type AdvisorRule, errorText } from './advisor-rule';
import { analyzeBottlenecks, databaseUpkeepBottlenecks } from './bottleneck-analysis';
import { forecastCapacity } from './capacity-planner';
import { type AppliedOptimization, OptimizationLog } from './optimization-log';
import { CacheKeyCardinalityRule } from './rules/cache-key-cardinality.rule';
import { CacheableRouteRule } from './rules/cacheable-route.rule';
import { HighCpuRule } from './rules/high-cpu.rule';
import { LowHitRateRule } from './rules/low-hit-rate.rule';
import { MemoryGrowthRule } from './rules/memory-growth.rule';
import { MissingIndexRule } from './rules/missing-index.rule';
import { NPlusOneRule } from './rules/n-plus-one.rule';
import { PoolTooSmallRule } from './rules/pool-too-small.rule';
import { SlowRouteRule } from './rules/slow-route.rule';
import { TableMaintenanceRule } from './rules/table-maintenance.rule';
import { UnusedIndexRule } from './rules/unused-index.rule';
import { UnusedCacheRule } from './rules/unused-cache.rule';
import { UncompressedResponsesRule } from './rules/uncompressed-responses.rule';
import { ResponseSizes } from './response-sizes';
import { RequestTracker } from '../core/context/request-tracker.service';

/** Every current recommendation, and what could not be examined. */
export interface RecommendationReport {
  readonly recommendations: Recommendation[];
  /** Rules (or their subjects: a database, a table) that failed; the recommendations are partial when not empty. */
  readonly failures: readonly AdvisorFailure[];
  readonly partial: boolean;
}

/** What `optimize/:id` did. */
export interface OptimizationResult {
  readonly id: string;
  readonly applied: true;
  readonly action: Recommendation['action']['type'];
  readonly detail: string;
  /** How to undo it. */
  readonly revert: string | null;
}

/** Why `optimize/:id` did not apply a recommendation (answered with 409). */
export class ManualActionRequired extends Error {
  constructor(
    readonly recommendation: Recommendation,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * Turns what the monitor and the database and cache features observed into
 * recommendations (stable ids, evidence, action), applies the safe ones,
 * finds bottlenecks and forecasts capacity (the health score is the sampler's).
 */
@Injectable()
export class PerformanceAdvisor {
  private readonly logger = new Logger('nestjs-performance:advisor');
  /** Failures already logged: the dashboard asks every few seconds. */
  private readonly warned = new Set<string>();

  /** The rules, one kind of recommendation each (see `rules/`). */
  private readonly rules: readonly AdvisorRule[];
  private readonly log = new OptimizationLog();
  /** The rules whose recommendations are also bottlenecks (bloat, unused indexes). */
  private readonly upkeepRules: readonly AdvisorRule[];

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly sampler: MetricsSampler,
    stats: RequestStats,
    private readonly instrumentation: DatabaseInstrumentation,
    indexes: IndexAdvisor,
    private readonly n1: N1Detector,
    private readonly pools: PoolMonitor,
    private readonly cache: ResponseCache,
    private readonly diagnostics: DatabaseDiagnosticsService,
    private readonly queries: QueryStats,
    tracker: RequestTracker,
  ) {
    // Response sizes and encodings per route, read once per sent response (advisor.compressionMinBytes: 0 reads nothing).
    const sizes = new ResponseSizes(options.advisor.compressionMinBytes);
    if (options.enabled && options.advisor.compressionMinBytes > 0) tracker.observe(sizes);
    this.upkeepRules = [new TableMaintenanceRule(options, instrumentation, diagnostics), new UnusedIndexRule(instrumentation, diagnostics)];
    this.rules = [
      new MissingIndexRule(options, instrumentation, indexes),
      new NPlusOneRule(n1),
      new SlowRouteRule(options, stats),
      new CacheableRouteRule(stats),
      new CacheKeyCardinalityRule(cache),
      new UnusedCacheRule(cache),
      new LowHitRateRule(cache),
      new PoolTooSmallRule(pools),
      new MemoryGrowthRule(options, sampler),
      new HighCpuRule(options, sampler),
      new UncompressedResponsesRule(sizes, options.advisor.compressionMinBytes),
      ...this.upkeepRules,
    ];
  }

  /** Every current recommendation, most severe first (what failed is left out: see {@link report}). */
  async recommendations(): Promise<Recommendation[]> {
    return (await this.report()).recommendations;
  }

  /**
   * Every current recommendation, most severe first, with what could not be
   * examined: one rule (or one table of a rule) that fails never hides the
   * others' recommendations.
   */
  async report(): Promise<RecommendationReport> {
    const out: Recommendation[] = [];
    const failures: AdvisorFailure[] = [];
    for (const rule of this.rules) {
      const failed = (subject: string | null, error: unknown) => {
        const failure = { rule: rule.name, subject, error: errorText(error) };
        failures.push(failure);
        this.warnOnce(`${rule.name}${subject ? ` (${subject})` : ''} could not be examined: ${failure.error}`);
      };
      try {
        out.push(...(await rule.evaluate(failed)));
      } catch (error) {
        failed(null, error);
      }
    }
    const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
    out.sort((a, b) => rank[a.severity] - rank[b.severity] || a.id.localeCompare(b.id));
    return { recommendations: out, failures, partial: failures.length > 0 };
  }

  /**
   * Applies a recommendation when its action is automatic. Throws
   * {@link ManualActionRequired} otherwise; returns undefined for an unknown id.
   */
  async optimize(id: string): Promise<OptimizationResult | undefined> {
    const rec = (await this.recommendations()).find((r) => r.id === id);
    if (!rec) return undefined;
    const action = rec.action;
    if (action.type === 'manual') throw new ManualActionRequired(rec, 'this recommendation needs a change in code or configuration');
    const started = performance.now();
    const baseline = String(rec.evidence.fingerprints ?? '')
      .split(',')
      .filter((f) => /^[0-9a-f]{16}$/.test(f))
      .flatMap((fingerprint) => {
        const entry = this.queries.get(fingerprint);
        return entry ? [{ fingerprint, figures: { calls: entry.calls, totalMs: entry.totalMs } }] : [];
      });
    const keep = (result: 'applied' | 'failed', detail: string, revert: string | null, sql: string | null) =>
      this.log.add(
        {
          id,
          title: rec.title,
          action: action.type,
          appliedAt: new Date().toISOString(),
          sql,
          database: typeof rec.evidence.database === 'string' ? rec.evidence.database : null,
          result,
          detail,
          revert,
          durationMs: Math.round((performance.now() - started) * 100) / 100,
        },
        baseline,
      );
    if (action.type === 'cache-ttl' || action.type === 'clear-namespace') {
      const result = await this.applyCacheAction(rec);
      keep('applied', result.detail, result.revert, null);
      return result;
    }
    if (!this.options.database.allowSchemaChanges) {
      throw new ManualActionRequired(rec, 'schema changes from optimize are off (set database.allowSchemaChanges to allow them)');
    }
    const source = this.instrumentation.source(String(rec.evidence.database));
    if (!source || !action.sql) throw new ManualActionRequired(rec, 'the database of this recommendation is no longer instrumented');
    try {
      await source.dataSource.query(`${INTERNAL_QUERY_MARK} ${action.sql}`);
    } catch (error) {
      keep('failed', errorText(error), null, action.sql);
      throw error;
    } finally {
      // Indexes and statistics changed (or may have): estimates are read again.
      this.diagnostics.for(source).forgetEstimates();
    }
    this.logger.log(`optimize ${id}: ran ${action.sql}`);
    const revert = action.revertSql ?? (action.type === 'create-index' ? null : 'nothing to undo: it changes no data and no schema');
    keep('applied', `ran ${action.sql}`, revert, action.sql);
    return { id, applied: true, action: action.type, detail: `ran ${action.sql}`, revert };
  }

  /** Every optimization applied on this instance (and every one that failed), newest first, with its statements' times before and since. */
  optimizations(): AppliedOptimization[] {
    return this.log.list((fingerprint) => this.queries.get(fingerprint));
  }

  /** Applies a cache action through the response cache; both are undone without loss (see `revert`). */
  private async applyCacheAction(rec: Recommendation): Promise<OptimizationResult> {
    const { type, namespace, ttlSeconds } = rec.action;
    if (namespace === undefined || !this.cache.isKnownNamespace(namespace)) {
      throw new ManualActionRequired(rec, 'the namespace of this recommendation is no longer known to the response cache');
    }
    if (type === 'cache-ttl' && ttlSeconds !== undefined) {
      const previous = this.cache.setNamespaceTtl(namespace, ttlSeconds);
      this.logger.log(`optimize ${rec.id}: namespace ${namespace} TTL set to ${ttlSeconds} s`);
      return {
        id: rec.id,
        applied: true,
        action: type,
        detail: `responses stored into namespace ${namespace} from now on live ${ttlSeconds} s on this instance (was ${previous ?? this.cache.namespaceTtl(namespace).declared} s)`,
        revert: `restart the app, or call ResponseCache.setNamespaceTtl('${namespace}', ${previous ?? 'null'})`,
      };
    }
    const removed = await this.cache.invalidate({ namespace });
    this.logger.log(`optimize ${rec.id}: cleared namespace ${namespace}`);
    return {
      id: rec.id,
      applied: true,
      action: 'clear-namespace',
      detail: `cleared namespace ${namespace} (${removed ?? 'an unknown number of'} entries)`,
      revert: 'nothing to undo: the cache refills on the next requests',
    };
  }

  /**
   * Bottlenecks in the latest snapshot, and each database's bloat and unused
   * indexes from its statistics (a database that cannot be examined is left
   * out, as in {@link report}).
   */
  async bottlenecks(): Promise<BottleneckReport> {
    const snapshot = this.sampler.latest();
    const waiting = this.pools.usage().filter((p) => (p.waiting ?? 0) > 0).length;
    const upkeep: Recommendation[] = [];
    for (const rule of this.upkeepRules) {
      const failed = (subject: string | null, error: unknown) =>
        this.warnOnce(`${rule.name}${subject ? ` (${subject})` : ''} could not be examined: ${errorText(error)}`);
      try {
        upkeep.push(...(await rule.evaluate(failed)));
      } catch (error) {
        failed(null, error);
      }
    }
    return {
      snapshotAt: snapshot?.timestamp ?? null,
      bottlenecks: [
        ...analyzeBottlenecks(snapshot, {
          maxCpuPercent: this.levels('cpuPercent')?.good ?? 100,
          nPlusOneFindings: this.n1.count,
          poolsWaiting: waiting,
        }),
        ...databaseUpkeepBottlenecks(upkeep),
      ],
    };
  }

  /** Least-squares forecast over the last `days` of history, projected `days` ahead; each limit is the metric's `good` level. */
  async capacity(days: number): Promise<CapacityReport> {
    const snapshots = await this.sampler.snapshotsSince(Date.now() - days * 86_400_000);
    return forecastCapacity(snapshots, days, {
      cpuPercent: this.levels('cpuPercent')?.good ?? null,
      memoryPercent: this.levels('memoryPercent')?.good ?? null,
      poolUtilizationPercent: this.levels('poolUtilizationPercent')?.good ?? null,
      p95Ms: this.levels('p95Ms')?.good ?? null,
      errorRatePercent: this.levels('errorRatePercent')?.good ?? null,
    });
  }

  /** A metric's levels, or undefined when it is not judged. */
  private levels(metric: ThresholdMetric): ResolvedLevels | undefined {
    const levels = this.options.thresholds[metric];
    return levels === false ? undefined : levels;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message) || this.warned.size >= 100) return;
    this.warned.add(message);
    this.logger.warn(message);
  }
}
