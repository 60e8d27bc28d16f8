import { PerformanceError } from '../../core/performance-errors';

/** Options of {@link WarmCache}. */
export interface WarmCacheOptions {
  /**
   * The argument lists to warm, one cache entry each.
   * @default [[]] (the method called without arguments)
   * @example [[1], [2], [3]] // workspaces 1 to 3
   */
  args?: unknown[][];
}

/** Metadata key of the argument lists on a `@WarmCache` method. */
export const WARM_CACHE_METADATA = 'nestjs-performance:warm-cache';

/**
 * Keeps a `@Cached` method's entries warm: the module fills them when the
 * app starts (before it serves requests) and refreshes each shortly before it
 * expires (`cacheWarming.refreshAheadPercent` of its TTL), a bounded number
 * at a time (`cacheWarming.concurrency`). Runs show in the admin `cache-warming`.
 *
 * @example
 * @Cached({ ttl: 300, namespace: 'analytics' })
 * @WarmCache()
 * async overview(): Promise<Overview> { … }
 */
export function WarmCache(options: WarmCacheOptions = {}): MethodDecorator {
  const args = options.args ?? [[]];
  if (!Array.isArray(args) || args.length === 0 || args.length > 1000 || !args.every(Array.isArray)) {
    throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', '@WarmCache(): args must be 1-1000 argument lists (arrays)');
  }
  const frozen = Object.freeze(args.map((a) => Object.freeze([...a])));
  return (_target, _key, descriptor) => {
    if (typeof descriptor.value !== 'function') throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', '@WarmCache() must decorate a method');
    Reflect.defineMetadata(WARM_CACHE_METADATA, frozen, descriptor.value);
    return descriptor;
  };
}

/** The argument lists a method is warmed with, if it has `@WarmCache`. */
export function warmArgsOf(method: unknown): readonly (readonly unknown[])[] | undefined {
  return typeof method === 'function' ? (Reflect.getMetadata(WARM_CACHE_METADATA, method) as readonly (readonly unknown[])[] | undefined) : undefined;
}
