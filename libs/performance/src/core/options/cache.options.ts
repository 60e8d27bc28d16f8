import { z } from 'zod';
import type { CacheStore } from '../ports/cache-store.port';

/** Namespaces: letters, digits, `.`, `_`, `-` (a `:` would break the key layout). */
export const CACHE_NAMESPACE_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** The namespace of cached routes that name none. */
export const DEFAULT_CACHE_NAMESPACE = 'default';

/**
 * One entry of {@link CacheOptions.cacheablePaths} in its long form.
 *
 * @example
 * { ttl: 300, namespace: 'analytics', varyHeaders: ['accept-language'] }
 */
export interface CachePathRule {
  /** Seconds a response stays fresh. @default cache.ttl */
  ttl?: number;
  /** Namespace to count and invalidate it under. @default 'default' */
  namespace?: string;
  /** Request headers whose values become part of the key (besides `cache.varyHeaders`). */
  varyHeaders?: string[];
  /**
   * The only query parameters that make the key (as `@CacheQuery()` does);
   * the others are left out of it. List every parameter the handler reads.
   * @default every parameter
   */
  query?: string[];
}

/**
 * The `cache` section of the module options: the response cache.
 *
 * Nothing is cached unless a route opts in, by `cacheablePaths` or
 * `@CacheTTL()` / `@CacheNamespace()` on its handler.
 *
 * @example
 * PerformanceModule.forRoot({
 *   cache: {
 *     cacheablePaths: { '/api/v1/analytics/overview': { ttl: 300, namespace: 'analytics' }, '/api/v1/documents/:id': 60 },
 *     redis: { url: process.env.REDIS_URL },
 *   },
 * })
 */
export interface CacheOptions {
  /**
   * The response cache. When false no interceptor is installed.
   * Env: `CACHE_ENABLED`.
   * @default true
   */
  enabled?: boolean;
  /**
   * Maximum number of entries held in memory. Env: `CACHE_MAX_SIZE`.
   * @default 1000
   */
  maxSize?: number;
  /**
   * Maximum bytes held in memory (bodies, keys and about 256 bytes of
   * overhead per entry). Env: `CACHE_MAX_BYTES`.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
  /**
   * A response body larger than this (bytes) is not stored.
   * Env: `CACHE_MAX_ENTRY_BYTES`.
   * @default 1048576 (1 MiB)
   */
  maxEntryBytes?: number;
  /**
   * Default time to live in seconds, for routes opted in without their own
   * TTL. Env: `CACHE_TTL`.
   * @default 300
   */
  ttl?: number;
  /**
   * Route templates as the client sees them, global prefix included, with
   * their TTL in seconds or a {@link CachePathRule}. A decorator on the
   * handler wins over this map.
   * @example { '/api/v1/analytics/overview': 300, '/api/v1/documents/:id': { ttl: 60, namespace: 'documents' } }
   */
  cacheablePaths?: Record<string, number | CachePathRule>;
  /**
   * Response statuses that may be stored.
   * @default [200]
   */
  statuses?: number[];
  /**
   * Where entries live: `memory` (this process), `redis` (shared),
   * `two-tier` (memory in front of Redis, invalidations broadcast), or an
   * app's own {@link CacheStore}. Env: `CACHE_STORE`.
   * @default 'two-tier' when a Redis URL is set, else 'memory'
   */
  store?: 'memory' | 'redis' | 'two-tier' | CacheStore;
  /** The Redis connection of the `redis` and `two-tier` stores (ioredis). */
  redis?: {
    /** `redis://host:port[/db]`. Env: `REDIS_URL`. */
    url?: string;
    /**
     * Prefix of every key and channel. Env: `CACHE_REDIS_KEY_PREFIX`.
     * @default 'nestjs-performance:cache:'
     */
    keyPrefix?: string;
    /**
     * A Redis command slower than this fails, and the request bypasses (ms).
     * @default 500
     */
    commandTimeoutMs?: number;
  };
  /**
   * Seconds an expired entry may still be served as `STALE` while one
   * request refreshes it in the background. 0 turns this off.
   * Env: `CACHE_STALE_WHILE_REVALIDATE`.
   * @default 0
   */
  staleWhileRevalidate?: number;
  /**
   * Request headers whose values become part of every cache key
   * (case-insensitive), e.g. `['accept', 'accept-language']`.
   * @default []
   */
  varyHeaders?: string[];
  /**
   * Seconds between two sweeps of expired memory entries (one timer per store).
   * @default 60
   */
  sweepIntervalSeconds?: number;
  /**
   * Whether the host the request was for (`Host`, lower-cased, without the
   * default port) is part of every key, so a handler that writes the host
   * into its response (absolute links, redirects, a tenant by host) never
   * serves one host's response to another. `X-Forwarded-Host` and
   * `X-Forwarded-Proto` count only when the app trusts its proxy: Express
   * `app.set('trust proxy', ...)`, Fastify `trustProxy`; the key takes the
   * host the framework gives the handler (`req.host`, `request.host`).
   * Turn off only when every host serves the same responses.
   * @default true
   */
  varyByHost?: boolean;
  /**
   * The secret of per-user keys (`@CacheUserKey`): identities enter keys
   * only through an HMAC keyed with it. By default each process draws a
   * random one, which is right for the memory store. Instances that share a
   * Redis store (`redis`, `two-tier`) must all set the same secret, or their
   * per-user entries are not shared (each instance keys them differently).
   * At least 32 characters. Env: `CACHE_KEY_SECRET`.
   * @default a random secret per process
   */
  keySecret?: string;
  /**
   * Request headers that carry a credential, besides `Authorization`,
   * `Proxy-Authorization` and `Cookie`: a request with any of them bypasses
   * the cache (reason `api-key`) unless the route has `@CacheUserKey`.
   * Env: `CACHE_API_KEY_HEADERS` (comma-separated).
   * @default ['x-api-key']
   */
  apiKeyHeaders?: string[];
}

