export { PerformanceModule } from './performance.module';
export { PERFORMANCE_OPTIONS } from './core/options/options-token';
export {
  PERFORMANCE_HEADER_NAMES,
  type PerformanceHeaderName,
  type PerformanceModuleOptions,
} from './core/options/performance.options';
export { resolvePerformanceOptions, type ResolvedPerformanceOptions } from './core/options/resolved.options';
export { performanceOptionsFromEnv } from './core/options/env.options';
export { PERFORMANCE_ERRORS, PerformanceError, type PerformanceErrorCode } from './core/performance-errors';
export { RequestContext, type CacheStatus } from './core/context/request-context';
export { REQUEST_ID_PATTERN } from './core/context/request-id';
export { requestContextOf } from './core/context/request-tracker.service';
export { StatusEndpoint, type StatusBody } from './health/status.endpoint';
export { PerformanceLogger } from './core/context/performance-logger';
export type { PerformanceModuleExtras } from './core/options/performance.options';
export { AdminAuthGuard } from './admin/admin-auth.guard';
export { PerformanceEvents, type QueryEvent, type CacheEvent } from './core/context/performance-events.service';
export type { DatabaseOptions } from './core/options/performance.options';
export { DatabaseInstrumentation } from './database/database-instrumentation.service';
export type { DatabaseSource, DatabaseSystem, InstrumentableDataSource } from './core/ports/data-source.port';
export { QueryStats, type QueryStatsEntry, type QueryTotals } from './database/query-stats.service';
export { SlowQueryLog, type SlowQuery } from './database/slow-query-log.service';
export { N1Detector, type N1Finding } from './database/n1-detector.service';
export { PoolMonitor, type PoolUsage } from './database/pool-monitor.service';
export { DatabaseDiagnosticsService, type DatabaseStatsReport } from './database/diagnostics/database-diagnostics.service';
export type {
  DatabaseDiagnostics,
  Diagnostic,
  DiagnosticRow,
  DiagnosticValue,
  IndexInfo,
  ColumnSelectivity,
  ExplainTarget,
} from './database/diagnostics/database-diagnostics';
export {
  IndexAdvisor,
  type IndexAdvice,
  type IndexSuggestion,
  type IndexRefusal,
  type AdvisedStatement,
} from './database/advisor/index-advisor.service';
export { PlanAdvisor, type PlanAdvice, type PlanReport } from './database/advisor/plan-advisor.service';
export { normalizeSql, type SqlFingerprint } from './database/sql-fingerprint';
export { queryInChunks, chunkSizeFor, MAX_BOUND_PARAMETERS, type ChunkedInOptions } from './database/chunked-in-query';
export { DatabaseAdminController, type QueryPerformanceBody } from './admin/database.controller';
export { type RequestObserver } from './core/context/request-tracker.service';
export { PerformanceMetrics, UNMATCHED_ROUTE } from './metrics/performance-metrics.service';
export type { MetricsOptions, PrometheusRegistry } from './core/options/metrics.options';
export {
  shareMetricsWithClusterPrimary,
  clusterMetricsHandler,
  type ClusterMetricsHandler,
  type ClusterMetricsSource,
} from './metrics/cluster-metrics';
export {
  PoolStatsSource,
  AlertsFiringSource,
  NPlusOneSource,
  CacheHealthProbe,
  type PoolStats,
} from './core/ports/observability.port';
export { RequestTracing, TRACER_NAME } from './tracing/request-tracing.service';
export { Traced, type TracedAttributes } from './tracing/traced.decorator';
export type { TracingOptions } from './core/options/tracing.options';
export {
  monitorSpanExporter,
  spanExportHealth,
  type MonitorableSpanExporter,
  type MonitorSpanExporterOptions,
  type SpanExportResult,
} from './tracing/span-export-monitor';
export type { DeliveryTargetHealth, NotifierHealthSource } from './core/ports/delivery-health.port';
export type { HealthOptions, HealthReadinessOptions, HealthScoreWeights, HttpDependency } from './core/options/health.options';
export { HealthChecks, type HealthReport, type HealthProbe, type IndicatorResult } from './health/health-checks.service';
export { HealthOverview } from './health/health-overview.service';
export { computeHealthScore, type HealthOverviewBody, type HealthPartScore, type HealthPart } from './health/health-score';
export { HealthAdminController, type HealthOverviewResponse } from './admin/health.controller';
export { runBatch, MAX_BATCH_CONCURRENCY, type BatchOptions, type BatchOutcome, type BatchResult } from './core/batch-runner';
export type { CacheOptions, CachePathRule } from './core/options/cache.options';
export {
  CacheTTL,
  CacheNamespace,
  NoCache,
  CacheVary,
  CacheQuery,
  CacheUserKey,
  InvalidateCache,
  ServeHitsEarly,
  type CacheUserKeyFn,
  type CacheKeyRequest,
} from './cache/response/cache.decorator';
export {
  ResponseCache,
  type ResponseCacheReport,
  type InvalidationTarget,
  type FlightResult,
} from './cache/response/response-cache.service';
export { CacheStats, type CacheStatsSnapshot, type CacheCounters, type HotKey, type RouteCacheStats } from './cache/cache-stats.service';
export { ResponseCacheInterceptor } from './cache/response/response-cache.interceptor';
export {
  CacheStore,
  type CacheEntry,
  type CacheInvalidation,
  type CacheStoreHealth,
  type CacheStoreUsage,
} from './core/ports/cache-store.port';
export { MemoryCacheStore, type MemoryCacheStoreOptions } from './cache/response/stores/memory-cache.store';
export { RedisCacheStore, type RedisCacheStoreOptions } from './cache/response/stores/redis-cache.store';
export { TwoTierCacheStore } from './cache/response/stores/two-tier-cache.store';
export { buildCacheKey, normalizeQuery, normalizeHost, type CacheKeyInput } from './cache/response/cache-key';
export { SingleFlight } from './cache/single-flight';
export { CacheAdminController, type CacheClearBody, type CacheStatsBody } from './admin/cache.controller';
export { TrackJob, type TrackJobOptions } from './jobs/track-job.decorator';
export { JobMonitor } from './jobs/job-monitor.service';
export type { JobStatus, JobsStatusBody, JobAlert, JobError, JobRunStatus } from './jobs/job-status';
export type { JobSchedule } from './jobs/job-schedule';
export type { JobsOptions } from './core/options/jobs.options';
export { JobsAdminController } from './admin/jobs.controller';
export { MetricsSampler } from './monitor/metrics-sampler.service';
export type { MetricsSnapshot, SnapshotMetric } from './monitor/metrics-snapshot';
export { HistoryStore } from './monitor/history.store';
export { MemoryHistoryStore } from './monitor/memory-history.store';
export { TypeOrmHistoryStore, type HistoryDataSource } from './monitor/typeorm-history.store';
export { PerformanceHistoryMigration1767225600000, type HistoryMigrationRunner } from './monitor/performance-history.migration';
export type { HistoryPoint, MetricsHistory } from './monitor/history-downsampler';
export type { KpiReport, KpiResult } from './monitor/kpi-report';
export type { HistoryOptions, KpiOptions } from './core/options/monitoring.options';
export { RequestStats, type RouteStatsEntry, type NamespaceCacheStats } from './monitor/request-stats.service';
export { LoadTestRuns, type LoadTestStatus, type ReceivedLoadTestRun } from './monitor/load-test-runs.service';
export { AlertManager } from './alerts/alert-manager.service';
export { AlertDispatcher, type DeliveryResult } from './alerts/alert-dispatcher';
export type { AlertNotifier } from './alerts/notifiers/alert-notifier';
export type { PerformanceAlert, AlertEvent, AlertSubject, JobAlertRule, JobAlertCondition, JobAlertSource } from './core/schemas/performance-alert';
export { StoreOutageSource, type OutageAlertRule, type StoreOutage } from './core/schemas/performance-alert';
export type {
  AlertsOptions,
  AlertRuleLevels,
  AlertMetric,
  AlertSeverity,
  OutageAlertOptions,
  NotifierOptions,
  WebhookNotifierOptions,
  EmailNotifierOptions,
} from './core/options/alerts.options';
export { PerformanceAdvisor, type OptimizationResult, type PerformanceScore } from './advisor/performance-advisor.service';
export type {
  Recommendation,
  RecommendationAction,
  RecommendationSeverity,
  AdvisorCategory,
  Bottleneck,
  BottleneckReport,
  CapacityForecast,
  CapacityReport,
} from './advisor/advice';
export { MonitoringAdminController, type DashboardConfig, type CurrentMetrics, type RecommendationsBody } from './admin/monitoring.controller';
export { DashboardAdminController, type DashboardBody } from './admin/dashboard.controller';
export { ProcessProfiler, ProfilerBusyError, type ProfilerActivity, type RecordedCpuProfile, type RecordedHeapSnapshot } from './profiling/process-profiler.service';
export {
  summarizeCpuProfile,
  type CpuProfile,
  type CpuProfileNode,
  type CpuProfileSummary,
  type ProfiledFunction,
} from './profiling/cpu-profile-summary';
export type { ProfilingOptions } from './core/options/profiling.options';
export { ProfilingAdminController, type CpuProfileResponse } from './admin/profiling.controller';
export { Cached, type CachedOptions } from './cache/method/cached.decorator';
export { MethodCache } from './cache/method/method-cache.service';
export { WarmCache, type WarmCacheOptions } from './cache/method/warm-cache.decorator';
export {
  CacheWarmer,
  type CacheWarmingReport,
  type CacheWarmingStats,
  type WarmedEntry,
  type WarmingRun,
} from './cache/method/cache-warmer.service';
export type { CacheWarmingOptions } from './core/options/cache-warming.options';
export { CacheWarmingAdminController } from './admin/cache-warming.controller';
export { TypeOrmQueryCacheCounter, TYPEORM_QUERY_CACHE_NAMESPACE_PREFIX } from './cache/typeorm/query-cache-counter.service';
