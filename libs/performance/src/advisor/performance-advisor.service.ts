import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ResponseCache } from '../cache/response/response-cache.service';
import { INTERNAL_QUERY_MARK } from '../core/ports/data-source.port';
import { DatabaseInstrumentation } from '../database/database-instrumentation.service';
import { IndexAdvisor } from '../database/advisor/index-advisor.service';
import { N1Detector } from '../database/n1-detector.service';
import { PoolMonitor } from '../database/pool-monitor.service';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { roundTo } from '../monitor/metrics-snapshot';
import { MetricsSampler } from '../monitor/metrics-sampler.service';
import { RequestStats, UNMATCHED } from '../monitor/request-stats.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { BottleneckReport, CapacityReport, Recommendation } from './advice';
import { analyzeBottlenecks } from './bottleneck-analysis';
import { forecastCapacity } from './capacity-planner';
import { leastSquares } from './least-squares';

/** A GET route with at least this many uncached requests that reach the database is "hot". */
const HOT_ROUTE_REQUESTS = 50;
/** A namespace needs this many lookups before its hit rate counts. */
const MIN_NAMESPACE_LOOKUPS = 20;
/** `optimize` raises a namespace's TTL by this factor... */
const TTL_RAISE_FACTOR = 2;
/** ...but never beyond a day: longer is a freshness decision for the app, not for a button. */
const MAX_RAISED_TTL_SECONDS = 86_400;
/** A cached route needs this many lookups before its distinct keys count... */
const MIN_ROUTE_KEY_LOOKUPS = 50;
/** ...and is flagged when at least this share of its lookups used a key of their own... */
const HIGH_KEY_CARDINALITY = 0.5;
/** ...while fewer than this share hit. */
const LOW_ROUTE_HIT_RATE = 0.3;
/** A route needs this many requests before its latency counts. */
const MIN_ROUTE_REQUESTS = 5;

const idOf = (kind: string, ...parts: (string | number)[]): string =>
  `${kind}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 12)}`;

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

/** The performance score (0-100) and its parts, weighted 40/35/25 as in the seeds. */
export interface PerformanceScore {
  readonly score: number | null;
  readonly parts: {
    readonly database: number | null;
    readonly system: number | null;
    readonly cache: number | null;
  };
}

/** 100 up to `good`, 0 from `bad`, linear between (either direction). */
function linearScore(value: number, good: number, bad: number): number {
  const t = (value - good) / (bad - good);
  return Math.round(Math.min(100, Math.max(0, 100 * (1 - t))));
}

/**
 * Turns what the monitor and the database and cache features observed into
 * recommendations (stable ids, evidence, action), applies the safe ones,
 * scores overall performance, finds bottlenecks and forecasts capacity.
 */
