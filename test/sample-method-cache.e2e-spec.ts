import { getDataSourceToken } from '@nestjs/typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CacheStatsBody } from '../libs/performance/src/admin/cache.controller';
import type { CacheWarmingReport } from '../libs/performance/src/cache/method/cache-warmer.service';
import type { DataSource } from 'typeorm';
import { TEST_DATABASES } from './fixtures/database-services';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';
import { describeWithService } from './support/services';

/** Documents the sample seeds here: fewer than a list page, so a new one shows in the list. */
const SEEDED = 12;

interface Answer<T> {
  status: number;
  queries: number;
  /** X-Cache: about the response cache only. */
  cache: string | null;
  body: T;
}

describe.each(ADAPTERS)('the sample app: method cache, warming and TypeORM query cache (%s)', (adapter) => {
  let sample: RunningSample;

  async function get<T>(path: string): Promise<Answer<T>> {
    const res = await fetch(sample.api + path);
    return { status: res.status, queries: Number(res.headers.get('x-db-queries')), cache: res.headers.get('x-cache'), body: (await res.json()) as T };
  }
  const cacheStats = async () => (await (await fetch(`${sample.api}/performance/cache-stats`, { headers: sample.admin })).json()) as CacheStatsBody;
  async function createDocument(workspaceId: number, title: string): Promise<void> {
    const res = await fetch(`${sample.api}/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId, title, content: 'a new document for the cache tests' }),
    });
    expect(res.status).toBe(201);
  }

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: SEEDED });
  });
  afterAll(() => sample?.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has the @WarmCache workspace directory filled at start-up: the first request runs no SQL', async () => {
    const warming = (await (await fetch(`${sample.api}/performance/cache-warming`, { headers: sample.admin })).json()) as CacheWarmingReport;
    expect(warming.entries).toEqual([
      expect.objectContaining({ key: 'workspaces:@WorkspacesService.directory([])', namespace: 'workspaces', failures: 0, lastError: null }),
    ]);
    expect(warming.entries[0]!.lastWarmedAt).not.toBeNull();
    expect((await cacheStats()).warming).toMatchObject({ runs: 1, entries: 1, entriesWarmed: 1, failures: 0, lastRun: { trigger: 'startup' } });

    const first = await get<{ id: number; documents: number }[]>('/workspaces');
    expect(first.status).toBe(200);
    expect(first.queries).toBe(0);
    expect(first.body.map((w) => w.id)).toEqual([1, 2, 3, 4, 5]);
    // Warmed after the seed: the counts are the seeded data's.
    expect(first.body.reduce((sum, w) => sum + w.documents, 0)).toBe(SEEDED);
    expect((await cacheStats()).namespaces.workspaces).toMatchObject({ hits: 1, misses: 0 });
  });

  it('runs a @Cached method once for 100 concurrent callers, and again after a controller write invalidates its namespace', async () => {
    const before = (await cacheStats()).namespaces.workspaces!;
    const answers = await Promise.all(Array.from({ length: 100 }, () => get<{ documents: number; computedAt: string }>('/workspaces/2/summary')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // One run of one statement, counted on the request that ran it; the 99 others waited for it.
    expect(answers.reduce((sum, a) => sum + a.queries, 0)).toBe(1);
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    const after = (await cacheStats()).namespaces.workspaces!;
    expect(after.misses - before.misses).toBe(100 - (after.hits - before.hits));
    const cached = answers[0]!.body;

    const again = await get<{ documents: number; computedAt: string }>('/workspaces/2/summary');
    expect(again).toMatchObject({ queries: 0, body: cached });

    await createDocument(2, 'invalidates workspaces');
    const fresh = await get<{ documents: number; computedAt: string }>('/workspaces/2/summary');
    expect(fresh.queries).toBe(1);
    expect(fresh.body.documents).toBe(cached.documents + 1);
    expect(fresh.body.computedAt).not.toBe(cached.computedAt);
    // The warmed directory was cleared too: recomputed once, with the new document.
    const directory = await get<{ documents: number }[]>('/workspaces');
    expect(directory.queries).toBe(1);
    expect(directory.body.reduce((sum, w) => sum + w.documents, 0)).toBe(SEEDED + 1);
    expect((await get('/workspaces')).queries).toBe(0);
  });

  it("counts TypeORM's query cache (.cache(true)) hits and misses in cache-stats, and misses again once the result expires", async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    const before = (await cacheStats()).namespaces['typeorm.default']!;
    const miss = await get<{ items: { status: string; documents: number }[] }>('/workspaces/3/documents-by-status');
    const hit = await get<{ items: { status: string; documents: number }[] }>('/workspaces/3/documents-by-status');
    expect([miss.queries, hit.queries]).toEqual([1, 0]);
    expect(hit.body).toEqual(miss.body);
    expect(miss.body.items.length).toBeGreaterThan(0);
    let now = (await cacheStats()).namespaces['typeorm.default']!;
    expect([now.misses - before.misses, now.hits - before.hits]).toEqual([1, 1]);

    // The sample keeps query results 10 s.
    vi.setSystemTime(Date.now() + 10_001);
    expect((await get('/workspaces/3/documents-by-status')).queries).toBe(1);
    now = (await cacheStats()).namespaces['typeorm.default']!;
    expect([now.misses - before.misses, now.hits - before.hits]).toEqual([2, 1]);
  });

  it('caches the plain document list in namespace documents until POST /documents, while the N+1 demo always runs its statements', async () => {
    await fetch(`${sample.api}/performance/cache/clear?namespace=documents`, { method: 'POST', headers: sample.admin });
    const first = await get<{ items: { id: number; title: string }[]; count: number }>('/documents?limit=20');
    const second = await get<{ items: { id: number; title: string }[]; count: number }>('/documents?limit=20');
    expect([first.queries, second.queries]).toEqual([1, 0]);
    expect(second.body).toEqual(first.body);
    // The route is not response-cached: the service's method cache answered.
    expect([first.cache, second.cache]).toEqual(['BYPASS', 'BYPASS']);
    const count = first.body.count;
    // Another page or workspace is another entry.
    expect((await get('/documents?limit=3&workspaceId=1')).queries).toBe(1);
    expect((await get('/documents?limit=3&workspaceId=1')).queries).toBe(0);

    for (let i = 0; i < 2; i++) {
      expect((await get('/documents?limit=5&include=author&strategy=naive')).queries).toBe(6);
      expect((await get('/documents?limit=5&include=author&strategy=join')).queries).toBe(1);
    }

    const stats = (await cacheStats()).namespaces.documents!;
    expect(stats).toMatchObject({ hits: 2, misses: 2 });

    await createDocument(1, 'a listed document');
    const after = await get<{ items: { id: number; title: string }[]; count: number }>('/documents?limit=20');
    expect(after.queries).toBe(1);
    expect(after.body.count).toBe(count + 1);
    expect(after.body.items.at(-1)!.title).toBe('a listed document');
    expect((await get('/documents?limit=3&workspaceId=1')).queries).toBe(1);
  });
});

for (const db of TEST_DATABASES.filter((d) => d.name !== 'sqlite')) {
  describeWithService(db.service, db.available, `the sample app's cached workspace aggregates on ${db.name}`, () => {
    let sample: RunningSample;
    beforeAll(async () => {
      sample = await startSample('express', { databaseUrl: db.url });
    });
    afterAll(() => sample?.close());

    it('answers the warmed directory, the cached summary and the query-cached counts with the database figures', async () => {
      const dataSource = sample.app.get<DataSource>(getDataSourceToken());
      // Other suites write to this database: clear what the warm-up computed, then compare with a fresh count.
      await fetch(`${sample.api}/performance/cache/clear?namespace=workspaces`, { method: 'POST', headers: sample.admin });
      // Suites running beside this one may add documents meanwhile: each figure lies between the counts around it.
      const countDocuments = async () => Number(((await dataSource.query('SELECT COUNT(*) AS n FROM documents')) as [{ n: string | number }])[0].n);
      const before = await countDocuments();
      const directory = (await (await fetch(`${sample.api}/workspaces`)).json()) as { id: number; documents: number }[];
      const total = directory.reduce((sum, w) => sum + w.documents, 0);
      expect(total).toBeGreaterThanOrEqual(before);
      expect(total).toBeLessThanOrEqual(await countDocuments());

      const summary = await fetch(`${sample.api}/workspaces/1/summary`);
      expect(summary.status).toBe(200);
      const body = (await summary.json()) as { workspaceId: number; documents: number; views: number };
      expect(body.workspaceId).toBe(1);
      expect(body.documents).toBeGreaterThanOrEqual(directory.find((w) => w.id === 1)!.documents);
      expect(typeof body.views).toBe('number');
      expect((await fetch(`${sample.api}/workspaces/1/summary`)).headers.get('x-db-queries')).toBe('0');

      const byStatus = (await (await fetch(`${sample.api}/workspaces/1/documents-by-status`)).json()) as { items: { documents: number }[] };
      expect(byStatus.items.reduce((sum, s) => sum + s.documents, 0)).toBeGreaterThanOrEqual(body.documents);
      const cached = await fetch(`${sample.api}/workspaces/1/documents-by-status`);
      expect(cached.headers.get('x-db-queries')).toBe('0');
      expect(await cached.json()).toEqual(byStatus);
      expect((await fetch(`${sample.api}/workspaces/99999/summary`)).status).toBe(404);
    });
  });
}
