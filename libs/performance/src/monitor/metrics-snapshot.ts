/**
 * One reading of the sampler, taken every `monitoring.collectionIntervalSeconds`.
 * Rates and percentiles cover the interval since the previous snapshot;
 * `null` means there was nothing to measure (no requests, no cache lookups,
 * no queries, no pool that reports its size).
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
}

/** The numeric fields of a snapshot, for history charts, alerts and forecasts. */
export type SnapshotMetric = {
  [K in keyof MetricsSnapshot]-?: MetricsSnapshot[K] extends number | null ? K : never;
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
  'requests',
  'requestsPerSecond',
  'errors',
  'errorRatePercent',
  'p50Ms',
  'p95Ms',
  'p99Ms',
  'maxMs',
  'cacheLookups',
  'cacheHitRatePercent',
  'dbQueries',
  'dbMeanQueryMs',
  'dbQueriesPerRequest',
  'poolUtilizationPercent',
  'intervalSeconds',
];

/** Rounds to `digits` decimals. */
export function roundTo(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
