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
 * Targets that `kpis` checks the latest snapshot against.
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
