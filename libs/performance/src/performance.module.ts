import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { DiscoveryModule, HttpAdapterHost } from '@nestjs/core';
import { ALERTS_EXPORTS, ALERTS_PROVIDERS } from './alerts/alerts.providers';
import { BASELINES_EXPORTS, BASELINES_PROVIDERS } from './baselines/baselines.providers';
import { AppDiscovery } from './core/discovery/app-discovery.service';
import { ResponseHeaders } from './headers/response-headers.service';
import { PerformanceEvents } from './core/context/performance-events.service';
import { markOwn } from './core/context/own-hooks';
import { RequestTracker } from './core/context/request-tracker.service';
import { CACHE_EXPORTS, CACHE_PROVIDERS } from './cache/response/response-cache.providers';
import { DATABASE_EXPORTS, DATABASE_PROVIDERS } from './database/database.providers';
import { StatusEndpoint } from './health/status.endpoint';
import { METRICS_PROVIDERS } from './metrics/metrics.providers';
import { PerformanceMetrics } from './metrics/performance-metrics.service';
import { RequestTracing } from './tracing/request-tracing.service';
import { TRACING_PROVIDERS } from './tracing/tracing.providers';
import { HEALTH_PROVIDERS } from './health/health.providers';
import { HealthChecks } from './health/health-checks.service';
import { HealthOverview } from './health/health-overview.service';
import { JOBS_PROVIDERS } from './jobs/jobs.providers';
import { JobMonitor } from './jobs/job-monitor.service';
import { PROFILING_PROVIDERS } from './profiling/profiling.providers';
import { ProcessProfiler } from './profiling/process-profiler.service';
import { METHOD_CACHE_PROVIDERS } from './cache/method/method-cache.providers';
import { MethodCache } from './cache/method/method-cache.service';
import { CacheWarmer } from './cache/method/cache-warmer.service';
import { QUERY_CACHE_PROVIDERS } from './cache/typeorm/query-cache.providers';
import { TIMING_PROVIDERS } from './timing/timing.providers';
import { SLO_PROVIDERS } from './slo/slo.providers';
import { SloMonitor } from './slo/slo-monitor.service';
import { MethodTimings } from './timing/method-timings.service';
import { LOGGING_PROVIDERS } from './logging/logging.providers';
import { LogCounts } from './logging/log-counts.service';
import { PerformanceAdvisor } from './advisor/performance-advisor.service';
import { MONITOR_EXPORTS, MONITOR_PROVIDERS } from './monitor/monitor.providers';
import { resolvePerformanceOptions } from './core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from './core/options/options-token';
import { ConfigurablePerformanceModule, PERFORMANCE_MODULE_EXTRAS, PERFORMANCE_MODULE_OPTIONS } from './performance.module-definition';

/**
 * The one import an app adds. Global by default (`isGlobal: false` to scope it).
 *
 * @example
 * @Module({ imports: [PerformanceModule.forRoot({ admin: { token: process.env.PERFORMANCE_ADMIN_TOKEN } })] })
 * export class AppModule {}
 *
 * @example
 * PerformanceModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ cache: { ttl: config.get('CACHE_TTL') } }),
 * })
 */
@Module({
  // DiscoveryService, for AppDiscovery: the one walk over the app's modules.
  imports: [DiscoveryModule],
  providers: [
    {
      provide: PERFORMANCE_OPTIONS,
      useFactory: resolvePerformanceOptions,
      inject: [PERFORMANCE_MODULE_OPTIONS, PERFORMANCE_MODULE_EXTRAS],
    },
    RequestTracker,
    PerformanceEvents,
    AppDiscovery,
    ResponseHeaders,
    StatusEndpoint,
    ...CACHE_PROVIDERS,
    ...DATABASE_PROVIDERS,
    ...METRICS_PROVIDERS,
    ...TRACING_PROVIDERS,
    ...HEALTH_PROVIDERS,
    ...MONITOR_PROVIDERS,
    ...ALERTS_PROVIDERS,
    ...BASELINES_PROVIDERS,
    PerformanceAdvisor,
    ...JOBS_PROVIDERS,
    ...PROFILING_PROVIDERS,
    ...METHOD_CACHE_PROVIDERS,
    ...QUERY_CACHE_PROVIDERS,
    ...TIMING_PROVIDERS,
    ...SLO_PROVIDERS,
    ...LOGGING_PROVIDERS,
  ],
  exports: [
    PERFORMANCE_OPTIONS,
    ...MONITOR_EXPORTS,
    ...ALERTS_EXPORTS,
    ...BASELINES_EXPORTS,
    PerformanceAdvisor,
    RequestTracker,
    PerformanceEvents,
    ...CACHE_EXPORTS,
    ...DATABASE_EXPORTS,
    PerformanceMetrics,
    RequestTracing,
    HealthChecks,
    HealthOverview,
    JobMonitor,
    ProcessProfiler,
    MethodCache,
    CacheWarmer,
    MethodTimings,
    LogCounts,
    SloMonitor,
  ],
})
export class PerformanceModule extends ConfigurablePerformanceModule implements NestModule {
  /** @internal */
  constructor(
    private readonly tracker: RequestTracker,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    super();
  }

  /** Runs before Nest registers routes: the earliest point with the HTTP server in hand. */
  configure(_consumer: MiddlewareConsumer): void {
    this.tracker.install(this.adapterHost.httpAdapter);
  }
}

// It registers no middleware: the response cache's early-HIT check does not count it as the app's.
markOwn(PerformanceModule.prototype.configure);
