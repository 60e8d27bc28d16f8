import { z } from 'zod';
import type { BaselinesOptions } from '../baselines.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

/** `METHOD /template`: the key of a route in `GET <admin>/routes`. */
export const ROUTE_KEY = /^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|SEARCH|PROPFIND|ALL) \/\S*$/;

const target = z
  .strictObject({ p95Ms: z.number().positive().optional(), errorRatePercent: z.number().min(0).max(100).optional() })
  .refine((t) => t.p95Ms !== undefined || t.errorRatePercent !== undefined, 'needs p95Ms or errorRatePercent');

const routeTargets = z.record(
  z.string().regex(ROUTE_KEY, 'must be a method and a route template as `GET <admin>/routes` lists it, such as "GET /api/v1/documents/:id"'),
  target,
);

/** The `baselines` section: checks, defaults, variables and docs of each option. */
export const baselinesOptionsSchema = section({
  enabled: option(z.boolean(), {
    default: true,
    env: 'BASELINES_ENABLED',
    doc: 'learn a latency and error-rate baseline per route; `GET baselines` and the `route-anomaly` and `route-target` alerts',
  }),
  sensitivity: option(z.number().min(0.5).max(20), {
    default: 3,
    env: 'BASELINES_SENSITIVITY',
    doc: 'spreads above its mean a route must run to be anomalous',
  }),
  minSamples: option(z.int().min(3).max(100_000), { default: 30, doc: 'windows a baseline learns from before it judges' }),
  minRequests: option(z.int().min(1).max(1_000_000), { default: 20, doc: 'requests of a route a window needs to teach or be judged' }),
  minP95Ms: option(z.number().min(0), { default: 50, doc: 'a latency anomaly needs the p95 above this too, ms' }),
  minErrorRatePercent: option(z.number().min(0).max(100), { default: 5, doc: 'an error-rate anomaly needs the error rate above this too, percent' }),
  halfLifeMinutes: option(z.number().min(1).max(100_000), { default: 60, doc: 'half-life of the moving average, minutes' }),
  routeTargets: option(routeTargets, {
    default: {},
    doc: "targets by hand, `{ 'GET /api/v1/documents/:id': { p95Ms: 50 } }`: over it, a `route-target` alert",
  }),
});

/** Baselines options after validation and defaults. */
export type ResolvedBaselinesOptions = Frozen<z.output<typeof baselinesOptionsSchema>>;

/** Validates baselines options and applies their defaults. */
export function resolveBaselinesOptions(options?: BaselinesOptions): ResolvedBaselinesOptions {
  return baselinesOptionsSchema.parse(options);
}

/** Compile-time: the schema takes exactly {@link BaselinesOptions}. */
export type BaselinesSchemaChecks = Checked<SameShape<z.input<typeof baselinesOptionsSchema>, BaselinesOptions | undefined>>;
