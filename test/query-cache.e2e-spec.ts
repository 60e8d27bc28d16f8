import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseCacheReport } from '../libs/performance/src/cache/response/response-cache.service';
import { QUERY_CACHE_ADMIN_TOKEN, queryCacheFixture } from './fixtures/query-cache-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const admin = { authorization: `Bearer ${QUERY_CACHE_ADMIN_TOKEN}` };

describe.each(ADAPTERS)("TypeORM's query result cache counted in cache-stats (%s)", (adapter) => {
  let running: RunningApp;
  const stats = async () =>
    ((await (await fetch(`${running.url}/performance/cache-stats`, { headers: admin })).json()) as ResponseCacheReport).namespaces['typeorm.default'];

  beforeAll(async () => {
    running = await startApp(queryCacheFixture(), adapter);
    await fetch(`${running.url}/items/seed`);
  });
  afterAll(() => running?.close());

  it('shows the namespace with zero counts before any cached query', async () => {
    expect(await stats()).toEqual({ hits: 0, misses: 0, stale: 0, bypasses: 0, hitRate: 0, clearable: true });
  });

  it('counts a miss, then hits while the result is fresh; uncached queries are not lookups', async () => {
    const bodies = [];
    for (let i = 0; i < 3; i++) bodies.push(await (await fetch(`${running.url}/items?cache=60000`)).json());
    expect(bodies[2]).toEqual(bodies[0]);
    expect(bodies[0]).toHaveLength(3);
    await fetch(`${running.url}/items`);
    expect(await stats()).toEqual({ hits: 2, misses: 1, stale: 0, bypasses: 0, hitRate: 0.6667, clearable: true });
  });

  it('counts an expired result as a miss', async () => {
    await fetch(`${running.url}/items?cache=1&min=2`);
    await new Promise((resolve) => setTimeout(resolve, 5)); // TypeORM compares Date.now() with the stored time
    await fetch(`${running.url}/items?cache=1&min=2`);
    expect(await stats()).toMatchObject({ hits: 2, misses: 3 });
  });

  it('feeds cache_lookups_total', async () => {
    const text = await (await fetch(`${running.url}/metrics`)).text();
    expect(text).toContain('cache_lookups_total{namespace="typeorm.default",status="hit"} 2');
    expect(text).toContain('cache_lookups_total{namespace="typeorm.default",status="miss"} 3');
  });
});
