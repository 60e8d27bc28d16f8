import type { DatabaseInstrumentation } from '../../database/database-instrumentation.service';
import { TYPEORM_QUERY_CACHE_NAMESPACE_PREFIX } from './query-cache-counter.service';

/** Whether a namespace listed by `cache-stats` can be cleared, and why not. */
export interface Clearability {
  readonly clearable: boolean;
  /** Why it cannot be cleared; only when `clearable` is false. */
  readonly notClearableReason?: string;
}

/** The part of TypeORM's `QueryResultCache` used here. */
interface ClearableQueryCache {
  clear(queryRunner?: unknown): Promise<void>;
}

/** TypeORM's `cache` option of a DataSource, as far as it is read here. */
type CacheOption = boolean | { readonly type?: string; readonly provider?: unknown } | undefined;

const REDIS_TYPES = new Set(['redis', 'ioredis', 'ioredis/cluster']);

const REDIS_REASON =
  "TypeORM's Redis query result cache can only be cleared with FLUSHDB, which would also delete every other key of that Redis " +
  'database; its entries expire with their own duration';

/**
 * TypeORM's query result cache of each instrumented DataSource, as the
 * namespaces `typeorm.<dataSource>` of `cache-stats`: which ones can be
 * cleared, and clearing them through TypeORM's own `queryResultCache.clear()`.
 *
 * The cache in the database (`cache: true`, the default type) and an app's
 * own `cache.provider` can be cleared. The Redis one cannot: TypeORM stores
 * its entries under keys of their own SQL or identifier, with no prefix, and
 * its `clear()` empties the whole Redis database.
 */
export class TypeOrmQueryCaches {
  constructor(private readonly database: DatabaseInstrumentation) {}

  /** The namespaces of the DataSources that have a query result cache, sorted. */
  namespaces(): string[] {
    return [...this.caches().keys()].sort();
  }

  /** Whether `namespace` is one of these caches. */
  has(namespace: string): boolean {
    return this.caches().has(namespace);
  }

  /** Whether `namespace` can be cleared (undefined when it is not a query cache). */
  clearability(namespace: string): Clearability | undefined {
    const entry = this.caches().get(namespace);
    if (!entry) return undefined;
    return entry.reason === undefined ? { clearable: true } : { clearable: false, notClearableReason: entry.reason };
  }

  /**
   * Empties the query result cache of `namespace` (`typeorm.default`).
   * Throws when it is not a query cache or cannot be cleared (check first).
   */
  async clear(namespace: string): Promise<void> {
    const entry = this.caches().get(namespace);
    if (!entry || entry.reason !== undefined) throw new Error(`${namespace} is not a query result cache that can be cleared`);
    await entry.cache.clear();
  }

  private caches(): Map<string, { cache: ClearableQueryCache; reason: string | undefined }> {
    const caches = new Map<string, { cache: ClearableQueryCache; reason: string | undefined }>();
    for (const source of this.database.sources()) {
      const dataSource = source.dataSource as { queryResultCache?: Partial<ClearableQueryCache>; options: { cache?: CacheOption } };
      const cache = dataSource.queryResultCache;
      if (!cache || typeof cache.clear !== 'function') continue;
      const option = dataSource.options.cache;
      const redis = typeof option === 'object' && option !== null && !option.provider && REDIS_TYPES.has(option.type ?? '');
      caches.set(`${TYPEORM_QUERY_CACHE_NAMESPACE_PREFIX}${source.name}`, { cache: cache as ClearableQueryCache, reason: redis ? REDIS_REASON : undefined });
    }
    return caches;
  }
}
