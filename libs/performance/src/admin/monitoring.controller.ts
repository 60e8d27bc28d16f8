import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  Post,
  Query,
  ServiceUnavailableException,
  UseGuards,
} from '@nestjs/common';
import { ZodError } from 'zod';
import { loadTestRunSchema } from '../core/schemas/load-test-run';
import type { BottleneckReport, CapacityReport, Recommendation } from '../advisor/advice';
import type { AdvisorFailure } from '../advisor/advisor-rule';
import { ManualActionRequired, PerformanceAdvisor, type OptimizationResult } from '../advisor/performance-advisor.service';
import { AlertManager } from '../alerts/alert-manager.service';
import type { PendingAlert, PerformanceAlert } from '../core/schemas/performance-alert';
import { FleetMonitor, FleetStoreError, UnknownInstanceError, type FleetView } from '../monitor/fleet';
import type { MetricsHistory } from '../monitor/history-downsampler';
import { kpiReport, type KpiReport } from '../monitor/kpi-report';
import { METRIC_CATALOGUE } from '../core/judgment/metric-catalogue';
import { THRESHOLD_METRIC_NAMES } from '../core/options/thresholds.options';
import { LoadTestRuns, type LoadTestStatus, type ReceivedLoadTestRun } from '../monitor/load-test-runs.service';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { MetricsSampler } from '../monitor/metrics-sampler.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation, type AdminParameter } from './admin-operation.decorator';
import { integerParam, nameParam } from './admin-query';

/** Body of `dashboard/config`: what a UI needs to draw and colour the numbers. */
export interface DashboardConfig {
  readonly refreshIntervalSeconds: number;
  readonly refreshIntervalMs: number;
  /** Seconds between two snapshots of the sampler. */
  readonly collectionIntervalSeconds: number;
  readonly historyHours: number;
  readonly maxHistoryPoints: number;
  /**
   * Each judged metric's levels (`thresholds`), with the direction that is
   * bad: `good` is the KPI target, and past it the alert is a `warning`
   * (the same number); past `critical` it is critical.
   */
  readonly thresholds: Readonly<Record<string, { direction: 'above' | 'below'; good: number; warning: number; critical?: number }>>;
  /** KPI targets by KPI name (`responseTimeP95: 200`). */
  readonly kpis: Readonly<Record<string, number>>;
  /** Seconds a rule must breach before its alert fires (`alerts.forSeconds`); the exported Prometheus rules' `for`. */
  readonly alertForSeconds: number;
}

/** Body of `metrics/current`. */
export interface CurrentMetrics {
  /** True when the snapshot was taken for this call because none existed yet. */
  readonly fresh: boolean;
  readonly snapshot: MetricsSnapshot;
  /** Time of the snapshot: the time of its data. */
  readonly dataAt: string;
  /** The window its rates and percentiles cover. */
  readonly window: { readonly seconds: number; readonly from: string; readonly to: string };
}

/** The window a snapshot's rates and percentiles cover. */
function windowOf(s: MetricsSnapshot): CurrentMetrics['window'] {
  const to = Date.parse(s.timestamp);
  return { seconds: s.intervalSeconds, from: new Date(to - s.intervalSeconds * 1000).toISOString(), to: s.timestamp };
}

/** Body of `recommendations`. */
export interface RecommendationsBody {
  readonly total: number;
  readonly recommendations: readonly Recommendation[];
  /** True when a rule (or one of its databases or tables) could not be examined; {@link failures} names it. */
  readonly partial: boolean;
  readonly failures: readonly AdvisorFailure[];
}

