import { z } from 'zod';

/**
 * Where the sampler keeps its snapshots and the alerts (`monitoring.history`).
 *
 * @example
 * PerformanceModule.forRoot({ monitoring: { history: { store: 'typeorm', retentionDays: 14 } } })
 */
export interface HistoryOptions {
  /**
   * `memory`: a bounded ring in the process (lost on restart). `typeorm`:
   * rows in the app's own database through its TypeORM DataSource (tables
   * `performance_snapshots` and `performance_alerts`, created by the bundled
   * migration), shared by every instance. Env: `PERFORMANCE_HISTORY_STORE`.
   * @default 'memory'
   */
  store?: 'memory' | 'typeorm';
  /**
   * Snapshots the memory ring keeps; the oldest is dropped first.
   * Env: `PERFORMANCE_HISTORY_MAX_SNAPSHOTS`.
   * @default 10080 (7 days at one snapshot a minute)
   */
  maxSnapshots?: number;
  /**
   * Days the TypeORM store keeps snapshots and resolved alerts; older rows are
   * deleted once an hour. Env: `PERFORMANCE_HISTORY_RETENTION_DAYS`.
   * @default 30
   */
  retentionDays?: number;
  /**
   * Most points `metrics/history` returns; longer ranges are averaged into
   * this many buckets. Env: `PERFORMANCE_HISTORY_MAX_POINTS`.
   * @default 300
   */
  maxPoints?: number;
  /**
   * Name of the TypeORM DataSource the store writes to (`default` is the
   * unnamed one). Env: `PERFORMANCE_HISTORY_DATASOURCE`.
   * @default 'default'
   */
  dataSource?: string;
  /**
   * Run the bundled migration at start-up. Turn it off when the app runs
   * `PerformanceHistoryMigration` with its own migrations.
   * Env: `PERFORMANCE_HISTORY_RUN_MIGRATIONS`.
   * @default true
   */
  runMigrations?: boolean;
}

/**
 * Targets that `kpis` checks the latest snapshot against (defaults from the
 * seeds' PerformanceKPIs).
 *
 * @example
 * PerformanceModule.forRoot({ monitoring: { kpis: { p95Ms: 300, minRequestsPerSecond: 50 } } })
 */
export interface KpiOptions {
  /** p95 latency at most this, ms. Env: `KPI_P95_MS`. @default 200 */
  p95Ms?: number;
  /** p99 latency at most this, ms. Env: `KPI_P99_MS`. @default 500 */
  p99Ms?: number;
  /** Throughput at least this, requests per second. Env: `KPI_MIN_RPS`. @default 1000 */
  minRequestsPerSecond?: number;
  /** Process CPU at most this, percent of one core. Env: `KPI_MAX_CPU_PERCENT`. @default 70 */
  maxCpuPercent?: number;
  /** RSS at most this, percent of the memory limit. Env: `KPI_MAX_MEMORY_PERCENT`. @default 80 */
  maxMemoryPercent?: number;
  /** Busiest pool at most this, percent of its size. Env: `KPI_MAX_POOL_PERCENT`. @default 80 */
  maxPoolPercent?: number;
  /** 5xx responses at most this, percent of responses. Env: `KPI_MAX_ERROR_RATE_PERCENT`. @default 0.1 */
  maxErrorRatePercent?: number;
}

/** History options after defaults. */
export type ResolvedHistoryOptions = Readonly<Required<HistoryOptions>>;
/** KPI options after defaults. */
export type ResolvedKpiOptions = Readonly<Required<KpiOptions>>;

const positive = z.number().positive();

/** Schema of {@link HistoryOptions}. */
export const historyOptionsSchema = z.strictObject({
  store: z.enum(['memory', 'typeorm']).optional(),
  maxSnapshots: z.int().min(10).max(1_000_000).optional(),
  retentionDays: z.int().min(1).max(3650).optional(),
  maxPoints: z.int().min(2).max(10_000).optional(),
  dataSource: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be a DataSource name').optional(),
  runMigrations: z.boolean().optional(),
});

/** Schema of {@link KpiOptions}. */
export const kpiOptionsSchema = z.strictObject({
  p95Ms: positive.optional(),
  p99Ms: positive.optional(),
  minRequestsPerSecond: z.number().min(0).optional(),
  maxCpuPercent: positive.optional(),
  maxMemoryPercent: positive.optional(),
  maxPoolPercent: positive.optional(),
  maxErrorRatePercent: z.number().min(0).max(100).optional(),
});

/** Merges validated history options with the defaults. */
export function resolveHistoryOptions(o: z.infer<typeof historyOptionsSchema> = {}): ResolvedHistoryOptions {
  return {
    store: o.store ?? 'memory',
    maxSnapshots: o.maxSnapshots ?? 10_080,
    retentionDays: o.retentionDays ?? 30,
    maxPoints: o.maxPoints ?? 300,
    dataSource: o.dataSource ?? 'default',
    runMigrations: o.runMigrations ?? true,
  };
}

/** Merges validated KPI options with the seeds' defaults. */
export function resolveKpiOptions(o: z.infer<typeof kpiOptionsSchema> = {}): ResolvedKpiOptions {
  return {
    p95Ms: o.p95Ms ?? 200,
    p99Ms: o.p99Ms ?? 500,
    minRequestsPerSecond: o.minRequestsPerSecond ?? 1000,
    maxCpuPercent: o.maxCpuPercent ?? 70,
    maxMemoryPercent: o.maxMemoryPercent ?? 80,
    maxPoolPercent: o.maxPoolPercent ?? 80,
    maxErrorRatePercent: o.maxErrorRatePercent ?? 0.1,
  };
}
