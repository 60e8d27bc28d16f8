import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResponseCache } from '../libs/performance/src/cache/response/response-cache.service';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

interface AdaptiveView {
  enabled: boolean;
  maxSeconds: number;
  lengthened: number;
  keys: { key: string; ttlSeconds: number; baseTtlSeconds: number; hitsInLastTtl: number }[];
}

/**
 * cache.adaptiveTtl on the sample's analytics overview (@CacheTTL(300)): a
 * key hit 10 times during its entry's TTL is stored next for twice as long,
 * up to maxSeconds and never beyond; a key that cooled down goes back to 300 s.
 * The TTL is read from the entry in the store and from cache-stats.
 */
describe.each(ADAPTERS)('adaptive TTL of hot keys on the sample (%s)', (adapter) => {
  let sample: RunningSample;
  const overview = async () => {
    const res = await fetch(`${sample.api}/analytics/overview`);
    await res.arrayBuffer();
    expect(res.status).toBe(200);
    return res.headers.get('x-cache');
  };
  const clear = async () => {
    const res = await fetch(`${sample.api}/performance/cache/clear?namespace=analytics`, { method: 'POST', headers: sample.admin });
    expect(res.status).toBe(200);
  };
  const stats = async () =>
    ((await (await fetch(`${sample.api}/performance/cache-stats`, { headers: sample.admin })).json()) as { adaptiveTtl: AdaptiveView }).adaptiveTtl;
  /** The TTL the stored entry was given, read from the store. */
  const storedTtl = async (key: string) => {
    const entry = await sample.app.get(ResponseCache).store.get(key);
    return entry ? (entry.expiresAt - entry.storedAt) / 1000 : undefined;
  };
  /** One lifetime: a MISS that stores, then `hits` HITs. */
  const lifetime = async (hits: number) => {
    await clear();
    expect(await overview()).toBe('MISS');
    for (let i = 0; i < hits; i++) expect(await overview()).toBe('HIT');
  };

  beforeAll(async () => {
    sample = await startSample(adapter, {
      seedDocuments: 200,
      env: { CACHE_ADAPTIVE_TTL_ENABLED: 'true', CACHE_ADAPTIVE_TTL_MAX_SECONDS: '1000' },
    });
  });
  afterAll(async () => {
    await sample?.close();
  });

  it('lengthens the TTL of a hot key 300 → 600 → 1000 (max, never beyond), and goes back to 300 once it cools down', async () => {
    expect(await stats()).toMatchObject({ enabled: true, maxSeconds: 1000, lengthened: 0, keys: [] });
    await lifetime(10);
    const [hot] = (await sample.app.get(ResponseCache).report(1)).hotKeys;
    const key = hot!.key;
    expect(await storedTtl(key)).toBe(300);

    await lifetime(10);
    expect(await storedTtl(key)).toBe(600);
    expect((await stats()).keys).toEqual([{ key, ttlSeconds: 600, baseTtlSeconds: 300, hitsInLastTtl: 10 }]);

    await lifetime(10);
    expect(await storedTtl(key)).toBe(1000);
    await lifetime(3);
    expect(await storedTtl(key)).toBe(1000);
    expect((await stats()).lengthened).toBe(3);

    // Three hits are under minHits (10): the next entry gets the route's own TTL again.
    await lifetime(0);
    expect(await storedTtl(key)).toBe(300);
    expect((await stats()).keys).toEqual([]);
  });
});
