import type { QueryResultCache } from 'typeorm/cache/QueryResultCache';
import type { QueryResultCacheOptions } from 'typeorm/cache/QueryResultCacheOptions';

/**
 * TypeORM's query result cache in process memory, bounded to `maxEntries`
 * (the oldest entry goes first). The sample uses it so `.cache(true)` needs
 * no extra table and no extra statement; a deployment with several instances
 * would pick TypeORM's `redis`/`ioredis` cache instead. The module counts its
 * lookups either way (cache-stats namespace `typeorm.default`).
 */
export class MemoryQueryResultCache implements QueryResultCache {
  private readonly entries = new Map<string, QueryResultCacheOptions>();

  constructor(private readonly maxEntries = 1000) {}

  async connect(): Promise<void> {}

  async disconnect(): Promise<void> {
    this.entries.clear();
  }

  async synchronize(): Promise<void> {}

  async getFromCache(options: QueryResultCacheOptions): Promise<QueryResultCacheOptions | undefined> {
    return this.entries.get(keyOf(options));
  }

  async storeInCache(options: QueryResultCacheOptions): Promise<void> {
    const key = keyOf(options);
    this.entries.delete(key);
    this.entries.set(key, { ...options });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  isExpired(saved: QueryResultCacheOptions): boolean {
    return (saved.time ?? 0) + saved.duration < Date.now();
  }

  async clear(): Promise<void> {
    this.entries.clear();
  }

  async remove(identifiers: string[]): Promise<void> {
    for (const id of identifiers) this.entries.delete(id);
  }
}

function keyOf(options: QueryResultCacheOptions): string {
  return options.identifier ?? options.query ?? '';
}
