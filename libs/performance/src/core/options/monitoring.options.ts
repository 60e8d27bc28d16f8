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
