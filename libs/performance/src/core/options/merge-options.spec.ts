import { describe, expect, it } from 'vitest';
import type { CacheStore } from '../ports/cache-store.port';
import { performanceOptionsFromEnv } from './env.options';
import { mergePerformanceOptions } from './merge-options';
import { resolvePerformanceOptions } from './resolved.options';

const ENV = { CACHE_TTL: '42', CACHE_MAX_SIZE: '7', REDIS_URL: 'redis://cache:6379', METRICS_ENDPOINT: '/prom', ALERT_LOG: 'false' };

describe('mergePerformanceOptions', () => {
  it('keeps every CACHE_* variable when the app adds its own cache options (a spread would drop them)', () => {
    const app = { cache: { cacheablePaths: { '/items': { namespace: 'items' } } }, alerts: { notifiers: { retries: 1 } } };
    const cache = resolvePerformanceOptions(mergePerformanceOptions(performanceOptionsFromEnv(ENV), app)).cache;
    expect(cache).toMatchObject({ ttl: 42, maxSize: 7, store: 'two-tier', redis: { url: 'redis://cache:6379' } });
    expect(cache.cacheablePaths['/items']).toEqual({ ttl: 42, namespace: 'items', varyHeaders: [], query: null });
    expect(resolvePerformanceOptions(mergePerformanceOptions(performanceOptionsFromEnv(ENV), app)).alerts.notifiers).toMatchObject({
      log: false,
      retries: 1,
    });
    // What the shallow spread does, for the record: the app's section replaces the environment's.
    expect(resolvePerformanceOptions({ ...performanceOptionsFromEnv(ENV), ...app }).cache.ttl).toBe(300);
  });

  it('lets later sources win, key by key, and leaves a key set to undefined alone', () => {
    expect(
      mergePerformanceOptions({ cache: { ttl: 1, maxSize: 2 }, metrics: { endpoint: '/a' } }, undefined, {
        cache: { ttl: 3, maxSize: undefined },
        metrics: { enabled: false },
      }),
    ).toEqual({ cache: { ttl: 3, maxSize: 2 }, metrics: { endpoint: '/a', enabled: false } });
  });

  it('replaces arrays, class instances and false instead of merging into them', () => {
    class Store {}
    const store = new Store() as unknown as CacheStore;
    const merged = mergePerformanceOptions(
      { cache: { statuses: [200, 203], store: 'memory' }, headers: { 'X-Cache': false } },
      { cache: { statuses: [404], store }, headers: false },
    );
    expect(merged).toEqual({ cache: { statuses: [404], store }, headers: false });
    expect(merged.cache!.store).toBe(store);
    expect(mergePerformanceOptions({ headers: false }, { headers: { 'X-Cache': false } })).toEqual({ headers: { 'X-Cache': false } });
  });

  it('lets the app replace a malformed variable, and reports it otherwise', () => {
    const fromEnv = performanceOptionsFromEnv({ CACHE_TTL: 'abc' });
    expect(() => resolvePerformanceOptions(mergePerformanceOptions(fromEnv, { cache: { maxSize: 5 } }))).toThrow(
      'CACHE_TTL="abc": expected a number (for cache.ttl)',
    );
    expect(resolvePerformanceOptions(mergePerformanceOptions(fromEnv, { cache: { ttl: 60 } })).cache.ttl).toBe(60);
  });

  it('changes none of its sources', () => {
    const first = { cache: { ttl: 1, redis: { keyPrefix: 'a:' } } };
    const second = { cache: { redis: { url: 'redis://x:6379' } } };
    const merged = mergePerformanceOptions(first, second);
    expect(merged).toEqual({ cache: { ttl: 1, redis: { keyPrefix: 'a:', url: 'redis://x:6379' } } });
    expect(first).toEqual({ cache: { ttl: 1, redis: { keyPrefix: 'a:' } } });
    expect(second).toEqual({ cache: { redis: { url: 'redis://x:6379' } } });
  });

  it('keeps a "__proto__" key as a key, which validation refuses, instead of changing a prototype', () => {
    const merged = mergePerformanceOptions(JSON.parse('{"cache":{"__proto__":{"ttl":5}}}') as never);
    expect(Object.getPrototypeOf(merged.cache)).toBe(Object.prototype);
    expect(() => resolvePerformanceOptions(merged)).toThrow('cache: unknown option "__proto__"');
  });
});
