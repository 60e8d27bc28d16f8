import { describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../core/ports/cache-store.port';
import { AdaptiveTtl } from './adaptive-ttl';

const entry = (ttlSeconds: number, swrSeconds = 0): CacheEntry => ({
  status: 200,
  contentType: 'application/json',
  body: Buffer.from('{}'),
  etag: '"x"',
  storedAt: 1_000,
  expiresAt: 1_000 + ttlSeconds * 1000,
  staleUntil: 1_000 + (ttlSeconds + swrSeconds) * 1000,
});
const ttlOf = (e: CacheEntry) => (e.expiresAt - e.storedAt) / 1000;
const on = { enabled: true, maxSeconds: 100, minHits: 2, factor: 3 };

describe('AdaptiveTtl', () => {
  it('multiplies a hot key’s TTL by factor up to maxSeconds, keeps stale-while-revalidate after it, and resets a cold key', () => {
    const ttl = new AdaptiveTtl(on, 10);
    const hits = (n: number) => Array.from({ length: n }, () => ttl.hit('k'));
    expect(ttlOf(ttl.adapt('k', entry(10), false))).toBe(10);
    hits(2);
    const second = ttl.adapt('k', entry(10, 5), false);
    expect(ttlOf(second)).toBe(30);
    expect(second.staleUntil - second.expiresAt).toBe(5000);
    hits(2);
    expect(ttlOf(ttl.adapt('k', entry(10), false))).toBe(90);
    hits(5);
    expect(ttlOf(ttl.adapt('k', entry(10), false))).toBe(100);
    hits(1);
    expect(ttlOf(ttl.adapt('k', entry(10), false))).toBe(10);
  });

  it('never lengthens per-user entries, a route TTL already at or above the maximum, or anything when off', () => {
    const ttl = new AdaptiveTtl(on, 10);
    for (const perUser of [true, true]) {
      ttl.adapt('u', entry(10), perUser);
      ttl.hit('u');
      ttl.hit('u');
    }
    expect(ttlOf(ttl.adapt('u', entry(10), true))).toBe(10);
    ttl.adapt('long', entry(500), false);
    ttl.hit('long');
    ttl.hit('long');
    expect(ttlOf(ttl.adapt('long', entry(500), false))).toBe(500);
    const off = new AdaptiveTtl({ ...on, enabled: false }, 10);
    off.adapt('k', entry(10), false);
    off.hit('k');
    off.hit('k');
    expect(ttlOf(off.adapt('k', entry(10), false))).toBe(10);
    expect(off.view()).toMatchObject({ enabled: false, lengthened: 0, keys: [] });
  });

  it('remembers at most maxKeys keys, the least recently stored forgotten first', () => {
    const ttl = new AdaptiveTtl(on, 2);
    ttl.adapt('a', entry(10), false);
    ttl.hit('a');
    ttl.hit('a');
    ttl.adapt('b', entry(10), false);
    ttl.adapt('c', entry(10), false);
    // 'a' was forgotten: its hits no longer count.
    expect(ttlOf(ttl.adapt('a', entry(10), false))).toBe(10);
  });
});
