import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseCacheReport } from '../libs/performance/src/cache/response/response-cache.service';
import { METHOD_CACHE_ADMIN_TOKEN, type MethodRuns, methodCacheFixture, ReportService } from './fixtures/method-cache-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const admin = { authorization: `Bearer ${METHOD_CACHE_ADMIN_TOKEN}` };

describe.each(ADAPTERS)('@Cached provider methods (%s)', (adapter) => {
  let running: RunningApp;
  let service: ReportService;
  const get = async <T>(path: string): Promise<T> => (await (await fetch(running.url + path)).json()) as T;
  const post = (path: string, headers: Record<string, string> = {}) => fetch(running.url + path, { method: 'POST', headers });
  const runs = () => get<MethodRuns>('/reports/runs');
  const cacheStats = async () => (await (await fetch(`${running.url}/performance/cache-stats`, { headers: admin })).json()) as ResponseCacheReport;

  beforeAll(async () => {
    running = await startApp(methodCacheFixture(), adapter);
    service = running.app.get(ReportService);
  });
  afterAll(() => running?.close());

  it('runs once for 100 concurrent callers, and again after a controller invalidates its namespace', async () => {
    const bodies = await Promise.all(Array.from({ length: 100 }, () => get<{ run: number }>('/reports/totals/1?status=open')));
    expect(new Set(bodies.map((b) => JSON.stringify(b)))).toEqual(
      new Set([JSON.stringify({ workspaceId: 1, filter: { status: 'open' }, run: 1, at: '1970-01-01T00:00:00.000Z' })]),
    );
    expect((await runs()).totals).toBe(1);

    const report = await cacheStats();
    const ns = report.namespaces.reports!;
    expect(ns.hits + ns.misses).toBe(100);
    expect(report.knownNamespaces).toEqual(expect.arrayContaining(['profiles', 'reports']));

    expect((await post('/reports/invalidate')).status).toBe(200);
    expect(await get('/reports/totals/1?status=open')).toMatchObject({ run: 2 });
    expect(await get('/reports/totals/1?status=open')).toMatchObject({ run: 2 });
    expect((await runs()).totals).toBe(2);
  });

  it('is cleared by the admin cache/clear and by a provider method with @InvalidateCache', async () => {
    expect((await post('/performance/cache/clear?namespace=reports', admin)).status).toBeLessThan(300);
    expect(await get('/reports/totals/1?status=open')).toMatchObject({ run: 3 });
    expect(await post('/reports/recompute').then((r) => r.json())).toEqual({ result: 'recomputed' });
    expect(await get('/reports/totals/1?status=open')).toMatchObject({ run: 4 });
    expect(await get('/reports/totals/1?status=open')).toMatchObject({ run: 4 });
  });

  it('keys by arguments with a stable serialization, or by the key function', async () => {
    const before = service.runs.totals;
    const a = await service.totals(7, { tags: ['x'], status: 'draft' });
    const b = await service.totals(7, { status: 'draft', tags: ['x'] });
    const c = await service.totals(8, { status: 'draft', tags: ['x'] });
    // Every caller, the first included, gets the stored JSON's copy: the Date is an ISO string for all.
    expect(a.at).toBe('1970-01-01T00:00:00.000Z');
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(c.workspaceId).toBe(8);
    expect(service.runs.totals).toBe(before + 2);

    const first = await service.profile({ id: 5, greet: () => 'hi' });
    const again = await service.profile({ id: 5, greet: () => 'hello' });
    expect(again).toEqual(first);
    expect(service.runs.profile).toBe(1);
  });

  it('keeps a sync method sync, and never caches an error', async () => {
    const first = service.syncTotals(3);
    const second = service.syncTotals(3);
    expect(second).not.toBeInstanceOf(Promise);
    expect(second).toEqual(first);
    expect(service.runs.sync).toBe(1);

    await expect(service.failing()).rejects.toThrow('failed run 1');
    await expect(service.failing()).rejects.toThrow('failed run 2');
  });

  it('counts its lookups in cache-stats beside the response cache', async () => {
    const report = await cacheStats();
    expect(report.namespaces.profiles).toMatchObject({ hits: 1, misses: 1 });
    expect(report.totals.invalidations).toBeGreaterThanOrEqual(3);
  });
});
