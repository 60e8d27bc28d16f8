import { z } from 'zod';
import type { TracingOptions } from '../tracing.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

/** The `tracing` section: checks, defaults, variables and docs of each option. */
export const tracingOptionsSchema = section({
  enabled: option(z.boolean(), {
    default: false,
    env: 'TRACING_ENABLED',
    doc: "OpenTelemetry spans (needs `@opentelemetry/api` and the app's SDK)",
  }),
  queries: option(z.boolean(), { default: true, doc: 'a child span per SQL statement' }),
  cacheLookups: option(z.union([z.literal('events'), z.literal('spans'), z.literal(false)]), {
    default: 'events',
    doc: 'cache lookups as span events, `spans`, or `false`',
  }),
});

/** Tracing options after validation and defaults. */
export type ResolvedTracingOptions = Frozen<z.output<typeof tracingOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link TracingOptions}. */
export type TracingSchemaChecks = Checked<SameShape<z.input<typeof tracingOptionsSchema>, TracingOptions | undefined>>;
