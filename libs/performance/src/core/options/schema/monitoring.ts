import { z } from 'zod';
import type { HistoryOptions, KpiOptions } from '../monitoring.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

const positive = z.number().positive();

/** `monitoring.history`: checks, defaults, variables and docs of each option. */
export const historyOptionsSchema = section({
  store: option(z.enum(['memory', 'typeorm']), {
    default: 'memory',
    env: 'PERFORMANCE_HISTORY_STORE',
    doc: "`memory` (a ring in the process) or `typeorm` (the app's database)",
  }),
  maxSnapshots: option(z.int().min(10).max(1_000_000), {
    default: 10_080,
    defaultNote: '7 days at one a minute',
    env: 'PERFORMANCE_HISTORY_MAX_SNAPSHOTS',
    doc: 'snapshots the memory ring keeps',
  }),
  retentionDays: option(z.int().min(1).max(3650), {
    default: 30,
    env: 'PERFORMANCE_HISTORY_RETENTION_DAYS',
    doc: 'days the `typeorm` store keeps snapshots and resolved alerts',
  }),
  maxPoints: option(z.int().min(2).max(10_000), {
    default: 300,
    env: 'PERFORMANCE_HISTORY_MAX_POINTS',
    doc: 'most points `metrics/history` returns',
  }),
  dataSource: option(z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be a DataSource name'), {
    default: 'default',
    env: 'PERFORMANCE_HISTORY_DATASOURCE',
    doc: 'TypeORM DataSource of the `typeorm` store',
  }),
  runMigrations: option(z.boolean(), {
    default: true,
    env: 'PERFORMANCE_HISTORY_RUN_MIGRATIONS',
    doc: 'run the bundled history migration at start-up',
  }),
});

/** `monitoring.kpis`: checks, defaults, variables and docs of each option. */
export const kpiOptionsSchema = section({
  p95Ms: option(positive, { default: 200, env: 'KPI_P95_MS', doc: 'p95 latency target, ms' }),
  p99Ms: option(positive, { default: 500, env: 'KPI_P99_MS', doc: 'p99 latency target, ms' }),
  minRequestsPerSecond: option(z.number().min(0), { default: 1000, env: 'KPI_MIN_RPS', doc: 'throughput target, requests per second' }),
  maxCpuPercent: option(positive, { default: 70, env: 'KPI_MAX_CPU_PERCENT', doc: 'process CPU target, percent of one core' }),
  maxMemoryPercent: option(positive, { default: 80, env: 'KPI_MAX_MEMORY_PERCENT', doc: 'RSS target, percent of the memory limit' }),
  maxPoolPercent: option(positive, { default: 80, env: 'KPI_MAX_POOL_PERCENT', doc: 'busiest pool target, percent of its size' }),
  maxErrorRatePercent: option(z.number().min(0).max(100), {
    default: 0.1,
    env: 'KPI_MAX_ERROR_RATE_PERCENT',
    doc: '5xx share target, percent',
  }),
});

/** History options after validation and defaults. */
export type ResolvedHistoryOptions = Frozen<z.output<typeof historyOptionsSchema>>;
/** KPI targets after validation and defaults. */
export type ResolvedKpiOptions = Frozen<z.output<typeof kpiOptionsSchema>>;

/** Compile-time: the schemas take exactly {@link HistoryOptions} and {@link KpiOptions}. */
export type MonitoringSchemaChecks = [
  Checked<SameShape<z.input<typeof historyOptionsSchema>, HistoryOptions | undefined>>,
  Checked<SameShape<z.input<typeof kpiOptionsSchema>, KpiOptions | undefined>>,
];
