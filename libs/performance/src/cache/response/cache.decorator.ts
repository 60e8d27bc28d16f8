import { SetMetadata } from '@nestjs/common';
import { PerformanceError } from '../../core/performance-errors';
import { CACHE_NAMESPACE_PATTERN } from '../../core/options/cache.options';

/** @internal Metadata keys of the cache decorators. */
export const CACHE_TTL_METADATA = 'nestjs-performance:cache:ttl';
/** @internal */
export const CACHE_NAMESPACE_METADATA = 'nestjs-performance:cache:namespace';
/** @internal */
export const NO_CACHE_METADATA = 'nestjs-performance:cache:off';
/** @internal */
export const CACHE_VARY_METADATA = 'nestjs-performance:cache:vary';
/** @internal */
export const CACHE_QUERY_METADATA = 'nestjs-performance:cache:query';
/** @internal */
export const CACHE_USER_KEY_METADATA = 'nestjs-performance:cache:user-key';
/** @internal */
export const INVALIDATE_CACHE_METADATA = 'nestjs-performance:cache:invalidate';
/** @internal */
export const SERVE_HITS_EARLY_METADATA = 'nestjs-performance:cache:early';

/** The request as a per-user key function sees it (Express request or Fastify request). */
export interface CacheKeyRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly [property: string]: unknown;
}

/**
 * Returns the identity a response belongs to (a user or tenant id), or
 * undefined when it cannot tell: the request then bypasses the cache.
 */
export type CacheUserKeyFn = (request: CacheKeyRequest) => string | undefined;

function invalid(detail: string): never {
  throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', detail);
}

function checkNamespace(decorator: string, name: unknown): string {
  if (typeof name !== 'string' || !CACHE_NAMESPACE_PATTERN.test(name)) {
    invalid(`@${decorator}(): namespace must be 1-64 letters, digits, . _ - (got ${JSON.stringify(name)})`);
  }
  return name;
}

/**
 * Caches the handler's GET responses for `seconds`, overriding
 * `cache.cacheablePaths` and `cache.ttl`. On a class, applies to every handler.
 *
 * @example
 * @Get('overview') @CacheTTL(300) @CacheNamespace('analytics') overview() { ... }
 */
export function CacheTTL(seconds: number): MethodDecorator & ClassDecorator {
  if (typeof seconds !== 'number' || !(seconds > 0) || seconds > 31_536_000) {
    invalid(`@CacheTTL(): seconds must be a number above 0, at most one year (got ${JSON.stringify(seconds)})`);
  }
  return SetMetadata(CACHE_TTL_METADATA, seconds);
}

/**
 * Counts and invalidates the handler's cached responses under `namespace`;
 * also opts the handler in (with `cache.ttl` unless `@CacheTTL` says otherwise).
 *
 * @example
 * @CacheNamespace('documents')
 */
export function CacheNamespace(namespace: string): MethodDecorator & ClassDecorator {
  return SetMetadata(CACHE_NAMESPACE_METADATA, checkNamespace('CacheNamespace', namespace));
}

/**
 * Never caches this handler, even when `cache.cacheablePaths` lists its route
 * or its class is decorated.
 *
 * @example
 * @Get('live') @NoCache() live() { ... }
 */
export function NoCache(): MethodDecorator & ClassDecorator {
  return SetMetadata(NO_CACHE_METADATA, true);
}

/**
 * Adds request headers to the handler's cache keys (besides `cache.varyHeaders`),
 * so e.g. each language gets its own entry.
 *
 * @example
 * @CacheVary('accept-language')
 */
export function CacheVary(...headers: string[]): MethodDecorator & ClassDecorator {
  for (const h of headers) {
    if (typeof h !== 'string' || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(h)) {
      invalid(`@CacheVary(): header names must be HTTP header names (got ${JSON.stringify(h)})`);
    }
  }
  return SetMetadata(
    CACHE_VARY_METADATA,
    headers.map((h) => h.toLowerCase()),
  );
}

