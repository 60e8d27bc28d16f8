/**
 * One reading of the sampler, taken every `monitoring.collectionIntervalSeconds`.
 * Rates and percentiles cover the interval since the previous snapshot;
 * `null` means there was nothing to measure (no requests, no cache lookups,
 * no queries, no pool that reports its size). The optional fields are
 * absent in snapshots stored by versions that did not take them yet.
 */
export interface MetricsSnapshot {
  /** ISO 8601 time the snapshot was taken. */
  readonly timestamp: string;
  /** The instance that took it (`instanceId` option). */
  readonly instanceId: string;
  /** Seconds the snapshot covers. */
  readonly intervalSeconds: number;
  /** Process CPU time over the interval, percent of one core. */
  readonly cpuPercent: number;
  /** Busy share of all host cores over the interval, percent. */
  readonly hostCpuPercent: number;
  /** Resident set size, MiB. */
  readonly rssMb: number;
  /** V8 heap in use, MiB. */
  readonly heapUsedMb: number;
  /** V8 heap reserved, MiB. */
  readonly heapTotalMb: number;
  /** RSS in percent of the memory limit (`maxMemoryUsageMb`, the cgroup limit, or host memory). */
  readonly memoryPercent: number;
  /** Used host memory, percent. */
  readonly hostMemoryPercent: number;
  /** 99th percentile of event loop delay over the interval, ms. */
  readonly eventLoopLagP99Ms: number;
  /** Used share of the file system of `health.diskPath`, percent; null when it cannot be read. */
  readonly diskPercent?: number | null;
  /** The host's load average over 1 minute; null where the OS has none (Windows). */
  readonly loadAverage1m?: number | null;
  /** {@link loadAverage1m} per CPU core the process may use. */
  readonly loadPerCore?: number | null;
  /** Bytes the host's network interfaces (loopback aside) received in the interval; null where `/proc/net/dev` cannot be read. */
  readonly networkRxBytes?: number | null;
  /** Bytes they sent in the interval; null where `/proc/net/dev` cannot be read. */
  readonly networkTxBytes?: number | null;
  /** Responses completed in the interval. */
  readonly requests: number;
  readonly requestsPerSecond: number;
  /** Responses with status 500 or above. */
  readonly errors: number;
  /** `errors / requests` in percent (0 without requests). */
  readonly errorRatePercent: number;
  /** Response time percentiles, ms, from an HDR histogram. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** Mean response time of the interval, ms; null without requests. */
  readonly meanMs?: number | null;
  /**
   * The interval's response times in µs as an HDR histogram, in HdrHistogram's
   * compressed base64 encoding (at most 8 KiB); null without requests.
   * Histograms of several snapshots, or of several instances, add up exactly:
   * the fleet's percentiles are read from their sum. Absent in snapshots
   * stored by versions that did not keep it.
   */
  readonly latencyHistogram?: string | null;
  /** Response cache lookups (hits, misses, stale) in the interval. */
  readonly cacheLookups: number;
  /** Hits (and stale hits) in percent of lookups. */
  readonly cacheHitRatePercent: number | null;
  /** SQL statements in the interval. */
  readonly dbQueries: number;
  /** Their mean duration, ms. */
  readonly dbMeanQueryMs: number | null;
  /** Statements per completed request. */
  readonly dbQueriesPerRequest: number | null;
  /** Busiest connection pool, percent of its size in use. */
  readonly poolUtilizationPercent: number | null;
  /** Callers waiting for a connection, over all pools, when the snapshot was taken; null without a pool that reports it. */
  readonly poolWaiting?: number | null;
  /** Statements at least `database.slowQueryThresholdMs` slow in the interval. */
  readonly slowQueries?: number;
  /** Slow statements in the hour up to the snapshot (since start when the sampler ran less than an hour). */
  readonly slowQueriesPerHour?: number;
  /** Cache lookups the store answered, in percent of those it was asked (a store error is a failed one); null without lookups. */
  readonly cacheAvailabilityPercent?: number | null;
  /** Mean time of a cache lookup, ms; null without lookups. */
  readonly cacheMeanMs?: number | null;
  /** `@TrackJob` runs finished in the interval; null when no job is tracked. */
  readonly jobRuns?: number | null;
  /** Those that failed. */
  readonly jobFailures?: number | null;
  /** Job runs per minute over the interval; null when no job is tracked. */
  readonly jobsPerMinute?: number | null;
  /** `jobFailures / jobRuns` in percent; null without runs. */
  readonly jobFailureRatePercent?: number | null;
  /** DataSources that did not answer their health check when the snapshot was taken; null without the health feature. */
  readonly databasesDown?: number | null;
  /** 1 when the response cache's store did not answer its health check, else 0; null without the health feature. */
  readonly cacheStoreDown?: number | null;
  /** The health score of this snapshot (see `thresholds` and `health.weights`); null when nothing it weighs was measured. */
  readonly healthScore?: number | null;
}

/** The numeric fields of a snapshot, for history charts, alerts and forecasts. */
export type SnapshotMetric = {
  [K in keyof MetricsSnapshot]-?: Exclude<MetricsSnapshot[K], undefined> extends number | null ? K : never;
}[keyof MetricsSnapshot];

/** Every key of {@link SnapshotMetric}, in display order. */
export const SNAPSHOT_METRICS: readonly SnapshotMetric[] = [
  'cpuPercent',
  'hostCpuPercent',
  'rssMb',
  'heapUsedMb',
  'heapTotalMb',
  'memoryPercent',
  'hostMemoryPercent',
  'eventLoopLagP99Ms',
  'diskPercent',
  'loadAverage1m',
  'loadPerCore',
  'networkRxBytes',
  'networkTxBytes',
  'requests',
  'requestsPerSecond',
  'errors',
  'errorRatePercent',
  'p50Ms',
  'p95Ms',
  'p99Ms',
  'maxMs',
  'meanMs',
  'cacheLookups',
  'cacheHitRatePercent',
  'dbQueries',
  'dbMeanQueryMs',
  'dbQueriesPerRequest',
  'poolUtilizationPercent',
  'poolWaiting',
  'slowQueries',
  'slowQueriesPerHour',
  'cacheAvailabilityPercent',
  'cacheMeanMs',
  'jobRuns',
  'jobFailures',
  'jobsPerMinute',
  'jobFailureRatePercent',
  'databasesDown',
  'cacheStoreDown',
  'healthScore',
  'intervalSeconds',
];

/** Rounds to `digits` decimals. */
export function roundTo(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