@Injectable()
export class PerformanceAdvisor {
  private readonly logger = new Logger('nestjs-performance:advisor');

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly sampler: MetricsSampler,
    private readonly stats: RequestStats,
    private readonly instrumentation: DatabaseInstrumentation,
    private readonly indexes: IndexAdvisor,
    private readonly n1: N1Detector,
    private readonly pools: PoolMonitor,
    private readonly cache: ResponseCache,
  ) {}

  /** Every current recommendation, most severe first. */
  async recommendations(): Promise<Recommendation[]> {
    const out: Recommendation[] = [];
    await this.indexRecommendations(out);
    this.nPlusOneRecommendations(out);
    this.routeRecommendations(out);
    this.cacheRecommendations(out);
    this.poolRecommendations(out);
    await this.memoryRecommendations(out);
    this.cpuRecommendations(out);
    const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
    return out.sort((a, b) => rank[a.severity] - rank[b.severity] || a.id.localeCompare(b.id));
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
    if (action.type === 'cache-ttl' || action.type === 'clear-namespace') return this.applyCacheAction(rec);
    if (!this.options.database.allowSchemaChanges) {
      throw new ManualActionRequired(rec, 'schema changes from optimize are off (set database.allowSchemaChanges to allow them)');
    }
    const source = this.instrumentation.source(String(rec.evidence.database));
    if (!source || !action.sql) throw new ManualActionRequired(rec, 'the database of this recommendation is no longer instrumented');
    await source.dataSource.query(`${INTERNAL_QUERY_MARK} ${action.sql}`);
    this.logger.log(`optimize ${id}: ran ${action.sql}`);
    return { id, applied: true, action: action.type, detail: `ran ${action.sql}`, revert: action.revertSql ?? null };
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

  /** The 0-100 score of the latest snapshot. */
  score(snapshot: MetricsSnapshot | undefined = this.sampler.latest()): PerformanceScore {
    if (!snapshot) return { score: null, parts: { database: null, system: null, cache: null } };
    const dbScores: number[] = [];
    if (snapshot.poolUtilizationPercent !== null) dbScores.push(linearScore(snapshot.poolUtilizationPercent, 70, 95));
    if (snapshot.dbMeanQueryMs !== null) dbScores.push(linearScore(snapshot.dbMeanQueryMs, 100, 1000));
    const database = dbScores.length ? Math.round(dbScores.reduce((a, b) => a + b, 0) / dbScores.length) : null;
    const system = Math.round(
      (linearScore(snapshot.cpuPercent, 60, 95) + linearScore(snapshot.memoryPercent, 80, 95)) / 2,
    );
    const cache = snapshot.cacheHitRatePercent === null ? null : linearScore(snapshot.cacheHitRatePercent, 95, 70);
    const weighted: [number | null, number][] = [
      [database, 40],
      [system, 35],
      [cache, 25],
    ];
    let sum = 0;
    let weights = 0;
    for (const [s, w] of weighted) {
      if (s === null) continue;
      sum += s * w;
      weights += w;
    }
    return { score: weights ? Math.round(sum / weights) : null, parts: { database, system, cache } };
  }

  /** Bottlenecks in the latest snapshot. */
  bottlenecks(): BottleneckReport {
    const snapshot = this.sampler.latest();
    const waiting = this.pools.usage().filter((p) => (p.waiting ?? 0) > 0).length;
    return {
      snapshotAt: snapshot?.timestamp ?? null,
      bottlenecks: analyzeBottlenecks(snapshot, {
        maxCpuPercent: this.options.monitoring.maxCpuUsagePercent,
        nPlusOneFindings: this.n1.count,
        poolsWaiting: waiting,
      }),
    };
  }

  /** Least-squares forecast over the last `days` of history, projected `days` ahead. */
  async capacity(days: number): Promise<CapacityReport> {
    const snapshots = await this.sampler.snapshotsSince(Date.now() - days * 86_400_000);
    const k = this.options.monitoring.kpis;
    return forecastCapacity(snapshots, days, {
      cpuPercent: k.maxCpuPercent,
      memoryPercent: k.maxMemoryPercent,
      poolUtilizationPercent: k.maxPoolPercent,
      p95Ms: k.p95Ms,
    });
  }

  private async indexRecommendations(out: Recommendation[]): Promise<void> {
    const allow = this.options.database.allowSchemaChanges;
    for (const source of this.instrumentation.sources()) {
      let advice;
      try {
        advice = await this.indexes.advise(source);
      } catch (error) {
        this.logger.warn(`index advice for ${source.name} failed: ${(error as Error).message}`);
        continue;
      }
      for (const s of advice.suggestions) {
        const indexName = /INDEX\s+(?:CONCURRENTLY\s+)?(?:IF NOT EXISTS\s+)?("[^"]+"|`[^`]+`|\S+)/i.exec(s.createIndex)?.[1];
        out.push({
          id: idOf('missing-index', s.database, s.table, ...s.columns),
          category: 'database',
          severity: s.totalMs >= 1000 ? 'high' : 'medium',
          title: `Add an index on ${s.table} (${s.columns.join(', ')})`,
          description: s.reason,
          evidence: {
            database: s.database,
            table: s.table,
            columns: s.columns.join(', '),
            calls: s.calls,
            totalMs: s.totalMs,
            rowEstimate: s.rowEstimate,
          },
          action: {
            type: 'create-index',
            automatic: allow,
            summary: allow ? `optimize runs ${s.createIndex}` : 'create the index in a migration (schema changes from optimize are off)',
            steps: [
              `Run: ${s.createIndex}`,
              `or add the migration:\n${s.migration}`,
              `or put ${s.decorator} on the entity${s.entity ? ` ${s.entity}` : ''}`,
            ],
            sql: s.createIndex,
            ...(indexName ? { revertSql: `DROP INDEX ${indexName}` } : {}),
          },
        });
      }
    }
  }

  private nPlusOneRecommendations(out: Recommendation[]): void {
    const groups = new Map<string, { route: string; fingerprint: string; statement: string; requests: number; maxCount: number }>();
    for (const f of this.n1.list()) {
      const route = f.route ?? UNMATCHED;
      const key = `${route}\u0000${f.fingerprint}`;
      const g = groups.get(key) ?? { route, fingerprint: f.fingerprint, statement: f.statement, requests: 0, maxCount: 0 };
      g.requests++;
      g.maxCount = Math.max(g.maxCount, f.count);
      groups.set(key, g);
    }
    for (const g of groups.values()) {
      out.push({
        id: idOf('n-plus-one', g.route, g.fingerprint),
        category: 'database',
        severity: 'high',
        title: `N+1 queries on ${g.route}`,
        description: `One request ran the same statement up to ${g.maxCount} times`,
        evidence: { route: g.route, fingerprint: g.fingerprint, statement: g.statement, requests: g.requests, maxStatementsPerRequest: g.maxCount },
        action: {
          type: 'manual',
          automatic: false,
          summary: 'load the related rows in one statement',
          steps: [
            'Load the relation with a join (relations / leftJoinAndSelect) instead of one query per row',
            'or fetch the related rows by id in chunks with queryInChunks()',
          ],
        },
      });
    }
  }

  private routeRecommendations(out: Recommendation[]): void {
    const target = this.options.monitoring.kpis.p95Ms;
    for (const r of this.stats.routeStats()) {
      if (r.route === UNMATCHED || r.route === '<other>') continue;
      if (r.requests >= MIN_ROUTE_REQUESTS && r.p95Ms > target) {
        out.push({
          id: idOf('slow-route', r.method, r.route),
          category: 'api',
          severity: r.p95Ms > 2000 ? 'high' : 'medium',
          title: `Slow route ${r.method} ${r.route}`,
          description: `p95 ${r.p95Ms} ms is above the ${target} ms target`,
          evidence: { method: r.method, route: r.route, requests: r.requests, meanMs: r.meanMs, p95Ms: r.p95Ms, maxMs: r.maxMs, dbQueriesPerRequest: r.dbQueriesPerRequest },
          action: {
            type: 'manual',
            automatic: false,
            summary: 'find where the time goes',
            steps: ['Look at the route in query-performance (statements and their time)', 'Cache the response if it can be shared, or move slow work out of the request'],
          },
        });
      }
      if (r.method === 'GET' && r.requests >= HOT_ROUTE_REQUESTS && r.cacheHits + r.cacheMisses === 0 && r.dbQueriesPerRequest >= 1) {
        out.push({
          id: idOf('cacheable-route', r.method, r.route),
          category: 'cache',
          severity: r.meanMs >= 50 ? 'medium' : 'low',
          title: `Cache ${r.method} ${r.route}`,
          description: `${r.requests} requests reached the database (${r.dbQueriesPerRequest} statements each) without the response cache`,
          evidence: { method: r.method, route: r.route, requests: r.requests, meanMs: r.meanMs, dbQueriesPerRequest: r.dbQueriesPerRequest },
          action: {
            type: 'manual',
            automatic: false,
            summary: 'opt the route into the response cache',
            steps: ['Add @CacheTTL(<seconds>) (and a @CacheNamespace) to the handler, and invalidate the namespace on writes'],
          },
        });
      }
    }
  }

  private cacheRecommendations(out: Recommendation[]): void {
    // CacheStats counts exactly the lookups the interceptor made, per namespace and per route.
    const snapshot = this.cache.stats.snapshot(0);
    for (const r of snapshot.routes) {
      const lookups = r.hits + r.stale + r.misses;
      if (lookups < MIN_ROUTE_KEY_LOOKUPS || r.hitRate >= LOW_ROUTE_HIT_RATE || r.distinctKeys < lookups * HIGH_KEY_CARDINALITY) continue;
      const declared = r.declaredQuery;
      out.push({
        id: idOf('cache-key-cardinality', r.namespace, r.route),
        category: 'cache',
        severity: 'medium',
        title: `Cache keys of GET ${r.route} rarely repeat`,
        description:
          `about ${r.distinctKeys} distinct keys in ${lookups} lookups, ${roundTo(r.hitRate * 100, 1)}% hits: ` +
          'each new query string, header value or user makes a new entry, which costs a handler run and pushes other entries out',
        evidence: {
          route: r.route,
          namespace: r.namespace,
          lookups,
          distinctKeys: r.distinctKeys,
          hitRatePercent: roundTo(r.hitRate * 100, 1),
          declaredQuery: declared === null ? null : declared.join(','),
        },
        action: {
          type: 'manual',
          automatic: false,
          summary:
            declared === null
              ? 'declare the query parameters that make the key, so that others (cache busters, tracking) are left out of it'
              : 'the declared query parameters, vary headers or user keys of this route take too many values to be worth caching',
          steps: [
            declared === null
              ? `Name the query parameters the handler reads: @CacheQuery('page', 'limit') on it, or query in cache.cacheablePaths['${r.route}']`
              : `Check that the declared parameters (${declared.join(', ') || 'none'}) are the ones the handler reads`,
            'Check its vary headers (@CacheVary, cache.varyHeaders) and @CacheUserKey: their values should repeat',
            'Or stop caching the route (remove @CacheTTL, or @NoCache())',
          ],
        },
      });
    }
    for (const [namespace, c] of Object.entries(snapshot.namespaces)) {
      const lookups = c.hits + c.stale + c.misses;
      if (lookups < MIN_NAMESPACE_LOOKUPS || c.hitRate >= 0.7 || !this.cache.isKnownNamespace(namespace)) continue;
      const hitRatePercent = roundTo(c.hitRate * 100, 1);
      const evidence = { namespace, hitRatePercent, hits: c.hits, stale: c.stale, misses: c.misses };
      if (c.hits + c.stale === 0) {
        // Nothing was ever reused: the entries only take room from other namespaces.
        out.push({
          id: idOf('unused-cache', namespace),
          category: 'cache',
          severity: 'low',
          title: `Cached responses in namespace ${namespace} are never reused`,
          description: `none of ${lookups} lookups hit: the entries only take room from other namespaces`,
          evidence,
          action: {
            type: 'clear-namespace',
            automatic: true,
            summary: `optimize clears namespace ${namespace} now; stop caching its routes if their keys never repeat`,
            steps: [
              `Clear the namespace: POST cache/clear?namespace=${namespace}`,
              'Check the cache keys of its routes (query strings, vary headers, user keys) or remove @CacheTTL from them',
            ],
            namespace,
          },
        });
        continue;
      }
      const ttl = this.cache.namespaceTtl(namespace);
      const current = ttl.override ?? ttl.declared;
      const raised = current === null ? null : Math.min(MAX_RAISED_TTL_SECONDS, Math.ceil(current * TTL_RAISE_FACTOR));
      const canRaise = raised !== null && current !== null && raised > current;
      out.push({
        id: idOf('low-hit-rate', namespace),
        category: 'cache',
        severity: hitRatePercent < 30 ? 'medium' : 'low',
        title: `Low cache hit rate in namespace ${namespace}`,
        description: `${hitRatePercent}% of ${lookups} lookups hit (target 70%)`,
        evidence: { ...evidence, ttlSeconds: current },
        action: {
          type: canRaise ? 'cache-ttl' : 'manual',
          automatic: canRaise,
          summary: canRaise
            ? `optimize raises the TTL of namespace ${namespace} from ${current} s to ${raised} s on this instance`
            : 'review the TTL and invalidation of the namespace',
          steps: [
            'Raise the TTL of the routes in this namespace if the data allows',
            'Invalidate narrower keys on writes instead of the whole namespace',
            'Raise cache.maxSize if entries are evicted',
          ],
          ...(canRaise ? { namespace, ttlSeconds: raised } : {}),
        },
      });
    }
  }

  private poolRecommendations(out: Recommendation[]): void {
    for (const p of this.pools.usage()) {
      if (p.max === null) continue;
      if ((p.waiting ?? 0) > 0 || (p.utilizationPercent ?? 0) > 80) {
        out.push({
          id: idOf('pool-too-small', p.database),
          category: 'database',
          severity: (p.waiting ?? 0) > 0 ? 'high' : 'medium',
          title: `Connection pool of ${p.database} is too small`,
          description: `${p.active ?? '?'} of ${p.max} connections in use, ${p.waiting ?? 0} callers waiting`,
          evidence: { database: p.database, max: p.max, active: p.active, waiting: p.waiting, utilizationPercent: p.utilizationPercent },
          action: {
            type: 'manual',
            automatic: false,
            summary: 'raise the pool size',
            steps: ['Raise the pool size of the DataSource (extra.max / connectionLimit) within the server connection limit', 'or shorten transactions that hold connections'],
          },
        });
      }
    }
  }

  private async memoryRecommendations(out: Recommendation[]): Promise<void> {
    const history = await this.sampler.snapshotsSince(Date.now() - 24 * 3_600_000);
    if (history.length < 10) return;
    const t0 = Date.parse(history[0]!.timestamp);
    const fit = leastSquares(
      history.map((s) => (Date.parse(s.timestamp) - t0) / 3_600_000),
      history.map((s) => s.heapUsedMb),
    );
    const first = history[0]!.heapUsedMb;
    const last = history.at(-1)!.heapUsedMb;
    if (!fit || fit.r2 < 0.8 || fit.slope <= 0 || last < first * 1.2) return;
    out.push({
      id: idOf('memory-growth', this.options.instanceId),
      category: 'memory',
      severity: last > first * 1.5 ? 'high' : 'medium',
      title: 'Heap grows steadily: possible memory leak',
      description: `The heap grew from ${first} MiB to ${last} MiB (${roundTo(fit.slope)} MiB/hour, r² ${roundTo(fit.r2, 2)})`,
      evidence: { heapStartMb: first, heapNowMb: last, mibPerHour: roundTo(fit.slope), r2: roundTo(fit.r2, 3), samples: history.length },
      action: {
        type: 'manual',
        automatic: false,
        summary: 'find what keeps growing',
        steps: ['Take two heap snapshots some minutes apart (node --inspect, or v8.writeHeapSnapshot()) and compare them', 'Check unbounded maps, caches and listeners'],
      },
    });
  }

  private cpuRecommendations(out: Recommendation[]): void {
    const s = this.sampler.latest();
    const max = this.options.monitoring.kpis.maxCpuPercent;
    if (!s || s.cpuPercent <= max) return;
    out.push({
      id: idOf('high-cpu', this.options.instanceId),
      category: 'cpu',
      severity: s.cpuPercent > 95 ? 'high' : 'medium',
      title: 'High CPU usage',
      description: `The process used ${s.cpuPercent}% of a core (target ${max}%)`,
      evidence: { cpuPercent: s.cpuPercent, targetPercent: max, requestsPerSecond: s.requestsPerSecond },
      action: {
        type: 'manual',
        automatic: false,
        summary: 'profile or scale out',
        steps: ['Profile the busiest routes (node --cpu-prof)', 'Cache expensive responses', 'Add instances behind the load balancer'],
      },
    });
  }
}
