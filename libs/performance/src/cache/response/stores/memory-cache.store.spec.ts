import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CacheEntry } from '../../../core/ports/cache-store.port';
import { entryBytes, MemoryCacheStore } from './memory-cache.store';

function entry(body: string, now: number, ttlMs = 60_000): CacheEntry {
  return {
    status: 200,
    contentType: 'application/json; charset=utf-8',
    body: Buffer.from(body),
    etag: '"e"',
    storedAt: now,
    expiresAt: now + ttlMs,
    staleUntil: now + ttlMs,
  };
}

describe('MemoryCacheStore', () => {
  afterEach(() => vi.useRealTimers());

  it('stays within its byte bound after 100,000 distinct keys, evicting the least recently used', () => {
    const maxBytes = 2 * 1024 * 1024;
    const store = new MemoryCacheStore({ maxEntries: 1_000_000, maxBytes, sweepIntervalSeconds: 0 });
    const now = Date.now();
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      store.set(`ns:/items/${i}?page=${i % 7}`, entry(`{"id":${i},"payload":"${'x'.repeat(i % 900)}"}`, now));
      peak = Math.max(peak, store.usage().bytes!);
    }
    const usage = store.usage();
    expect(peak).toBeLessThanOrEqual(maxBytes);
    // The accounting matches what is held.
    let held = 0;
    for (const key of store.keys()) held += entryBytes(key, store.peek(key)!);
    expect(usage.bytes).toBe(held);
    expect(usage.entries! + usage.evictions).toBe(100_000);
    expect(store.get('ns:/items/99999?page=4')).toBeDefined();
    expect(store.get('ns:/items/0?page=0')).toBeUndefined();
  });

  it('stays within its entry bound', () => {
    const store = new MemoryCacheStore({ maxEntries: 100, maxBytes: 1 << 30, sweepIntervalSeconds: 0 });
    for (let i = 0; i < 1000; i++) store.set(`k${i}`, entry('{}', Date.now()));
    expect(store.usage()).toMatchObject({ entries: 100, evictions: 900 });
  });

  it('refuses an entry larger than the whole bound, and drops the older value of its key', () => {
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 2048, sweepIntervalSeconds: 0 });
    store.set('k', entry('small', Date.now()));
    store.set('k', entry('x'.repeat(4096), Date.now()));
    expect(store.get('k')).toBeUndefined();
  });

  it('expires lazily on read and in one sweep, with no timer per entry (fake clock)', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryCacheStore({ maxEntries: 10, maxBytes: 1 << 20, sweepIntervalSeconds: 60 });
    store.set('a', entry('a', Date.now(), 10_000));
    store.set('b', entry('b', Date.now(), 100_000));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(store.get('a')).toBeUndefined();
    store.set('c', entry('c', Date.now(), 5_000));
    vi.advanceTimersByTime(50_000); // the sweep at 60 s drops c without a read
    expect(store.keys()).toEqual(['b']);
    void store.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
