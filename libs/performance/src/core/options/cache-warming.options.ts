/**
 * The `cacheWarming` section of the module options: how `@WarmCache()`
 * entries are filled and kept fresh.
 *
 * @example
 * PerformanceModule.forRoot({ cacheWarming: { concurrency: 2, refreshAheadPercent: 20 } })
 */
export interface CacheWarmingOptions {
  /** Warm `@WarmCache()` methods. Env: `CACHE_WARMING_ENABLED`. @default true */
  enabled?: boolean;
  /** Entries filled at the same time. @default 4 */
  concurrency?: number;
  /**
   * An entry is refreshed when this share of its TTL is left, in percent
   * (at least one second before it expires). @default 10
   */
  refreshAheadPercent?: number;
  /**
   * Wait for the start-up fill before the app starts listening, so the first
   * requests hit. False fills in the background. @default true
   */
  awaitStartup?: boolean;
}
