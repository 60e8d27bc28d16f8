import type { PerformanceEvents } from '../core/context/performance-events.service';
import type { PoolStatsSource } from '../core/ports/observability.port';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import type { HealthChecks, HealthReport } from './health-checks.service';
import { computeHealthScore, type HealthOverviewBody } from './health-score';

/**
 * The 0-100 health overview of the admin API (`health-overview`): runs every
 * health check, adds CPU, pool and cache hit-rate inputs, and scores them
 * with `computeHealthScore` and the configured weights.
 */
export class HealthOverview {
  private readonly lookups = { hit: 0, miss: 0, stale: 0, bypass: 0 };
  private lastCpu = process.cpuUsage();
  private lastCpuAt = process.hrtime.bigint();

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly checks: HealthChecks,
    events: PerformanceEvents,
    private readonly pools?: PoolStatsSource,
  ) {
    events.onCache((event) => {
      const key = event.status.toLowerCase() as keyof typeof this.lookups;
      if (key in this.lookups) this.lookups[key]++;
    });
  }

  /** Runs the checks and scores them. */
  async read(): Promise<HealthOverviewBody & { checks: HealthReport }> {
    const report = await this.checks.check('all');
    const d = report.details;
    const num = (key: string, field: string): number | undefined => {
      const v = d[key]?.[field];
      return typeof v === 'number' ? v : undefined;
    };
    const databases = Object.entries(d)
      .filter(([key]) => key === 'database' || key.startsWith('database_'))
      .map(([key, v]) => ({
        name: key === 'database' ? 'default' : key.slice('database_'.length),
        up: v.status === 'up',
        responseTimeMs: typeof v.responseTime === 'number' ? v.responseTime : 0,
      }));
    const pools = (this.checks.poolSource ?? this.pools)?.pools() ?? [];
    const poolBusyPercent = pools.length ? Math.max(...pools.map((p) => (p.max > 0 ? ((p.total - p.idle) / p.max) * 100 : 0))) : undefined;
    const limitMb = num('memory_rss', 'limitMb') ?? 1;
    const overview = computeHealthScore(
      {
        databases,
        poolBusyPercent,
        rssPercent: ((num('memory_rss', 'usedMb') ?? 0) / limitMb) * 100,
        heapPercent: ((num('memory_heap', 'usedMb') ?? 0) / limitMb) * 100,
        cpuPercent: this.cpuPercent(),
        cpuLimitPercent: this.options.monitoring.maxCpuUsagePercent,
        eventLoopLagMs: num('event_loop', 'lagP99Ms') ?? (d.event_loop?.status === 'down' ? Infinity : 0),
        eventLoopLagLimitMs: this.options.health.eventLoopLagMs,
        diskPercent: num('disk', 'usedPercent'),
        cacheUp: this.checks.hasCache ? d.cache?.status === 'up' : undefined,
        cacheLookups: { ...this.lookups },
      },
      this.options.health.weights,
    );
    return { ...overview, checks: report };
  }

  /** CPU time since the previous call, in percent of one core. */
  private cpuPercent(): number {
    const now = process.hrtime.bigint();
    const usage = process.cpuUsage(this.lastCpu);
    const elapsedUs = Number(now - this.lastCpuAt) / 1000;
    this.lastCpu = process.cpuUsage();
    this.lastCpuAt = now;
    return elapsedUs > 0 ? ((usage.user + usage.system) / elapsedUs) * 100 : 0;
  }
}
