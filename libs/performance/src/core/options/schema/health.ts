import { z } from 'zod';
import type { HealthOptions } from '../health.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';
import { rootPath } from './paths';

const timeoutMs = z.int().min(1).max(120_000);

const health = z.strictObject({
  enabled: option(z.boolean(), {
    default: true,
    env: 'HEALTH_ENABLED',
    doc: 'health endpoints and overview (needs `@nestjs/terminus`)',
  }),
  endpoint: option(rootPath, {
    default: '/health',
    env: 'HEALTH_ENDPOINT',
    doc: 'health endpoint at the server root; `/live` and `/ready` below it',
  }),
  timeoutMs: option(timeoutMs, {
    default: 3000,
    env: 'HEALTH_CHECK_TIMEOUT_MS',
    doc: 'ms each check may take before it counts as down',
  }),
  diskPath: option(z.string().min(1), {
    default: () => process.cwd(),
    defaultDoc: '`process.cwd()`',
    doc: 'path whose file system the disk check measures',
  }),
  eventLoopLagMs: option(z.number().positive(), {
    default: 200,
    doc: 'event loop lagging above this lag p99 of a 1 s slice, ms (liveness after `health.liveness.lagSeconds`, readiness with `health.readiness.eventLoop`)',
  }),
  dependencies: option(
    z
      .array(
        z.strictObject({
          name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
          url: z.url({ protocol: /^https?$/ }),
          timeoutMs: timeoutMs.optional(),
        }),
      )
      .max(100),
    { default: [], doc: 'outbound HTTP dependencies checked by readiness: `{ name, url, timeoutMs? }` (`timeoutMs` defaults to `health.timeoutMs`)' },
  ),
  readiness: section({
    cache: option(z.boolean(), {
      default: false,
      env: 'HEALTH_READINESS_CACHE',
      doc: 'count the cache store in `/health/ready` (by default a cache outage degrades `/health` but never fails readiness: the cache fails open)',
    }),
    eventLoop: option(z.boolean(), {
      default: false,
      env: 'HEALTH_READINESS_EVENT_LOOP',
      doc: 'count the event loop in `/health/ready`: 503 while the latest 1 s slice lags above `health.eventLoopLagMs` (sheds load early)',
    }),
  }),
  liveness: section({
    lagSeconds: option(z.int().min(1).max(3600), {
      default: 10,
      env: 'HEALTH_LIVENESS_LAG_SECONDS',
      doc: '`/health/live` answers 503 only once the event loop lagged above `health.eventLoopLagMs` this many seconds without a break',
    }),
  }),
  weights: z
    .strictObject({
      database: option(z.number().min(0), {
        default: 40,
        doc: 'weight of the database part of the health score (mean query time, slow queries per hour, pool use and waiters)',
      }),
      system: option(z.number().min(0), { default: 35, doc: 'weight of the system part (CPU, memory, disk, event-loop lag)' }),
      cache: option(z.number().min(0), { default: 25, doc: 'weight of the cache part (hit rate, availability, operation time)' }),
    })
    .refine((w) => w.database + w.system + w.cache > 0, 'at least one weight must be above 0')
    .prefault({}),
});

/** The `health` section: checks, defaults, variables and docs of each option. */
export const healthOptionsSchema = health
  .transform((o) => ({ ...o, dependencies: o.dependencies.map((d) => ({ ...d, timeoutMs: d.timeoutMs ?? o.timeoutMs })) }))
  .prefault({});

/** Health options after validation and defaults (each dependency with its timeout). */
export type ResolvedHealthOptions = Frozen<z.output<typeof healthOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link HealthOptions}. */
export type HealthSchemaChecks = Checked<SameShape<z.input<typeof healthOptionsSchema>, HealthOptions | undefined>>;
