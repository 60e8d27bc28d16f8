/**
 * The two boundaries of one metric. `good`: the KPI target, the last value
 * that is still good (above it, or below it for metrics where lower is
 * worse, the metric is in warning). `critical`: past it the metric is
 * critical; `false` for a metric that never becomes critical.
 */
export interface ThresholdLevels {
  /** The KPI target: at this value the metric is still good. */
  good?: number;
  /** Past this value the metric is critical; `false`: never critical. */
  critical?: number | false;
}

/**
 * The metrics the module judges, each named as the snapshot field it is
 * read from (see docs/monitoring.md for the table of defaults).
 */
export const THRESHOLD_METRIC_NAMES = [
  'p50Ms',
  'p95Ms',
  'p99Ms',
  'meanMs',
  'errorRatePercent',
  'requestsPerSecond',
  'cpuPercent',
  'memoryPercent',
  'diskPercent',
  'eventLoopLagP99Ms',
  'loadPerCore',
  'dbMeanQueryMs',
  'slowQueriesPerHour',
  'poolUtilizationPercent',
  'poolWaiting',
  'databasesDown',
  'cacheHitRatePercent',
  'cacheAvailabilityPercent',
  'cacheMeanMs',
  'cacheStoreDown',
  'jobFailureRatePercent',
  'jobsPerMinute',
] as const;

/** One of {@link THRESHOLD_METRIC_NAMES}. */
export type ThresholdMetric = (typeof THRESHOLD_METRIC_NAMES)[number];

/**
 * The `thresholds` section: good / warning / critical of every metric, in
 * one place. The KPIs, the alert rules, the dashboard's colours, the health
 * score, `health-overview` and the CLI's `analyze` all read it: a metric past
 * `good` fails its KPI and raises a warning alert; past `critical`, a
 * critical alert. Each metric given is merged over its default; `false`
 * stops judging it (no KPI, alert, colour or part of the score). A value
 * at a boundary belongs to the better side: a p95 of exactly 200 ms is good.
 *
 * @example
 * PerformanceModule.forRoot({
 *   thresholds: { p95Ms: { good: 300, critical: 1000 }, cacheHitRatePercent: false, loadPerCore: { good: 1.5, critical: 2 } },
 * })
 */