const HOURS = { min: 1, max: 720, default: 24 } as const;
const DAYS = { min: 1, max: 365, default: 30 } as const;
const FLEET_HOURS = { min: 1, max: 24, default: 1 } as const;
/** An instance id as the `instance` parameter takes it: 1 to 128 characters on one line. */
const INSTANCE_ID = /^.{1,128}$/;
const INSTANCE_PARAMETER: AdminParameter = {
  name: 'instance',
  description: 'An instance sharing the history store (ids at fleet); default: the instance that answers',
  schema: { type: 'string', pattern: INSTANCE_ID.source },
};
const RECOMMENDATION_ID = /^[a-z-]{1,40}-[0-9a-f]{12}$/;
const HOURS_PARAMETER: AdminParameter = {
  name: 'hours',
  description: '1 to 720, default 24',
  schema: { type: 'integer', minimum: 1, maximum: 720, default: 24 },
};

/**
 * The paths of the fields of `input` that validation dropped from `parsed`
 * (`config.endpont`, `reslt`): fields the schema does not know, which would
 * otherwise vanish without a word.
 */
function droppedFields(input: unknown, parsed: unknown, path = ''): string[] {
  if (typeof input !== 'object' || input === null || typeof parsed !== 'object' || parsed === null) return [];
  if (Array.isArray(input)) {
    return Array.isArray(parsed) ? input.flatMap((item, i) => droppedFields(item, parsed[i], `${path}${path ? '.' : ''}${i}`)) : [];
  }
  const kept = parsed as Record<string, unknown>;
  return Object.entries(input).flatMap(([key, value]) => {
    const at = `${path}${path ? '.' : ''}${key}`;
    return Object.prototype.hasOwnProperty.call(kept, key) ? droppedFields(value, kept[key], at) : [at];
  });
}

