// The public API of nestjs-performance: every name an app may import. Anything not exported here is internal
// and may change in any release. libs/performance/etc/nestjs-performance.api.md records this surface; `npm test`
// fails when it changes without that report being updated (`npm run api -- --local`, see docs/contributing.md).

// The module and its options
export { PerformanceModule } from './performance.module';
export {
  PERFORMANCE_HEADER_NAMES,
  type PerformanceHeaderName,
  type PerformanceModuleExtras,
  type PerformanceModuleOptions,
  type DatabaseOptions,
} from './core/options/performance.options';
export { performanceOptionsFromEnv } from './core/options/env.options';
export { mergePerformanceOptions } from './core/options/merge-options';
export type { CacheOptions, CachePathRule } from './core/options/cache.options';
export type { CacheWarmingOptions } from './core/options/cache-warming.options';
export type { MetricsOptions, PrometheusRegistry } from './core/options/metrics.options';
export type { TracingOptions } from './core/options/tracing.options';
export type { HealthLivenessOptions, HealthOptions, HealthReadinessOptions, HealthScoreWeights, HttpDependency } from './core/options/health.options';
export type { JobsOptions } from './core/options/jobs.options';
export type { BaselinesOptions, RouteTarget } from './core/options/baselines.options';
export type { HistoryOptions } from './core/options/monitoring.options';
export { THRESHOLD_METRIC_NAMES, type ThresholdLevels, type ThresholdMetric, type ThresholdsOptions } from './core/options/thresholds.options';
export {
  ALERT_METRICS,
  ALERT_SEVERITIES,
  type AlertsOptions,
  type AlertRuleLevels,
  type AlertMetric,
  type AlertSeverity,
  type OutageAlertOptions,
  type NotifierOptions,
  type WebhookNotifierOptions,
  type EmailNotifierOptions,
} from './core/options/alerts.options';
export type { ProfilingOptions } from './core/options/profiling.options';
export type { SloOptions } from './core/options/slo.options';
export type { AdvisorOptions } from './core/options/advisor.options';
export { PERFORMANCE_ERRORS, PerformanceError, type PerformanceErrorCode } from './core/performance-errors';

// The request: its context, its id in the logs, and events of its queries and cache lookups
export { RequestContext, type CacheStatus } from './core/context/request-context';
export { PerformanceLogger } from './core/context/performance-logger';
export { PerformanceEvents, type QueryEvent, type CacheEvent } from './core/context/performance-events.service';

// Response cache: decorators, invalidation, and the contract of a custom store
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
export { ResponseCache, type InvalidationTarget } from './cache/response/response-cache.service';
export { buildCacheKey, type CacheKeyInput } from './cache/response/cache-key';
export { CacheStore, type CacheEntry, type CacheInvalidation, type CacheStoreHealth, type CacheStoreUsage } from './core/ports/cache-store.port';

// Method cache and cache warming
export { Cached, type CachedOptions } from './cache/method/cached.decorator';
export { WarmCache, type WarmCacheOptions } from './cache/method/warm-cache.decorator';

// Database: instrumentation of a DataSource built by hand, statement statistics, work over many keys or items
export { DatabaseInstrumentation } from './database/database-instrumentation.service';
export type { InstrumentableDataSource } from './core/ports/data-source.port';
export { QueryStats, type QueryStatsEntry, type QueryTotals } from './database/query-stats.service';
export { queryInChunks, type ChunkedInOptions } from './database/chunked-in-query';
export { runBatch, type BatchOptions, type BatchOutcome, type BatchResult } from './core/batch-runner';
export {
  writeInChunks,
  ChunkedWriteError,
  MAX_WRITE_CHUNK_SIZE,
  type ChunkedWriteOptions,
  type ChunkedWriteProgress,
  type ChunkedWriteSummary,
  type ChunkPosition,
  type TransactionalDataSource,
  type InsertingManager,
} from './database/chunked-writer';

// Metrics: the registry, cluster mode, and the sources an app may add
export { PerformanceMetrics } from './metrics/performance-metrics.service';
export { shareMetricsWithClusterPrimary, clusterMetricsHandler, type ClusterMetricsHandler, type ClusterMetricsSource } from './metrics/cluster-metrics';
export { PoolStatsSource, AlertsFiringSource, NPlusOneSource, type PoolStats } from './core/ports/observability.port';

// Tracing
export { Traced, type TracedAttributes } from './tracing/traced.decorator';
export { Timed, type TimedOptions, type TimedMethod } from './timing/timed.decorator';
export { MethodTimings, type MethodTiming, type MethodTimingsBody } from './timing/method-timings.service';
export {
  COUNTED_LOG_LEVELS,
  LogCounts,
  type LogCountsBody,
  type LogContextCounts,
  type LogLevelCounts,
  type CountedLogLevel,
} from './logging/log-counts.service';
export {
  monitorSpanExporter,
  spanExportHealth,
  type MonitorableSpanExporter,
  type MonitorSpanExporterOptions,
  type SpanExportResult,
} from './tracing/span-export-monitor';
export type { DeliveryTargetHealth } from './core/ports/delivery-health.port';

// Background jobs
export { TrackJob, type TrackJobOptions } from './jobs/track-job.decorator';
export { JobMonitor } from './jobs/job-monitor.service';

// Service level objectives: error budgets and burn rates of the slos option
export type { SlosBody, SloReport, SloObjectiveReport, BurnWindow } from './slo/slo-report';

// History kept in the app's database: the tables' migration, for apps that run their own migrations
export { PerformanceHistoryMigration1767225600000, type HistoryMigrationRunner } from './monitor/performance-history.migration';
