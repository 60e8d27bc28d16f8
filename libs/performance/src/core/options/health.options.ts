import { z } from 'zod';

/** An outbound HTTP dependency the app relies on, checked by `/health/ready`. */
export interface HttpDependency {
  /** Indicator key suffix: `http_<name>`. Letters, digits, `_` and `-`. */
  name: string;
  /** URL answered with a GET; any status below 500 counts as up. */
  url: string;
  /** Timeout of this check in ms. @default the health `timeoutMs` */
  timeoutMs?: number;
}

/** Weights of the three parts of the health overview score (any positive scale). */
export interface HealthScoreWeights {
  /** @default 40 */
  database?: number;
  /** @default 35 */
  system?: number;
  /** @default 25 */
  cache?: number;
}

/** What `/health/ready` checks beyond the databases, pools and `dependencies`. */
export interface HealthReadinessOptions {
  /**
   * Count the cache store (the Redis tier, or the store the app configured)
   * in readiness, so `/health/ready` answers 503 while it is down. Off by
   * default: the response cache fails open (requests go on without it), so a
   * cache outage only degrades `/health` and raises an alert. Turn it on only
   * when the app cannot serve without its cache. Env: `HEALTH_READINESS_CACHE`.
   * @default false
   */
  cache?: boolean;
}

/**
 * The `health` section of the module options: Terminus health indicators,
 * `/health`, `/health/live`, `/health/ready`, and the health overview score.
 *
 * @example
 * PerformanceModule.forRoot({
 *   health: { timeoutMs: 2000, dependencies: [{ name: 'billing', url: 'http://billing:8080/health' }] },
 * })
 */
export interface HealthOptions {
  /**
   * Mount the health endpoints and compute the overview. Needs `@nestjs/terminus`.
   * Env: `HEALTH_ENABLED`.
   * @default true
   */
  enabled?: boolean;
  /**
   * Path of the health endpoint, at the server root; `/live` and `/ready`
   * are mounted below it. Env: `HEALTH_ENDPOINT`.
   * @default '/health'
   */
  endpoint?: string;
  /**
   * Time each check may take before it counts as down, in ms.
   * Env: `HEALTH_CHECK_TIMEOUT_MS`.
   * @default 3000
   */
  timeoutMs?: number;
  /** Path whose file system the disk check measures. @default process.cwd() */
  diskPath?: string;
  /** The disk check is down above this share of used space, in percent. @default 95 */
  diskThresholdPercent?: number;
  /** The event-loop check is down above this lag, in ms. @default 200 */
  eventLoopLagMs?: number;
  /** The pool check is down when a pool's busy share exceeds this, in percent. @default 95 */
  poolSaturationPercent?: number;
  /** Outbound HTTP dependencies checked by readiness. @default [] */
  dependencies?: HttpDependency[];
  /**
   * What readiness checks besides the TypeORM DataSources, the pools and
   * `dependencies`. `/health` checks everything whatever this says.
   * @default { cache: false }
   */
  readiness?: HealthReadinessOptions;
  /**
   * Weights of the health overview score.
   * @default { database: 40, system: 35, cache: 25 }
   */
  weights?: HealthScoreWeights;
}

/** Health options after validation and defaults. */
export interface ResolvedHealthOptions {
  readonly enabled: boolean;
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly diskPath: string;
  readonly diskThresholdPercent: number;
  readonly eventLoopLagMs: number;
  readonly poolSaturationPercent: number;
  readonly dependencies: readonly Readonly<Required<HttpDependency>>[];
  readonly readiness: Readonly<Required<HealthReadinessOptions>>;
  readonly weights: Readonly<Required<HealthScoreWeights>>;
}

const rootPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path starting with "/" (letters, digits, . _ ~ - /)');
const percent = z.number().positive().max(100);

/** Schema of {@link HealthOptions}. */
export const healthOptionsSchema = z.strictObject({
  enabled: z.boolean().optional(),
  endpoint: rootPath.optional(),
  timeoutMs: z.int().min(1).max(120_000).optional(),
  diskPath: z.string().min(1).optional(),
  diskThresholdPercent: percent.optional(),
  eventLoopLagMs: z.number().positive().optional(),
  poolSaturationPercent: percent.optional(),
  dependencies: z
    .array(
      z.strictObject({
        name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
        url: z.url({ protocol: /^https?$/ }),
        timeoutMs: z.int().min(1).max(120_000).optional(),
      }),
    )
    .max(100)
    .optional(),
  readiness: z.strictObject({ cache: z.boolean().optional() }).optional(),
  weights: z
    .strictObject({
      database: z.number().min(0).optional(),
      system: z.number().min(0).optional(),
      cache: z.number().min(0).optional(),
    })
    .refine((w) => (w.database ?? 40) + (w.system ?? 35) + (w.cache ?? 25) > 0, 'at least one weight must be above 0')
    .optional(),
});

/** Merges validated health options with the defaults. */
export function resolveHealthOptions(o: z.infer<typeof healthOptionsSchema> = {}): ResolvedHealthOptions {
  const timeoutMs = o.timeoutMs ?? 3000;
  return {
    enabled: o.enabled ?? true,
    endpoint: o.endpoint ?? '/health',
    timeoutMs,
    diskPath: o.diskPath ?? process.cwd(),
    diskThresholdPercent: o.diskThresholdPercent ?? 95,
    eventLoopLagMs: o.eventLoopLagMs ?? 200,
    poolSaturationPercent: o.poolSaturationPercent ?? 95,
    dependencies: (o.dependencies ?? []).map((d) => ({ name: d.name, url: d.url, timeoutMs: d.timeoutMs ?? timeoutMs })),
    readiness: { cache: o.readiness?.cache ?? false },
    weights: {
      database: o.weights?.database ?? 40,
      system: o.weights?.system ?? 35,
      cache: o.weights?.cache ?? 25,
    },
  };
}