/**
 * The monitoring part of the admin API: current metrics and history, KPIs,
 * alerts, recommendations and optimize, bottlenecks, capacity, load-test
 * status and runs, and the dashboard configuration.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class MonitoringAdminController {
  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly sampler: MetricsSampler,
    private readonly alerts: AlertManager,
    private readonly advisor: PerformanceAdvisor,
    private readonly loadTests: LoadTestRuns,
    private readonly fleetMonitor: FleetMonitor,
  ) {}

  /** The instance named by `instance`, or 400: not a 1-128 character string, or unknown to the history store. */
  private async instanceParam(raw: unknown): Promise<string | undefined> {
    if (raw === undefined) return undefined;
    if (typeof raw !== 'string' || !INSTANCE_ID.test(raw)) {
      throw new BadRequestException(`instance must be an instance id of 1 to 128 characters (got ${JSON.stringify(raw).slice(0, 140)})`);
    }
    if (raw === this.options.instanceId) return raw;
    try {
      await this.fleetMonitor.assertKnown(raw);
    } catch (error) {
      if (error instanceof FleetStoreError) throw new ServiceUnavailableException(error.message);
      if (!(error instanceof UnknownInstanceError)) throw error;
      const known = error.known.slice(0, 10).map((id) => JSON.stringify(id));
      const more = error.known.length > 10 ? ` and ${error.known.length - 10} more` : '';
      throw new BadRequestException(
        `instance ${JSON.stringify(raw.slice(0, 128))} is unknown: the history store holds snapshots of ${known.join(', ') || 'no instance'}${more}`,
      );
    }
    return raw;
  }

  @Get('metrics/current')
  @AdminOperation({ summary: 'The latest snapshot of the sampler (CPU, memory, latency percentiles, rates, cache, database)' })
  async current(): Promise<CurrentMetrics> {
    const last = this.sampler.latest();
    const fresh = last === undefined;
    const snapshot = last ?? (await this.sampler.collect());
    return { fresh, snapshot, dataAt: snapshot.timestamp, window: windowOf(snapshot) };
  }

  @Get('metrics/history')
  @AdminOperation({
    summary:
      'Snapshots of the last hours of this instance or of another one sharing the history store, averaged into at most monitoring.history.maxPoints points',
    query: [HOURS_PARAMETER, INSTANCE_PARAMETER],
    responses: {
      400: 'hours out of range, or an instance the history store holds no snapshot of (the message names it)',
      503: 'instance given and the history store did not answer',
    },
  })
  async history(@Query('hours') hoursRaw?: unknown, @Query('instance') instanceRaw?: unknown): Promise<MetricsHistory> {
    const hours = integerParam('hours', hoursRaw, HOURS);
    return this.sampler.history(hours, await this.instanceParam(instanceRaw));
  }

  @Get('fleet')
  @AdminOperation({
    summary:
      "Every instance sharing the history store: its latest snapshot and age (stale ones marked), the fleet totals now and over the last hours (percentiles merged from latency histograms), and each one's firing alerts",
    query: [{ name: 'hours', description: '1 to 24, default 1', schema: { type: 'integer', minimum: 1, maximum: 24, default: 1 } }],
    responses: { 400: 'hours out of range', 503: 'the history store did not answer (the app logs why)' },
  })
  async fleet(@Query('hours') hoursRaw?: unknown): Promise<FleetView> {
    const hours = integerParam('hours', hoursRaw, FLEET_HOURS);
    await this.alerts.flush();
    try {
      return await this.fleetMonitor.view(hours);
    } catch (error) {
      if (error instanceof FleetStoreError) throw new ServiceUnavailableException(error.message);
      throw error;
    }
  }

  @Get('kpis')
  @AdminOperation({
    summary:
      'Each KPI (the good level of each metric in thresholds) with the current value, pass/fail and level, the time and window of the data (throughput n/a unless the window lay inside a load test)',
  })
  async kpis(): Promise<KpiReport> {
    return kpiReport(await this.sampler.currentJudgment());
  }

  @Get('alerts')
  @AdminOperation({
    summary:
      'Alerts seen in the last hours (firing and resolved, with firedAt, durationSeconds, flapping, transitions), newest first, and the rules pending alerts.forSeconds',
    query: [HOURS_PARAMETER],
    responses: { 400: 'hours out of range' },
  })
  async alertList(@Query('hours') hoursRaw?: unknown): Promise<{ hours: number; firing: number; alerts: PerformanceAlert[]; pending: PendingAlert[] }> {
    const hours = integerParam('hours', hoursRaw, HOURS);
    const alerts = await this.alerts.list(hours);
    return { hours, firing: this.alerts.firing().length, alerts, pending: this.alerts.pending() };
  }

  @Post('alerts/clear')
  @HttpCode(200)
  @AdminOperation({
    summary: 'Deletes resolved alerts; firing alerts stay until they resolve',
    responses: { 400: 'a query parameter or a body, which this endpoint does not take' },
  })
  clearAlerts(): Promise<{ cleared: number; firing: number }> {
    return this.alerts.clear();
  }

  @Get('recommendations')
  @AdminOperation({ summary: 'Recommendations with stable ids, category, severity, evidence and action' })
  async recommendations(): Promise<RecommendationsBody> {
    const { recommendations, partial, failures } = await this.advisor.report();
    return { total: recommendations.length, recommendations, partial, failures };
  }

  @Post('optimize/:id')
  @HttpCode(200)
  @AdminOperation({
    summary: 'Applies a recommendation when it is safe and reversible; 409 with the manual steps otherwise',
    path: [{ name: 'id', description: 'A recommendation id from recommendations', schema: { type: 'string', pattern: RECOMMENDATION_ID.source } }],
    responses: {
      400: 'malformed id, or a query parameter or body, which this endpoint does not take',
      404: 'no current recommendation has this id',
      409: 'not applicable automatically; the body lists the manual steps',
    },
  })
  async optimize(@Param('id') idRaw: string): Promise<OptimizationResult> {
    const id = nameParam('id', idRaw)!;
    if (!RECOMMENDATION_ID.test(id)) {
      throw new BadRequestException(`id must be a recommendation id such as "missing-index-0123456789ab" (got ${JSON.stringify(id)})`);
    }
    try {
      const result = await this.advisor.optimize(id);
      if (!result) throw new NotFoundException(`id ${id} is not a current recommendation (it may have been resolved)`);
      return result;
    } catch (error) {
      if (!(error instanceof ManualActionRequired)) throw error;
      throw new ConflictException({
        statusCode: 409,
        error: 'Conflict',
        message: `recommendation ${id} cannot be applied automatically: ${error.message}`,
        id,
        manualSteps: error.recommendation.action.steps,
      });
    }
  }

  @Get('bottlenecks')
  @AdminOperation({ summary: 'What limits the app now: database (slow, saturated pool, N+1, bloat, unused indexes), cache, memory, CPU, event loop' })
  bottlenecks(): Promise<BottleneckReport> {
    return this.advisor.bottlenecks();
  }

  @Get('capacity')
  @AdminOperation({
    summary: 'Least-squares trend per metric over the last days of history, projected as many days ahead',
    query: [{ name: 'days', description: '1 to 365, default 30', schema: { type: 'integer', minimum: 1, maximum: 365, default: 30 } }],
    responses: { 400: 'days out of range' },
  })
  capacity(@Query('days') daysRaw?: unknown): Promise<CapacityReport> {
    return this.advisor.capacity(integerParam('days', daysRaw, DAYS));
  }

  @Get('load-test/status')
  @AdminOperation({ summary: 'The running load test and the latest finished one, as the CLI reported them' })
  loadTestStatus(): LoadTestStatus {
    return this.loadTests.status();
  }

  @Post('load-test/runs')
  @HttpCode(201)
  @AdminOperation({
    summary: 'Records a load-test run (the CLI posts it when it starts and when it ends)',
    body: { description: 'A LoadTestRun (see core/schemas/load-test-run.ts)', schema: { type: 'object' } },
    responses: { 400: 'the body is not a valid run, or has fields a run does not have; the message names the fields' },
  })
  recordRun(@Body() body: unknown): ReceivedLoadTestRun {
    const checked = loadTestRunSchema.safeParse(body);
    const unknown = checked.success ? droppedFields(body, checked.data) : [];
    if (unknown.length > 0) {
      const fields = unknown.slice(0, 10).map((f) => f.slice(0, 80));
      throw new BadRequestException(`invalid load-test run: unknown field${unknown.length > 1 ? 's' : ''} ${fields.join(', ')}`);
    }
    try {
      return this.loadTests.record(body);
    } catch (error) {
      if (!(error instanceof ZodError)) throw error;
      const problems = error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
      throw new BadRequestException(`invalid load-test run: ${problems.slice(0, 10).join('; ')}`);
    }
  }

  @Get('dashboard/config')
  @AdminOperation({ summary: 'Thresholds, KPI targets and refresh interval for dashboards', responses: { 200: 'DashboardConfig' } })
  dashboardConfig(): DashboardConfig {
    const thresholds: Record<string, { direction: 'above' | 'below'; good: number; warning: number; critical?: number }> = {};
    const kpis: Record<string, number> = {};
    for (const metric of THRESHOLD_METRIC_NAMES) {
      const levels = this.options.thresholds[metric];
      if (levels === false) continue;
      const { direction, kpi } = METRIC_CATALOGUE[metric];
      thresholds[metric] = { direction, good: levels.good, warning: levels.good, ...(levels.critical === false ? {} : { critical: levels.critical }) };
      kpis[kpi] = levels.good;
    }
    const refresh = Math.min(5, this.options.monitoring.collectionIntervalSeconds);
    return {
      refreshIntervalSeconds: refresh,
      refreshIntervalMs: refresh * 1000,
      collectionIntervalSeconds: this.options.monitoring.collectionIntervalSeconds,
      historyHours: HOURS.default,
      maxHistoryPoints: this.options.monitoring.history.maxPoints,
      thresholds,
      kpis,
      alertForSeconds: this.options.alerts.forSeconds,
    };
  }
}
