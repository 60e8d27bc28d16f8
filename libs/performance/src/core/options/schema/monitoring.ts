import { z } from 'zod';
import type { HistoryOptions } from '../monitoring.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

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

/** History options after validation and defaults. */
export type ResolvedHistoryOptions = Frozen<z.output<typeof historyOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link HistoryOptions}. */
export type MonitoringSchemaChecks = [Checked<SameShape<z.input<typeof historyOptionsSchema>, HistoryOptions | undefined>>];
