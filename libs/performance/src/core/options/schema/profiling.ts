import { z } from 'zod';
import type { ProfilingOptions } from '../profiling.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

/** The `profiling` section: checks, defaults, variables and docs of each option. */
export const profilingOptionsSchema = section({
  enabled: option(z.boolean(), { default: false, env: 'PROFILING_ENABLED', doc: 'mount the profiling endpoints (admin-only)' }),
  maxSeconds: option(z.int().min(1).max(600), { default: 60, env: 'PROFILING_MAX_SECONDS', doc: 'longest CPU profile, seconds (1 to 600)' }),
  heapSnapshots: option(z.boolean(), {
    default: true,
    doc: 'allow `POST profiling/heap` (a snapshot holds every secret in the process)',
  }),
  samplingIntervalMicros: option(z.int().min(50).max(1_000_000), { default: 1000, doc: 'µs between CPU samples' }),
  topFunctions: option(z.int().min(1).max(200), { default: 15, doc: 'functions in the profile summary' }),
});

/** Profiling options after validation and defaults. */
export type ResolvedProfilingOptions = Frozen<z.output<typeof profilingOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link ProfilingOptions}. */
export type ProfilingSchemaChecks = Checked<SameShape<z.input<typeof profilingOptionsSchema>, ProfilingOptions | undefined>>;
