import { type CanActivate, Controller, type ExecutionContext, Get, Headers, Inject, Injectable, NotFoundException, Res, UseGuards } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Recommendation } from '../advisor/advice';
import { PerformanceAdvisor } from '../advisor/performance-advisor.service';
import { AlertManager } from '../alerts/alert-manager.service';
import type { PerformanceAlert } from '../core/schemas/performance-alert';
import type { MetricStatus, SnapshotJudgment } from '../core/judgment/judgment';
import { METRIC_CATALOGUE } from '../core/judgment/metric-catalogue';
import { THRESHOLD_METRIC_NAMES, type ThresholdMetric } from '../core/options/thresholds.options';
import { kpiReport, type KpiReport } from '../monitor/kpi-report';
import { MetricsSampler } from '../monitor/metrics-sampler.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOpenApi, type OpenApiDocument } from './admin-openapi.service';
import { AdminOperation } from './admin-operation.decorator';
import { DashboardPage } from './dashboard/dashboard-page.service';

/**
 * One card of the dashboard: a judged metric of the latest snapshot with its
 * level under `thresholds`, so the page colours it without judging: the same
 * level as its KPI, its alert and its share of the health score.
 */
export interface DashboardCard {
  /** The `thresholds` key and snapshot field. */
  readonly metric: ThresholdMetric;
  readonly label: string;
  readonly value: number | null;
  readonly unit: string;
  /** `good` / `warning` / `critical`; `no-data` when the window measured nothing; `n/a` for a capacity figure outside a load test. */
  readonly level: Exclude<MetricStatus, 'off'>;
  /** `above`: higher is worse; `below`: lower is worse. */
  readonly direction: 'above' | 'below';
  readonly good: number | null;
  readonly critical: number | null;
  /** Why the level is `n/a`. */
  readonly note?: string;
}

/** Body of `GET dashboard` for API clients: the dashboard JSON (times in ms, rates in percent). */
export interface DashboardBody {
  /** When this answer was made (not the time of the data: see `data_at`). */
  readonly generated_at: string;
  /** Time of the snapshot every figure below comes from. */
  readonly data_at: string;
  /** The window the snapshot's rates and percentiles cover. */
  readonly window: SnapshotJudgment['window'];
  /** Every judged metric with its level (the page colours cards by `level`). */
  readonly cards: readonly DashboardCard[];
  readonly current_metrics: {
    readonly cpu_percent: number;
    readonly memory_percent: number;
    readonly response_time_p95: number | null;
    readonly response_time_p99: number | null;
    readonly error_rate: number;
    readonly requests_per_second: number;
    readonly cache_hit_rate: number | null;
    readonly db_mean_query_ms: number | null;
    readonly db_queries_per_request: number | null;
    readonly pool_utilization_percent: number | null;
    readonly event_loop_lag_p99_ms: number;
  };
  readonly recommendations: readonly Recommendation[];
  readonly optimization_summary: {
    /** The snapshot's health score (the same as `health-overview`'s). */
    readonly performance_score: number | null;
    readonly health_status: SnapshotJudgment['health']['status'];
    readonly total_recommendations: number;
    readonly high_priority_issues: number;
  };
  readonly alerts_firing: readonly PerformanceAlert[];
  readonly kpis: KpiReport;
}

const wantsHtml = (accept: unknown): boolean => typeof accept === 'string' && /\btext\/html\b/i.test(accept);

/**
 * Lets a browser's request for the dashboard shell through (it holds no
 * data) and puts every other `GET dashboard` through {@link AdminAuthGuard},
 * so the JSON is admitted by exactly what admits the other admin endpoints:
 * the app's guard, the token, or either.
 */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  constructor(private readonly admin: AdminAuthGuard) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    this.admin.noStore(context);
    if (!this.admin.enabled) throw new NotFoundException();
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | string[] | undefined> }>();
    if (wantsHtml(request.headers.accept)) return true;
    return this.admin.canActivate(context);
  }
}

/**
 * `GET dashboard`: the static dashboard shell for a browser (Accept:
 * text/html, no credential: it holds no data), the dashboard JSON for API
 * clients (admitted by {@link DashboardAccessGuard}).
 * Also `openapi.json`, the OpenAPI document of the admin API (guarded).
 */
@Controller()
export class DashboardAdminController {
  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly page: DashboardPage,
    private readonly sampler: MetricsSampler,
    private readonly alerts: AlertManager,
    private readonly advisor: PerformanceAdvisor,
    private readonly adapterHost: HttpAdapterHost,
    private readonly openApi: AdminOpenApi,
  ) {}

  @Get('dashboard')
  @UseGuards(DashboardAccessGuard)
  @AdminOperation({
    summary: 'Dashboard JSON (current_metrics, recommendations, optimization_summary); the HTML shell for Accept: text/html',
    responses: { 401: 'JSON asked for without the admin credential' },
  })
  async dashboard(@Headers('accept') accept: string | undefined, @Res() response: unknown): Promise<unknown> {
    if (wantsHtml(accept)) return this.page.send(response);
    return this.adapterHost.httpAdapter.reply(response, await this.body(), 200);
  }

  @Get('openapi.json')
  @UseGuards(AdminAuthGuard)
  openapi(): OpenApiDocument {
    return this.openApi.document();
  }

  private async body(): Promise<DashboardBody> {
    const judgment = await this.sampler.currentJudgment();
    const s = this.sampler.latest()!;
    const recommendations = await this.advisor.recommendations();
    const cards: DashboardCard[] = [];
    for (const metric of THRESHOLD_METRIC_NAMES) {
      const j = judgment.metrics[metric];
      if (j.status === 'off') continue;
      const card: DashboardCard = {
        metric,
        label: METRIC_CATALOGUE[metric].label,
        value: j.value,
        unit: j.unit,
        level: j.status,
        direction: j.direction,
        good: j.good,
        critical: j.critical,
      };
      cards.push(j.note === undefined ? card : { ...card, note: j.note });
    }
    return {
      generated_at: new Date().toISOString(),
      data_at: judgment.dataAt,
      window: judgment.window,
      cards,
      current_metrics: {
        cpu_percent: s.cpuPercent,
        memory_percent: s.memoryPercent,
        response_time_p95: s.p95Ms,
        response_time_p99: s.p99Ms,
        error_rate: s.errorRatePercent,
        requests_per_second: s.requestsPerSecond,
        cache_hit_rate: s.cacheHitRatePercent,
        db_mean_query_ms: s.dbMeanQueryMs,
        db_queries_per_request: s.dbQueriesPerRequest,
        pool_utilization_percent: s.poolUtilizationPercent,
        event_loop_lag_p99_ms: s.eventLoopLagP99Ms,
      },
      recommendations,
      optimization_summary: {
        performance_score: judgment.health.score,
        health_status: judgment.health.status,
        total_recommendations: recommendations.length,
        high_priority_issues: recommendations.filter((r) => r.severity === 'critical' || r.severity === 'high').length,
      },
      alerts_firing: this.alerts.firing(),
      kpis: kpiReport(judgment),
    };
  }
}