/** One cacheable path after validation. */
export interface ResolvedCachePathRule {
  readonly ttl: number;
  readonly namespace: string;
  readonly varyHeaders: readonly string[];
  /** Declared query parameters; null: all of them. */
  readonly query: readonly string[] | null;
}

/** Cache options after validation and defaults. */
export interface ResolvedCacheOptions {
  readonly enabled: boolean;
  readonly maxSize: number;
  readonly maxBytes: number;
  readonly maxEntryBytes: number;
  readonly ttl: number;
  readonly cacheablePaths: Readonly<Record<string, ResolvedCachePathRule>>;
  readonly statuses: readonly number[];
  readonly store: 'memory' | 'redis' | 'two-tier' | CacheStore;
  readonly redis: { readonly url: string | undefined; readonly keyPrefix: string; readonly commandTimeoutMs: number };
  readonly staleWhileRevalidate: number;
  readonly varyHeaders: readonly string[];
  readonly sweepIntervalSeconds: number;
  readonly varyByHost: boolean;
  readonly keySecret: string | undefined;
  /** Lower-cased. */
  readonly apiKeyHeaders: readonly string[];
}

const namespace = z.string().regex(CACHE_NAMESPACE_PATTERN, 'must be 1-64 letters, digits, . _ -');
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'must be an HTTP header name');
/** A query parameter name as the handler reads it (decoded). */
const queryName = z.string().min(1).max(128);
const ttlSeconds = z.number().positive().max(31_536_000);
const routeTemplate = z
  .string()
  .regex(/^\/[^\s?#]*$/, 'must be a route template starting with "/" (no query string)');

const pathRule = z.union([
  ttlSeconds,
  z.strictObject({
    ttl: ttlSeconds.optional(),
    namespace: namespace.optional(),
    varyHeaders: z.array(headerName).max(16).optional(),
    query: z.array(queryName).max(64).optional(),
  }),
]);

const storeSchema = z.union([
  z.literal('memory'),
  z.literal('redis'),
  z.literal('two-tier'),
  z.custom<CacheStore>(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      ['get', 'set', 'invalidate', 'health', 'usage', 'ping', 'close'].every(
        (m) => typeof (v as unknown as Record<string, unknown>)[m] === 'function',
      ),
    "must be 'memory', 'redis', 'two-tier' or an object implementing CacheStore",
  ),
]);

/** Validation schema of {@link CacheOptions}. */
export const cacheOptionsSchema = z.strictObject({
  enabled: z.boolean().optional(),
  maxSize: z.int().min(1).max(10_000_000).optional(),
  maxBytes: z.int().min(1024).max(2 ** 40).optional(),
  maxEntryBytes: z.int().min(1).max(2 ** 31).optional(),
  ttl: z.number().min(0).optional(),
  cacheablePaths: z.record(routeTemplate, pathRule).optional(),
  statuses: z.array(z.int().min(200).max(599)).min(1).max(50).optional(),
  store: storeSchema.optional(),
  redis: z
    .strictObject({
      url: z
        .string()
        .regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')
        .optional(),
      keyPrefix: z.string().max(128).regex(/^[^\s*?[\]\\]*$/, 'must not contain spaces or * ? [ ] \\').optional(),
      commandTimeoutMs: z.int().min(10).max(60_000).optional(),
    })
    .optional(),
  staleWhileRevalidate: z.number().min(0).max(31_536_000).optional(),
  varyHeaders: z.array(headerName).max(16).optional(),
  sweepIntervalSeconds: z.number().min(0).max(86_400).optional(),
  varyByHost: z.boolean().optional(),
  // Option errors never quote the value of a secret-looking name such as this one.
  keySecret: z.string().min(32, 'must be at least 32 characters').optional(),
  apiKeyHeaders: z.array(headerName).max(16).optional(),
}).superRefine((o, ctx) => {
  if ((o.store === 'redis' || o.store === 'two-tier') && !o.redis?.url) {
    ctx.addIssue({ code: 'custom', path: ['redis', 'url'], message: `is required with store '${o.store}' (or set REDIS_URL)` });
  }
});

/** Applies the defaults to validated cache options. */
export function resolveCacheOptions(o: z.infer<typeof cacheOptionsSchema> | undefined): ResolvedCacheOptions {
  const ttl = o?.ttl ?? 300;
  const varyHeaders = (o?.varyHeaders ?? []).map((h) => h.toLowerCase());
  const cacheablePaths: Record<string, ResolvedCachePathRule> = {};
  for (const [route, rule] of Object.entries(o?.cacheablePaths ?? {})) {
    cacheablePaths[route] =
      typeof rule === 'number'
        ? { ttl: rule, namespace: DEFAULT_CACHE_NAMESPACE, varyHeaders: [], query: null }
        : {
            ttl: rule.ttl ?? ttl,
            namespace: rule.namespace ?? DEFAULT_CACHE_NAMESPACE,
            varyHeaders: (rule.varyHeaders ?? []).map((h) => h.toLowerCase()),
            query: rule.query ?? null,
          };
  }
  const url = o?.redis?.url;
  return {
    enabled: o?.enabled ?? true,
    maxSize: o?.maxSize ?? 1000,
    maxBytes: o?.maxBytes ?? 64 * 1024 * 1024,
    maxEntryBytes: o?.maxEntryBytes ?? 1024 * 1024,
    ttl,
    cacheablePaths,
    statuses: o?.statuses ?? [200],
    store: (o?.store as ResolvedCacheOptions['store'] | undefined) ?? (url ? 'two-tier' : 'memory'),
    redis: {
      url,
      keyPrefix: o?.redis?.keyPrefix ?? 'nestjs-performance:cache:',
      commandTimeoutMs: o?.redis?.commandTimeoutMs ?? 500,
    },
    staleWhileRevalidate: o?.staleWhileRevalidate ?? 0,
    varyHeaders,
    sweepIntervalSeconds: o?.sweepIntervalSeconds ?? 60,
    varyByHost: o?.varyByHost ?? true,
    keySecret: o?.keySecret,
    apiKeyHeaders: (o?.apiKeyHeaders ?? ['x-api-key']).map((h) => h.toLowerCase()),
  };
}
