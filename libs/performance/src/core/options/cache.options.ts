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
   * Which fresh HITs are answered from the HTTP server's request listener,
   * before Express or Fastify and Nest see the request (a memory entry, for
   * a GET from a client without credentials, of a URL the usual path has
   * served once): the same bytes, status, `ETag`, `Age` and performance
   * headers, at a fraction of the cost.
   *
   * - `auto`: on every cached route where nothing of the app would run for
   *   a HIT anyway: no guard and no interceptor besides this module's (on
   *   the route, its controller or global), no `@Header`, `@Redirect`,
   *   `@Render` or `@Sse`, and an app with no middleware of its own and no
   *   Fastify hook of its own (CORS, helmet, Nest's security headers and
   *   Fastify's request logging count), no header versioning and no
   *   host-bound controller. Each route's reason
   *   when it is not served early is in `cache-stats` (`routes[].early`).
   * - `decorated`: only on `@ServeHitsEarly()` routes (which are served
   *   early even with guards or middleware: the decorator says they are
   *   public).
   *
   * Env: `CACHE_EARLY_HITS`.
   * @default 'auto'
   */
  earlyHits?: 'auto' | 'decorated';
  /**
   * Lengthens the TTL of hot keys: a key hit `minHits` times or more during
   * its entry's TTL gets its next entry fresh for that TTL times `factor`,
   * up to `maxSeconds` (never beyond, and never shorter than the route's own
   * TTL); a key that cools down goes back to the route's TTL. Per-user
   * entries (`@CacheUserKey`) always keep the route's TTL. `cache-stats`
   * lists the keys stored with a lengthened TTL under `adaptiveTtl`.
   * @example { enabled: true, maxSeconds: 1800, minHits: 20 }
   */
  adaptiveTtl?: {
    /** Env: `CACHE_ADAPTIVE_TTL_ENABLED`. @default false */
    enabled?: boolean;
    /** The longest TTL in seconds a hot key gets. Env: `CACHE_ADAPTIVE_TTL_MAX_SECONDS`. @default 3600 */
    maxSeconds?: number;
    /** Hits during one TTL that make a key hot. @default 10 */
    minHits?: number;
    /** How much longer each hot TTL is than the one before (above 1). @default 2 */
    factor?: number;
  };
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
