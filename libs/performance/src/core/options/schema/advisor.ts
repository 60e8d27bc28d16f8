import { z } from 'zod';
import type { AdvisorOptions } from '../advisor.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

/** The `advisor` section: checks, defaults, variables and docs of each option. */
export const advisorOptionsSchema = section({
  compressionMinBytes: option(z.int().min(0).max(1_073_741_824), {
    default: 1024,
    env: 'ADVISOR_COMPRESSION_MIN_BYTES',
    doc: 'responses this large (bytes) sent without `Content-Encoding` make the `uncompressed-responses` recommendation; `0` off',
  }),
});

/** Advisor options after validation and defaults. */
export type ResolvedAdvisorOptions = Frozen<z.output<typeof advisorOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link AdvisorOptions}. */
export type AdvisorSchemaChecks = Checked<SameShape<z.input<typeof advisorOptionsSchema>, AdvisorOptions | undefined>>;
