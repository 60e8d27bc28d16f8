import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

describe.each(ADAPTERS)('the sample app caches analytics and invalidates on document writes, on %s', (adapter) => {
  let sample: RunningSample;

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 200 });
  });
  afterAll(() => sample?.close());

  it('serves the analytics overview from the cache (no SQL) until a document is created', async () => {
    await fetch(`${sample.url}/api/v1/performance/cache/clear?namespace=analytics`, { method: 'POST', headers: sample.admin });
    const miss = await fetch(`${sample.api}/analytics/overview`);
    const missBody = Buffer.from(await miss.arrayBuffer());
    const hit = await fetch(`${sample.api}/analytics/overview`);
    const hitBody = Buffer.from(await hit.arrayBuffer());
    expect([miss.headers.get('x-cache'), hit.headers.get('x-cache')]).toEqual(['MISS', 'HIT']);
    expect(Number(miss.headers.get('x-db-queries'))).toBeGreaterThan(0);
    expect(hit.headers.get('x-db-queries')).toBe('0');
    expect(hitBody.equals(missBody)).toBe(true);

    const created = await fetch(`${sample.api}/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId: 1, title: 'cache test', content: 'invalidates analytics' }),
    });
    expect(created.status).toBe(201);
    const after = await fetch(`${sample.api}/analytics/overview`);
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(Buffer.from(await after.arrayBuffer()).equals(missBody)).toBe(false);

    const stats = (await (await fetch(`${sample.api}/performance/cache-stats`, { headers: sample.admin })).json()) as {
      namespaces: Record<string, { hits: number }>;
      knownNamespaces: string[];
    };
    expect(stats.knownNamespaces).toEqual(expect.arrayContaining(['analytics', 'documents']));
    expect(stats.namespaces.analytics!.hits).toBeGreaterThanOrEqual(1);
  });

  it('a failed write (400) invalidates nothing', async () => {
    await fetch(`${sample.api}/analytics/overview`);
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('HIT');
    const bad = await fetch(`${sample.api}/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(400);
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('HIT');
  });
});