export interface ThresholdsOptions {
  /**
   * Response time p50, ms (higher is worse).
   * Env: `THRESHOLD_P50_MS` (JSON or `false`).
   * @default { good: 100, critical: 500 }
   */
  p50Ms?: ThresholdLevels | false;
  /**
   * Response time p95, ms (higher is worse).
   * Env: `THRESHOLD_P95_MS` (JSON or `false`).
   * @default { good: 200, critical: 500 }
   */
  p95Ms?: ThresholdLevels | false;
  /**
   * Response time p99, ms (higher is worse).
   * Env: `THRESHOLD_P99_MS` (JSON or `false`).
   * @default { good: 500, critical: 1000 }
   */
  p99Ms?: ThresholdLevels | false;
  /**
   * Mean response time, ms (higher is worse).
   * Env: `THRESHOLD_MEAN_MS` (JSON or `false`).
   * @default { good: 100, critical: 1000 }
   */
  meanMs?: ThresholdLevels | false;
  /**
   * 5xx responses in percent of responses (higher is worse).
   * Env: `THRESHOLD_ERROR_RATE_PERCENT` (JSON or `false`).
   * @default { good: 0.1, critical: 5 }
   */
  errorRatePercent?: ThresholdLevels | false;
  /**
   * Throughput, requests per second (lower is worse); judged only on a window that lies wholly inside a load test.
   * Env: `THRESHOLD_REQUESTS_PER_SECOND` (JSON or `false`).
   * @default { good: 1000, critical: 500 }
   */
  requestsPerSecond?: ThresholdLevels | false;
  /**
   * Process CPU, percent of one core (higher is worse).
   * Env: `THRESHOLD_CPU_PERCENT` (JSON or `false`).
   * @default { good: 70, critical: 95 }
   */
  cpuPercent?: ThresholdLevels | false;
  /**
   * RSS in percent of the memory limit (higher is worse).
   * Env: `THRESHOLD_MEMORY_PERCENT` (JSON or `false`).
   * @default { good: 80, critical: 95 }
   */
  memoryPercent?: ThresholdLevels | false;
  /**
   * Used share of the disk of `health.diskPath`, percent (higher is worse); the disk health check is down past `critical`.
   * Env: `THRESHOLD_DISK_PERCENT` (JSON or `false`).
   * @default { good: 85, critical: 95 }
   */
  diskPercent?: ThresholdLevels | false;
  /**
   * Event-loop lag p99 over the window, ms (higher is worse).
   * Env: `THRESHOLD_EVENT_LOOP_LAG_P99_MS` (JSON or `false`).
   * @default { good: 200, critical: 1000 }
   */
  eventLoopLagP99Ms?: ThresholdLevels | false;
  /**
   * The host's 1-minute load average per core (higher is worse). Off by default: in a container or on a shared machine it counts other processes' work; `{ good: 1.5, critical: 2 }` is the usual choice.
   * Env: `THRESHOLD_LOAD_PER_CORE` (JSON or `false`).
   * @default false
   */
  loadPerCore?: ThresholdLevels | false;
  /**
   * Mean SQL statement time, ms (higher is worse).
   * Env: `THRESHOLD_DB_MEAN_QUERY_MS` (JSON or `false`).
   * @default { good: 100, critical: 1000 }
   */
  dbMeanQueryMs?: ThresholdLevels | false;
  /**
   * Statements at least `database.slowQueryThresholdMs` slow in the last hour (higher is worse).
   * Env: `THRESHOLD_SLOW_QUERIES_PER_HOUR` (JSON or `false`).
   * @default { good: 10, critical: 100 }
   */
  slowQueriesPerHour?: ThresholdLevels | false;
  /**
   * Busiest connection pool, percent of its size in use (higher is worse).
   * Env: `THRESHOLD_POOL_UTILIZATION_PERCENT` (JSON or `false`).
   * @default { good: 80, critical: 95 }
   */
  poolUtilizationPercent?: ThresholdLevels | false;
  /**
   * Callers waiting for a connection, all pools (higher is worse).
   * Env: `THRESHOLD_POOL_WAITING` (JSON or `false`).
   * @default { good: 5, critical: 20 }
   */
  poolWaiting?: ThresholdLevels | false;
  /**
   * Response cache hit rate, percent of lookups (lower is worse); never critical by default (it follows the workload).
   * Env: `THRESHOLD_CACHE_HIT_RATE_PERCENT` (JSON or `false`).
   * @default { good: 70, critical: false }
   */
  cacheHitRatePercent?: ThresholdLevels | false;
  /**
   * DataSources down (not answering `SELECT 1`) when the snapshot was taken: any is critical by default; the
   * `database-down` alert (`alerts.outages.database`) is raised by the same checks.
   * Env: `THRESHOLD_DATABASES_DOWN` (JSON or `false`).
   * @default { good: 0, critical: 0 }
   */
  databasesDown?: ThresholdLevels | false;
  /**
   * Cache lookups the store answered, percent (lower is worse).
   * Env: `THRESHOLD_CACHE_AVAILABILITY_PERCENT` (JSON or `false`).
   * @default { good: 99.5, critical: 95 }
   */
  cacheAvailabilityPercent?: ThresholdLevels | false;
  /**
   * Mean time of a cache lookup, ms (higher is worse).
   * Env: `THRESHOLD_CACHE_MEAN_MS` (JSON or `false`).
   * @default { good: 20, critical: 50 }
   */
  cacheMeanMs?: ThresholdLevels | false;
  /**
   * 1 while the cache store does not answer its health check: a warning by default (the cache fails open;
   * the `cache-store-down` alert, `alerts.outages.cacheStore`, is raised by the same check).
   * Env: `THRESHOLD_CACHE_STORE_DOWN` (JSON or `false`).
   * @default { good: 0, critical: false }
   */
  cacheStoreDown?: ThresholdLevels | false;
  /**
   * Failed `@TrackJob` runs in percent (higher is worse); the `job-failure-rate` alert judges each job with these levels.
   * Env: `THRESHOLD_JOB_FAILURE_RATE_PERCENT` (JSON or `false`).
   * @default { good: 1, critical: 5 }
   */
  jobFailureRatePercent?: ThresholdLevels | false;
  /**
   * Job runs per minute (lower is worse); judged only on a window that lies wholly inside a load test.
   * Env: `THRESHOLD_JOBS_PER_MINUTE` (JSON or `false`).
   * @default { good: 500, critical: 100 }
   */
  jobsPerMinute?: ThresholdLevels | false;
}