/**
 * Names the only query parameters that make the handler's cache keys; the
 * others are left out, so `?bust=<random>` or tracking parameters do not
 * make new entries. List every parameter the handler reads: one left out
 * would let a request store its response under the key of requests without
 * it. A parameter is kept however it is spelled (`pa%67e`, `page[]`), and
 * with no names at all the query is left out of the key entirely.
 * On a class, applies to every handler; wins over `cacheablePaths[...].query`.
 *
 * @example
 * @Get() @CacheTTL(60) @CacheQuery('page', 'limit') list(@Query('page') page = 1, @Query('limit') limit = 20) { ... }
 */
export function CacheQuery(...names: string[]): MethodDecorator & ClassDecorator {
  for (const n of names) {
    if (typeof n !== 'string' || n.length === 0 || n.length > 128) {
      invalid(`@CacheQuery(): query parameter names must be strings of 1-128 characters (got ${JSON.stringify(n)})`);
    }
  }
  return SetMetadata(CACHE_QUERY_METADATA, [...new Set(names)]);
}

/**
 * Lets requests with a credential (`Authorization`, `Proxy-Authorization`,
 * `Cookie`, the `cache.apiKeyHeaders`) use the cache, each user in their own
 * entries: `key` returns the user's identity (it enters the cache key only
 * through an HMAC keyed with `cache.keySecret`) or undefined to bypass.
 * Without it such requests always bypass. A request without an identity is
 * never answered from, nor stored into, an identity's entries.
 *
 * @example
 * @CacheUserKey((req) => (req as { user?: { id: string } }).user?.id)
 */
export function CacheUserKey(key: CacheUserKeyFn): MethodDecorator & ClassDecorator {
  if (typeof key !== 'function') invalid('@CacheUserKey(): expects a function (request) => string | undefined');
  return SetMetadata(CACHE_USER_KEY_METADATA, key);
}

/**
 * After the handler succeeds (does not throw), clears these namespaces
 * everywhere (every instance, with a shared store) before the response is
 * sent.
 *
 * @example
 * @Post() @InvalidateCache('documents', 'analytics') create(@Body() body: CreateDocument) { ... }
 */
export function InvalidateCache(...namespaces: string[]): MethodDecorator & ClassDecorator {
  if (namespaces.length === 0) invalid('@InvalidateCache(): name at least one namespace');
  return SetMetadata(
    INVALIDATE_CACHE_METADATA,
    namespaces.map((n) => checkNamespace('InvalidateCache', n)),
  );
}

/**
 * Serves this handler's fresh cache HITs from the HTTP server's request
 * listener, before Express or Fastify and Nest see the request, the way a
 * cache in front of the app would: the stored bytes go out with `X-Cache: HIT`,
 * `Age`, `ETag` (304 on a matching `If-None-Match`) and the performance
 * headers, and the request is counted in metrics and cache-stats as usual.
 *
 * With `cache.earlyHits: 'auto'` (the default) this already happens on every
 * cached route where nothing of the app would run for a HIT (no guard, no
 * middleware or hook of the app, ...): the decorator is for routes the app
 * declares public although it has such things, or for `earlyHits: 'decorated'`.
 * For those requests **no middleware, guard, interceptor, pipe or filter
 * runs**, global ones included (a rate limiter, an API-key guard, CORS
 * headers set by middleware). Put it only on public routes whose cached
 * response is the whole answer. What stays as without it: a request with a credential
 * (`Authorization`, `Proxy-Authorization`, `Cookie`, `cache.apiKeyHeaders`) or
 * with `X-Forwarded-Host`/`X-Forwarded-Proto`, a route with `@CacheUserKey`, a HEAD, a miss,
 * a stale entry and a shared store's entry all take the usual path through
 * the framework; only the memory store (or a two-tier store's memory tier)
 * answers early. A URL is served early once a request for it went through
 * the usual path.
 *
 * @example
 * @Get('overview') @CacheTTL(300) @CacheNamespace('analytics') @ServeHitsEarly() overview() { ... }
 */
export function ServeHitsEarly(): MethodDecorator & ClassDecorator {
  return SetMetadata(SERVE_HITS_EARLY_METADATA, true);
}
