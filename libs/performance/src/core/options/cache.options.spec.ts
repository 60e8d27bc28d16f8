import { describe, expect, it } from 'vitest';
import { performanceOptionsFromEnv } from './env.options';
import { resolvePerformanceOptions } from './resolved.options';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return String((error as Error).message);
  }
  throw new Error('expected an error');
}

describe('cache key options', () => {
  it('defaults: host in the key, a random per-process secret, X-Api-Key as a credential', () => {
    const c = resolvePerformanceOptions({}).cache;
    expect({ varyByHost: c.varyByHost, keySecret: c.keySecret, apiKeyHeaders: c.apiKeyHeaders }).toEqual({
      varyByHost: true,
      keySecret: undefined,
      apiKeyHeaders: ['x-api-key'],
    });
  });

  it('takes a secret, API-key headers (lower-cased) and declared query parameters per path', () => {
    const c = resolvePerformanceOptions({
      cache: {
        keySecret: 'k'.repeat(32),
        apiKeyHeaders: ['X-Api-Key', 'X-Client-Token'],
        varyByHost: false,
        cacheablePaths: { '/a': { ttl: 5, query: ['page'] }, '/b': 5 },
      },
    }).cache;
    expect(c.keySecret).toBe('k'.repeat(32));
    expect(c.apiKeyHeaders).toEqual(['x-api-key', 'x-client-token']);
    expect(c.varyByHost).toBe(false);
    expect(c.cacheablePaths['/a']!.query).toEqual(['page']);
    expect(c.cacheablePaths['/b']!.query).toBeNull();
  });

  it('refuses a short secret without printing it, and bad header names', () => {
    const message = messageOf(() =>
      resolvePerformanceOptions({ cache: { keySecret: 'hunter2-is-short', apiKeyHeaders: ['bad header'], cacheablePaths: { '/a': { query: [''] } } } }),
    );
    expect(message).toContain('cache.keySecret: must be at least 32 characters');
    expect(message).toContain('cache.apiKeyHeaders.0: must be an HTTP header name');
    expect(message).toContain('cache.cacheablePaths./a.query.0');
    expect(message).not.toContain('hunter2');
  });

  it('reads CACHE_KEY_SECRET and CACHE_API_KEY_HEADERS', () => {
    expect(performanceOptionsFromEnv({ CACHE_KEY_SECRET: 's'.repeat(40), CACHE_API_KEY_HEADERS: 'x-api-key, x-token ,' }).cache).toEqual({
      keySecret: 's'.repeat(40),
      apiKeyHeaders: ['x-api-key', 'x-token'],
    });
  });
});
