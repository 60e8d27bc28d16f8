import { z } from 'zod';
import type { ResolvedLevels, ResolvedThresholds } from '../../judgment/judgment';
import { METRIC_CATALOGUE } from '../../judgment/metric-catalogue';
import { THRESHOLD_METRIC_NAMES, type ThresholdMetric, type ThresholdsOptions } from '../thresholds.options';
import { option, type Checked, type EnvRead, type SameShape } from './option';

const levels = z.strictObject({ good: z.number().min(0).optional(), critical: z.union([z.number().min(0), z.literal(false)]).optional() });

/** `THRESHOLD_P95_MS` for `p95Ms`. */
export function thresholdEnvName(metric: ThresholdMetric): string {
  return `THRESHOLD_${metric.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** One metric's variable: JSON levels (`{"good":300,"critical":800}`) or `false`. */
function envOf(metric: ThresholdMetric) {
  const name = thresholdEnvName(metric);
  return {
    names: [name],
    read: (env: EnvRead) => {
      const raw = env.string(name);
      if (raw === undefined) return undefined;
      if (raw === 'false') return false;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return env.invalid(name, `${name}=${JSON.stringify(raw)}: expected JSON such as {"good":300,"critical":800}, or false`);
      }
    },
  };
}

function describe(metric: ThresholdMetric): string {
  const d = METRIC_CATALOGUE[metric];
  const unit = d.unit ? ` (${d.unit.trim()})` : '';
  const way = d.direction === 'above' ? 'at most `good` is good, above `critical` critical' : 'at least `good` is good, below `critical` critical';
  const when = d.judged === 'under-load' ? '; judged only inside a load test' : '';
  return `${d.label}${unit}: ${way}${when}. ${d.why}`;
}

function defaultDoc(metric: ThresholdMetric): string {
  const d = METRIC_CATALOGUE[metric].defaults;
  if (d === false) return '`false`';
  return `\`{ good: ${d.good}, critical: ${d.critical} }\``;
}

const shape = Object.fromEntries(
  THRESHOLD_METRIC_NAMES.map((metric) => [
    metric,
    option(z.union([levels, z.literal(false)]), { defaultDoc: defaultDoc(metric), env: envOf(metric), doc: describe(metric) }),
  ]),
) as Record<ThresholdMetric, z.ZodOptional<z.ZodUnion<[typeof levels, z.ZodLiteral<false>]>>>;

/** The `thresholds` section: one option per metric, merged over its default levels (checked for their order). */
export const thresholdsOptionsSchema = z
  .strictObject(shape)
  .superRefine((configured, ctx) => {
    for (const { metric, message } of mergeThresholds(configured).problems) ctx.addIssue({ code: 'custom', message, path: [metric] });
  })
  .prefault({});

/**
 * Merges the app's levels over the defaults and checks their order: for a
 * metric where higher is worse, `critical` must not be below `good`.
 * Returns the levels, or the problems found.
 */
export function mergeThresholds(configured: ThresholdsOptions): { thresholds: ResolvedThresholds; problems: { metric: ThresholdMetric; message: string }[] } {
  const problems: { metric: ThresholdMetric; message: string }[] = [];
  const out = {} as Record<ThresholdMetric, ResolvedLevels | false>;
  for (const metric of THRESHOLD_METRIC_NAMES) {
    const given = configured[metric];
    const def = METRIC_CATALOGUE[metric];
    if (given === false) {
      out[metric] = false;
      continue;
    }
    if (given === undefined) {
      out[metric] = def.defaults;
      continue;
    }
    const base = def.defaults === false ? undefined : def.defaults;
    const good = given.good ?? base?.good;
    const critical = given.critical ?? base?.critical ?? false;
    if (good === undefined) {
      problems.push({ metric, message: 'needs "good" (it has no default)' });
      out[metric] = false;
      continue;
    }
    if (critical !== false && (def.direction === 'above' ? critical < good : critical > good)) {
      problems.push({ metric, message: `critical (${critical}) must be ${def.direction === 'above' ? 'at or above' : 'at or below'} good (${good})` });
    }
    out[metric] = { good, critical };
  }
  return { thresholds: out, problems };
}

/** Validates `thresholds` and applies the defaults (throws on levels out of order). */
export function resolveThresholds(options?: ThresholdsOptions): ResolvedThresholds {
  const checked = thresholdsOptionsSchema.safeParse(options);
  if (!checked.success) throw new Error(checked.error.issues.map((i) => `thresholds.${i.path.join('.')}: ${i.message}`).join('; '));
  return mergeThresholds(checked.data).thresholds;
}

/** Compile-time: the schema takes exactly {@link ThresholdsOptions}. */
export type ThresholdsSchemaChecks = Checked<SameShape<z.input<typeof thresholdsOptionsSchema>, ThresholdsOptions | undefined>>;
