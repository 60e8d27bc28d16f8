import { z } from 'zod';
import type { JobsOptions } from '../jobs.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

/** The `jobs` section: checks, defaults, variables and docs of each option. */
export const jobsOptionsSchema = section({
  enabled: option(z.boolean(), {
    default: true,
    env: 'JOBS_MONITORING_ENABLED',
    doc: 'record `@TrackJob` runs; `jobs/status` and `jobs/:name`',
  }),
  maxJobs: option(z.int().min(1).max(10_000), { default: 100, doc: 'most job names tracked' }),
  overdueFactor: option(z.number().min(1).max(1000), {
    default: 1.5,
    env: 'JOBS_OVERDUE_FACTOR',
    doc: 'overdue after the expected interval times this',
  }),
  failureRateWindow: option(z.int().min(1).max(10_000), { default: 20, doc: 'latest runs the failure rate is computed over' }),
  failureRateMinRuns: option(z.int().min(1).max(10_000), { default: 3, doc: 'runs needed before the failure-rate alert fires' }),
  maxErrorLength: option(z.int().min(20).max(100_000), { default: 500, doc: 'characters of the last error kept' }),
});

/** Jobs options after validation and defaults. */
export type ResolvedJobsOptions = Frozen<z.output<typeof jobsOptionsSchema>>;

/** Validates jobs options and applies their defaults. */
export function resolveJobsOptions(options?: JobsOptions): ResolvedJobsOptions {
  return jobsOptionsSchema.parse(options);
}

/** Compile-time: the schema takes exactly {@link JobsOptions}. */
export type JobsSchemaChecks = Checked<SameShape<z.input<typeof jobsOptionsSchema>, JobsOptions | undefined>>;
