import type { Provider } from '@nestjs/common';
import { AppDiscovery } from '../../core/discovery/app-discovery.service';
import { PerformanceEvents } from '../../core/context/performance-events.service';
import { ResponseCache } from '../response/response-cache.service';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { CacheWarmer } from './cache-warmer.service';
import { MethodCache } from './method-cache.service';

/**
 * The providers of `@Cached` methods and cache warming. `MethodCache`
 * resolves to `null` when the cache is off; `CacheWarmer` also when
 * `cacheWarming.enabled` is false.
 */
export const METHOD_CACHE_PROVIDERS: Provider[] = [
  {
    provide: MethodCache,
    useFactory: (options: ResolvedPerformanceOptions, cache: ResponseCache, events: PerformanceEvents, discovery: AppDiscovery) =>
      options.enabled && options.cache.enabled ? new MethodCache(cache, events, options.cache.maxEntryBytes, discovery) : null,
    inject: [PERFORMANCE_OPTIONS, ResponseCache, PerformanceEvents, AppDiscovery],
  },
  {
    provide: CacheWarmer,
    useFactory: (options: ResolvedPerformanceOptions, methods: MethodCache | null) =>
      methods && options.cacheWarming.enabled ? new CacheWarmer(methods, options.cacheWarming) : null,
    inject: [PERFORMANCE_OPTIONS, MethodCache],
  },
];
