import { z } from 'zod';
import type { CacheStore } from '../../ports/cache-store.port';
import { CACHE_NAMESPACE_PATTERN, DEFAULT_CACHE_NAMESPACE, type CacheOptions } from '../cache.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

const namespace = z.string().regex(CACHE_NAMESPACE_PATTERN, 'must be 1-64 letters, digits, . _ -');
/** An HTTP header name, lower-cased (as Node gives request headers). */
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'must be an HTTP header name')
  .transform((h) => h.toLowerCase());
/** A query parameter name as the handler reads it (decoded). */
const queryName = z.string().min(1).max(128);
const ttlSeconds = z.number().positive().max(31_536_000);
const routeTemplate = z.string().regex(/^\/[^\s?#]*$/, 'must be a route template starting with "/" (no query string)');

const pathRule = z.union([
  ttlSeconds,
  z.strictObject({
    ttl: ttlSeconds.optional(),
    namespace: namespace.optional(),
    varyHeaders: z.array(headerName).max(16).optional(),
    query: z.array(queryName).max(64).optional(),
  }),
]);

const STORE_METHODS = ['get', 'set', 'invalidate', 'health', 'usage', 'ping', 'close'] as const;
const store = z.union([
  z.literal('memory'),
  z.literal('redis'),
  z.literal('two-tier'),
  z.custom<CacheStore>(
    (v) => typeof v === 'object' && v !== null && STORE_METHODS.every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
    "must be 'memory', 'redis', 'two-tier' or an object implementing CacheStore",
  ),
]);

const cache = z
  .strictObject({
    enabled: option(z.boolean(), { default: true, env: 'CACHE_ENABLED', doc: '`false` installs no interceptor; `@Cached` methods run uncached' }),
    cacheablePaths: option(z.record(routeTemplate, pathRule), {
      default: {},
      defaultDoc: 'none',
      doc: 'route template → TTL seconds or `{ ttl, namespace, varyHeaders, query }` (`query`: the parameters that make the key)',
    }),
    ttl: option(z.number().min(0), { default: 300, env: 'CACHE_TTL', doc: 'default TTL in seconds for routes opted in' }),
    statuses: option(z.array(z.int().min(200).max(599)).min(1).max(50), { default: [200], doc: 'response statuses that may be stored' }),
    store: option(store, {
      defaultDoc: '`two-tier` with a Redis URL, else `memory`',
      env: 'CACHE_STORE',
      doc: "`memory`, `redis`, `two-tier`, or the app's `CacheStore`",
    }),
    redis: section({
      url: option(z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL'), {
        defaultDoc: 'none',
        env: 'REDIS_URL',
        doc: '`redis://` or `rediss://`; required by `redis` and `two-tier`',
      }),
      keyPrefix: option(
        z
          .string()
          .max(128)
          .regex(/^[^\s*?[\]\\]*$/, 'must not contain spaces or * ? [ ] \\'),
        {
          default: 'nestjs-performance:cache:',
          env: 'CACHE_REDIS_KEY_PREFIX',
          doc: 'prefix of every Redis key and channel',
        },
      ),
      commandTimeoutMs: option(z.int().min(10).max(60_000), { default: 500, doc: 'a slower Redis command fails and the request bypasses' }),
    }),
    maxSize: option(z.int().min(1).max(10_000_000), { default: 1000, env: 'CACHE_MAX_SIZE', doc: 'most entries in memory' }),
    maxBytes: option(
      z
        .int()
        .min(1024)
        .max(2 ** 40),
      {
        default: 64 * 1024 * 1024,
        defaultNote: '64 MiB',
        env: 'CACHE_MAX_BYTES',
        doc: 'most bytes in memory',
      },
    ),
    maxEntryBytes: option(
      z
        .int()
        .min(1)
        .max(2 ** 31),
      {
        default: 1024 * 1024,
        defaultNote: '1 MiB',
        env: 'CACHE_MAX_ENTRY_BYTES',
        doc: 'larger bodies are not stored',
      },
    ),
    staleWhileRevalidate: option(z.number().min(0).max(31_536_000), {
      default: 0,
      defaultNote: 'off',
      env: 'CACHE_STALE_WHILE_REVALIDATE',
      doc: 'seconds an expired entry may be served `STALE` while one refresh runs',
    }),
    varyHeaders: option(z.array(headerName).max(16), { default: [], doc: 'request headers that become part of every key' }),
    keySecret: option(z.string().min(32, 'must be at least 32 characters'), {
      defaultDoc: 'random per process',
      env: 'CACHE_KEY_SECRET',
      doc: 'HMAC key of per-user cache keys (32+ characters); instances sharing a Redis store must all set the same one',
    }),
    apiKeyHeaders: option(z.array(headerName).max(16), {
      default: ['x-api-key'],
      env: 'CACHE_API_KEY_HEADERS',
      doc:
        'headers that count as credentials (with `Authorization`, `Proxy-Authorization`, `Cookie`): ' +
        'such requests bypass the shared cache unless the route has `@CacheUserKey`',
    }),
    varyByHost: option(z.boolean(), {
      default: true,
      doc: "the request's host (lower-cased, default port removed) is part of every key; `X-Forwarded-Host` only when the framework trusts its proxy",
    }),
    sweepIntervalSeconds: option(z.number().min(0).max(86_400), { default: 60, doc: 'seconds between sweeps of expired memory entries' }),
    earlyHits: option(z.enum(['auto', 'decorated']), {
      default: 'auto',
      env: 'CACHE_EARLY_HITS',
      doc:
        '`auto`: a fresh memory HIT is answered before the framework on cached routes where nothing of the app would run for it ' +
        '(no guard, no interceptor but the cache, no `@Header`/`@Redirect`/`@Render`, no middleware or Fastify hook of the app); ' +
        '`decorated`: only on `@ServeHitsEarly()` routes',
    }),
    adaptiveTtl: section({
      enabled: option(z.boolean(), {
        default: false,
        env: 'CACHE_ADAPTIVE_TTL_ENABLED',
        doc: 'store hot keys fresh for longer: a key hit `minHits` times during its entry’s TTL gets its next entry for that TTL times `factor`',
      }),
      maxSeconds: option(ttlSeconds, {
        default: 3600,
        env: 'CACHE_ADAPTIVE_TTL_MAX_SECONDS',
        doc: 'the longest TTL a hot key gets (never beyond; never per-user entries)',
      }),
      minHits: option(z.int().min(1).max(1_000_000), { default: 10, doc: 'hits during one TTL that make a key hot' }),
      factor: option(z.number().gt(1).max(100), { default: 2, doc: 'how much longer each hot TTL is than the one before' }),
    }),
  })
  .superRefine((o, ctx) => {
    if ((o.store === 'redis' || o.store === 'two-tier') && !o.redis.url) {
      ctx.addIssue({ code: 'custom', path: ['redis', 'url'], message: `is required with store '${o.store}' (or set REDIS_URL)` });
    }
  });

/** One cacheable path after validation. */
export interface ResolvedCachePathRule {
  readonly ttl: number;
  readonly namespace: string;
  /** Lower-cased. */
  readonly varyHeaders: readonly string[];
  /** Declared query parameters; null: all of them. */
  readonly query: readonly string[] | null;
}

/** The `cache` section: checks, defaults, variables and docs of each option. */
export const cacheOptionsSchema = cache
  .transform(({ cacheablePaths, ...o }) => ({
    ...o,
    store: o.store ?? (o.redis.url ? 'two-tier' : 'memory'),
    cacheablePaths: Object.fromEntries(
      Object.entries(cacheablePaths).map(([route, rule]): [string, ResolvedCachePathRule] => [
        route,
        typeof rule === 'number'
          ? { ttl: rule, namespace: DEFAULT_CACHE_NAMESPACE, varyHeaders: [], query: null }
          : {
              ttl: rule.ttl ?? o.ttl,
              namespace: rule.namespace ?? DEFAULT_CACHE_NAMESPACE,
              varyHeaders: rule.varyHeaders ?? [],
              query: rule.query ?? null,
            },
      ]),
    ),
  }))
  .prefault({});

/** Cache options after validation and defaults (header names lower-cased, every path rule complete). */
export type ResolvedCacheOptions = Frozen<z.output<typeof cacheOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link CacheOptions}. */
export type CacheSchemaChecks = Checked<SameShape<z.input<typeof cacheOptionsSchema>, CacheOptions | undefined>>;
