import { performance } from 'node:perf_hooks';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { CacheStats } from '../cache-stats.service';
import type { PerformanceEvents } from '../../core/context/performance-events.service';
import { RequestContext } from '../../core/context/request-context';
import type { CacheStatus } from '../../core/context/request-context';
import type { DatabaseInstrumentation } from '../../database/database-instrumentation.service';

/** Prefix of the cache-stats namespace of each DataSource's query cache: `typeorm.default`. */
export const TYPEORM_QUERY_CACHE_NAMESPACE_PREFIX = 'typeorm.';

/** The part of TypeORM's `QueryResultCache` read here. */
interface QueryResultCacheLike {
  getFromCache(options: unknown, queryRunner?: unknown): Promise<unknown>;
  isExpired(saved: unknown): boolean;
}

const WRAPPED = Symbol('nestjs-performance:query-cache-counted');

/**
 * Counts hits and misses of TypeORM's own query result cache (`cache: true`
 * on the DataSource, `.cache(true)` on a query) for every DataSource the
 * database feature instruments. The counts go into the response cache's
 * statistics under namespace `typeorm.<dataSource>`, so `cache-stats` shows
 * them beside the response cache, and into `cache_lookups_total`.
 *
 * A lookup that finds a fresh result is a HIT; one that finds nothing or an
 * expired result is a MISS (the query then runs); one whose cache store
 * fails is a BYPASS with reason `store-error`.
 */
export class TypeOrmQueryCacheCounter implements OnApplicationBootstrap {
  constructor(
    private readonly database: DatabaseInstrumentation,
    private readonly stats: CacheStats,
    private readonly events: PerformanceEvents,
  ) {}

  /** Runs after the database feature attached the DataSources (its own bootstrap hook runs first: it is registered first). */
  onApplicationBootstrap(): void {
    for (const source of this.database.sources()) {
      const cache = (source.dataSource as { queryResultCache?: QueryResultCacheLike }).queryResultCache;
      if (cache) this.count(cache, `${TYPEORM_QUERY_CACHE_NAMESPACE_PREFIX}${source.name}`);
    }
  }

  /** Wraps one cache's `getFromCache` (once) to count its lookups under `namespace`. */
  count(cache: QueryResultCacheLike, namespace: string): void {
    const holder = cache as QueryResultCacheLike & { [WRAPPED]?: true };
    if (holder[WRAPPED]) return;
    Object.defineProperty(holder, WRAPPED, { value: true });
    this.stats.declare(namespace);
    const original = cache.getFromCache.bind(cache);
    cache.getFromCache = async (options: unknown, queryRunner?: unknown) => {
      const started = performance.now();
      let saved: unknown;
      try {
        saved = await original(options, queryRunner);
      } catch (error) {
        this.record(namespace, 'BYPASS', 'store-error', started);
        throw error;
      }
      let fresh = false;
      try {
        fresh = saved !== undefined && saved !== null && !cache.isExpired(saved);
      } catch {
        // TypeORM asks again right after; a failure here only costs the count.
      }
      this.record(namespace, fresh ? 'HIT' : 'MISS', undefined, started);
      return saved;
    };
  }

  private record(namespace: string, status: CacheStatus, reason: string | undefined, started: number): void {
    try {
      this.stats.record(namespace, status, undefined, reason);
      if (this.events.wantsCache) {
        this.events.emitCache({ namespace, status, reason, durationMs: performance.now() - started, request: RequestContext.current() });
      }
    } catch {
      // Counting never breaks a query.
    }
  }
}
