import { LRUCache } from 'lru-cache';
import {
  type CacheEntry,
  type CacheInvalidation,
  type CacheStore,
  type CacheStoreHealth,
  type CacheStoreUsage,
  invalidationMatcher,
} from '../../../core/ports/cache-store.port';

/** Bytes counted per entry on top of its body and key: the entry object, the LRU's slots, the headers' strings. */
export const ENTRY_OVERHEAD_BYTES = 256;

/** Bounds of a {@link MemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Most entries held. */
  maxEntries: number;
  /** Most bytes held (bodies, keys, {@link ENTRY_OVERHEAD_BYTES} each). */
  maxBytes: number;
  /** Seconds between two sweeps of expired entries; 0 for none (expiry on read only). */
  sweepIntervalSeconds: number;
  /** Clock in epoch ms (tests pass a fake). */
  now?: () => number;
}

/** What one entry costs the byte bound. */
export function entryBytes(key: string, entry: CacheEntry): number {
  return entry.body.length + key.length * 2 + entry.contentType.length + entry.etag.length + ENTRY_OVERHEAD_BYTES;
}

/**
 * An in-process LRU bounded by entries and by bytes (lru-cache). Expiry is
 * lazy (checked on read) plus one sweep timer for the whole store, never a
 * timer per entry. Reads are synchronous.
 */
export class MemoryCacheStore implements CacheStore {
  readonly name = 'memory';
  private readonly lru: LRUCache<string, CacheEntry>;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private evictions = 0;
  private readonly since = Date.now();

  constructor(private readonly options: MemoryCacheStoreOptions) {
    this.now = options.now ?? Date.now;
    this.lru = new LRUCache<string, CacheEntry>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (entry, key) => entryBytes(key, entry),
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') this.evictions++;
      },
    });
    if (options.sweepIntervalSeconds > 0) {
      this.sweeper = setInterval(() => this.sweep(), options.sweepIntervalSeconds * 1000);
      this.sweeper.unref();
    }
  }

  get(key: string): CacheEntry | undefined {
    const entry = this.lru.get(key);
    if (entry !== undefined && entry.staleUntil <= this.now()) {
      this.lru.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Like {@link get}, without touching recency (the two-tier store's L1 check). */
  peek(key: string): CacheEntry | undefined {
    return this.lru.peek(key);
  }

  set(key: string, entry: CacheEntry): void {
    // An entry over the byte bound is refused by lru-cache itself; drop any older one so a HIT never serves it.
    if (entryBytes(key, entry) > this.options.maxBytes) {
      this.lru.delete(key);
      return;
    }
    this.lru.set(key, entry);
  }

  /** Removes the matching entries; synchronous underneath. */
  invalidateNow(target: CacheInvalidation): number {
    if ('all' in target) {
      const n = this.lru.size;
      this.lru.clear();
      return n;
    }
    if ('key' in target) return this.lru.delete(target.key) ? 1 : 0;
    const matches = invalidationMatcher(target);
    const doomed: string[] = [];
    for (const key of this.lru.keys()) if (matches(key)) doomed.push(key);
    for (const key of doomed) this.lru.delete(key);
    return doomed.length;
  }

  invalidate(target: CacheInvalidation): Promise<number> {
    return Promise.resolve(this.invalidateNow(target));
  }

  /** Drops every entry past its `staleUntil`. */
  sweep(): number {
    const now = this.now();
    const doomed: string[] = [];
    for (const [key, entry] of this.lru.entries()) if (entry.staleUntil <= now) doomed.push(key);
    for (const key of doomed) this.lru.delete(key);
    return doomed.length;
  }

  /** Keys held, most recently used first. */
  keys(): string[] {
    return [...this.lru.keys()];
  }

  health(): CacheStoreHealth {
    return { store: this.name, status: 'up', since: this.since };
  }

  usage(): CacheStoreUsage {
    return {
      entries: this.lru.size,
      bytes: this.lru.calculatedSize,
      evictions: this.evictions,
      maxEntries: this.options.maxEntries,
      maxBytes: this.options.maxBytes,
    };
  }

  ping(): Promise<Readonly<Record<string, unknown>>> {
    return Promise.resolve({ store: this.name, entries: this.lru.size });
  }

  close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.lru.clear();
    return Promise.resolve();
  }
}
