import type { Provider, Type } from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { PerformanceEvents } from '../../core/context/performance-events.service';
import { RequestTracker } from '../../core/context/request-tracker.service';
import { CacheHealthProbe } from '../../core/ports/observability.port';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { CacheStats } from '../cache-stats.service';
import { AppDiscovery } from '../../core/discovery/app-discovery.service';
import { CACHE_NAMESPACE_METADATA, CACHE_TTL_METADATA, INVALIDATE_CACHE_METADATA } from './cache.decorator';
import { ResponseCacheInterceptor } from './response-cache.interceptor';
import { ResponseCache } from './response-cache.service';
import { CacheStore } from '../../core/ports/cache-store.port';
import { MemoryCacheStore } from './stores/memory-cache.store';
import { RedisCacheStore } from './stores/redis-cache.store';
import { TwoTierCacheStore } from './stores/two-tier-cache.store';

/** Builds the store `cache.store` names; ioredis is required only here, only for a Redis store. */
export function createCacheStore(options: ResolvedPerformanceOptions): CacheStore {
  const c = options.cache;
  if (typeof c.store === 'object') return c.store;
  const memory = () => new MemoryCacheStore({ maxEntries: c.maxSize, maxBytes: c.maxBytes, sweepIntervalSeconds: c.sweepIntervalSeconds });
  if (!options.enabled || !c.enabled || c.store === 'memory' || c.redis.url === undefined) return memory();
  const redis = new RedisCacheStore({
    url: c.redis.url,
    keyPrefix: c.redis.keyPrefix,
    commandTimeoutMs: c.redis.commandTimeoutMs,
  });
  return c.store === 'redis' ? redis : new TwoTierCacheStore(memory(), redis, c.redis.keyPrefix);
}

/** The services of the cache feature, exported by the module. */
export const CACHE_EXPORTS: Provider[] = [CacheStats, ResponseCache, { provide: CacheStore, useFactory: createCacheStore, inject: [PERFORMANCE_OPTIONS] }];

/** The decorators that give a route something for the response cache to do (`@NoCache` alone does not). */
const ROUTE_CACHE_METADATA = [CACHE_TTL_METADATA, CACHE_NAMESPACE_METADATA, INVALIDATE_CACHE_METADATA];

/** Whether any controller of the app, or any of its handlers, has a response-cache decorator. */
export function anyRouteDecorated(controllers: readonly Type<unknown>[]): boolean {
  const decorated = (target: object) => ROUTE_CACHE_METADATA.some((key) => Reflect.getMetadata(key, target) !== undefined);
  for (const type of controllers) {
    if (decorated(type)) return true;
    for (let proto = type.prototype as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        // The value only: reading a getter would run app code.
        const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
        if (typeof value === 'function' && decorated(value)) return true;
      }
    }
  }
  return false;
}

/**
 * The providers of the cache feature. The interceptor exists only while the
 * module and `cache.enabled` are on (a factory returning null registers none),
 * and some route can use it: a controller or handler with `@CacheTTL`,
 * `@CacheNamespace` or `@InvalidateCache`, or `cache.cacheablePaths`. An app
 * that caches no route pays nothing per request for it: a global interceptor
 * makes Nest run an RxJS pipeline around every handler.
 */
export const CACHE_PROVIDERS: Provider[] = [
  ...CACHE_EXPORTS,
  // Read by the health feature at check time.
  { provide: CacheHealthProbe, useExisting: ResponseCache },
  {
    provide: APP_INTERCEPTOR,
    useFactory: (
      options: ResolvedPerformanceOptions,
      cache: ResponseCache,
      events: PerformanceEvents,
      reflector: Reflector,
      adapterHost: HttpAdapterHost,
      tracker: RequestTracker,
      discovery: AppDiscovery,
      moduleRef: ModuleRef,
    ): ResponseCacheInterceptor | null =>
      options.enabled &&
      options.cache.enabled &&
      // Every controller is known here: Nest scans the modules before it makes any instance.
      (Object.keys(options.cache.cacheablePaths).length > 0 || anyRouteDecorated(discovery.controllerTypes()))
        ? new ResponseCacheInterceptor(options, cache, events, reflector, adapterHost, tracker, moduleRef)
        : null,
    inject: [PERFORMANCE_OPTIONS, ResponseCache, PerformanceEvents, Reflector, HttpAdapterHost, RequestTracker, AppDiscovery, ModuleRef],
  },
];
