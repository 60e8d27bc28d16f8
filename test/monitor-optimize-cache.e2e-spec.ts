import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCacheKey, ResponseCache } from 'nestjs-performance';
import { ADMIN_TOKEN, cacheFixture, resetCalls } from './fixtures/cache-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

interface Rec {
  id: string;
  evidence: Record<string, unknown>;
  action: { type: string; automatic: boolean; namespace?: string; ttlSeconds?: number };
}

describe.each(ADAPTERS)('optimize/:id applies cache recommendations through the response cache (%s)', (adapter) => {
  let running: RunningApp;
  let cache: ResponseCache;

  beforeEach(async () => {
    resetCalls();
    running = await startApp(cacheFixture(), adapter);
    cache = running.app.get(ResponseCache);
  });
  afterEach(() => running?.close());

  const get = async (path: string): Promise<void> => {
    await (await fetch(`${running.url}${path}`)).arrayBuffer();
  };
  const recommendation = async (prefix: string, namespace: string): Promise<Rec> => {
    const body = (await (await fetch(`${running.url}/performance/recommendations`, { headers: admin })).json()) as { recommendations: Rec[] };
    const rec = body.recommendations.find((r) => r.id.startsWith(prefix) && r.evidence.namespace === namespace);
    expect(rec).toBeDefined();
    return rec!;
  };
  const optimize = async (id: string) => {
    const res = await fetch(`${running.url}/performance/optimize/${id}`, { method: 'POST', headers: admin });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** The key of an anonymous request for `url` on this app. */
  const keyOf = (namespace: string, url: string): string => buildCacheKey({ namespace, host: new URL(running.url).host, url })!;
  const ttlOf = async (key: string): Promise<number> => {
    const entry = await cache.lookup(key);
    expect(entry).toBeDefined();
    return (entry!.expiresAt - entry!.storedAt) / 1000;
  };

  it('raises the TTL of a namespace with a low hit rate (from CacheStats) for responses stored afterwards', async () => {
    for (let i = 0; i < 10; i++) {
      await get(`/cache/counter?q=${i}`);
      await get(`/cache/counter?q=${i}`);
    }
    expect(await ttlOf(keyOf('alpha', '/cache/counter?q=0'))).toBe(60);
    const rec = await recommendation('low-hit-rate-', 'alpha');
    expect(rec.evidence).toEqual({ namespace: 'alpha', hitRatePercent: 50, hits: 10, stale: 0, misses: 10, ttlSeconds: 60 });
    expect(rec.action).toMatchObject({ type: 'cache-ttl', automatic: true, namespace: 'alpha', ttlSeconds: 120 });

    const applied = await optimize(rec.id);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ id: rec.id, applied: true, action: 'cache-ttl' });
    expect(cache.namespaceTtl('alpha')).toEqual({ declared: 60, override: 120 });

    await get('/cache/counter?q=after');
    expect(await ttlOf(keyOf('alpha', '/cache/counter?q=after'))).toBe(120);
    // Entries stored before keep their expiry; other namespaces are untouched.
    expect(await ttlOf(keyOf('alpha', '/cache/counter?q=0'))).toBe(60);
    await get('/cache/items/1');
    expect(await ttlOf(keyOf('items', '/cache/items/1'))).toBe(30);

    expect(cache.setNamespaceTtl('alpha', null)).toBe(120);
    await get('/cache/counter?q=reverted');
    expect(await ttlOf(keyOf('alpha', '/cache/counter?q=reverted'))).toBe(60);
  });

  it('clears a namespace whose entries are never reused, leaving the others', async () => {
    for (let i = 0; i < 20; i++) await get(`/cache/items/${i}`);
    await get('/cache/counter');
    const rec = await recommendation('unused-cache-', 'items');
    expect(rec.action).toMatchObject({ type: 'clear-namespace', automatic: true, namespace: 'items' });

    const applied = await optimize(rec.id);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ id: rec.id, applied: true, action: 'clear-namespace', detail: 'cleared namespace items (20 entries)' });
    for (let i = 0; i < 20; i++) expect(await cache.lookup(keyOf('items', `/cache/items/${i}`))).toBeUndefined();
    expect(await cache.lookup(keyOf('alpha', '/cache/counter'))).toBeDefined();
  });
});
