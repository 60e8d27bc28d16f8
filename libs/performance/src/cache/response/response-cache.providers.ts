import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR, HttpAdapterHost, Reflector } from '@nestjs/core';
import { PerformanceEvents } from '../../core/context/performance-events.service';
import { RequestTracker } from '../../core/context/request-tracker.service';
import { CacheHealthProbe } from '../../core/ports/observability.port';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { CacheStats } from '../cache-stats.service';
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

/**
 * The providers of the cache feature. The interceptor exists only while the
 * module and `cache.enabled` are on (a factory returning null registers none).
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
    ): ResponseCacheInterceptor | null =>
      options.enabled && options.cache.enabled ? new ResponseCacheInterceptor(options, cache, events, reflector, adapterHost, tracker) : null,
    inject: [PERFORMANCE_OPTIONS, ResponseCache, PerformanceEvents, Reflector, HttpAdapterHost, RequestTracker],
  },
];
