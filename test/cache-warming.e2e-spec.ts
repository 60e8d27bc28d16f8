import { Injectable, Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Cached, PerformanceModule, WarmCache } from 'nestjs-performance';
import type { CacheStatsBody } from '../libs/performance/src/admin/cache.controller';
import type { CacheWarmingReport } from '../libs/performance/src/cache/method/cache-warmer.service';
import { cacheWarmingFixture, WARMING_ADMIN_TOKEN, type WarmRuns } from './fixtures/cache-warming-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const admin = { authorization: `Bearer ${WARMING_ADMIN_TOKEN}` };

describe.each(ADAPTERS)('@WarmCache (%s)', (adapter) => {
  let running: RunningApp;
  let startedAt: number;
  const get = async <T>(path: string, headers: Record<string, string> = {}): Promise<T> => (await (await fetch(running.url + path, { headers })).json()) as T;
  const runs = () => get<WarmRuns>('/warm/runs');

  beforeAll(async () => {
    // The warmer's one timer and Date are fake: "27 seconds later" takes no time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], shouldAdvanceTime: true });
    startedAt = Date.now();
    running = await startApp(cacheWarmingFixture(), adapter);
  });
  afterAll(async () => {
    await running?.close();
    vi.useRealTimers();
  });

  it('fills every entry before the app serves, at most `concurrency` at a time', async () => {
    expect(await runs()).toEqual({ popular: 1, byId: 6, running: 0, maxRunning: 2 });
    // Served from the cache: the methods do not run again.
    expect(await get('/warm/popular')).toEqual({ run: 1 });
    expect(await get('/warm/by-id/4')).toEqual({ id: 4, run: expect.any(Number) });
    expect(await runs()).toMatchObject({ popular: 1, byId: 6 });
  });

  it('reports the start-up run and each entry in the admin cache-warming', async () => {
    const report = await get<CacheWarmingReport>('/performance/cache-warming', admin);
    expect(report).toMatchObject({
      enabled: true,
      concurrency: 2,
      refreshAheadPercent: 10,
      totals: { runs: 1, fills: 7, failures: 0 },
      runs: [{ trigger: 'startup', entries: 7, failed: 0 }],
    });
    expect(report.entries.map((e) => e.key)).toEqual(['warm:@WarmService.popular([])', ...[1, 2, 3, 4, 5, 6].map((id) => `warm:@WarmService.byId([${id}])`)]);
    const popular = report.entries[0]!;
    // Refreshed when 10% of the 60 s TTL is left.
    expect(Date.parse(popular.nextRefreshAt!) - Date.parse(popular.lastWarmedAt!)).toBe(54_000);
    expect(Date.parse(popular.lastWarmedAt!)).toBeGreaterThanOrEqual(startedAt);
  });

  it('reports the warming runs in cache-stats: runs, entries warmed, failures, last run, next refresh', async () => {
    const { warming } = await get<CacheStatsBody>('/performance/cache-stats', admin);
    const report = await get<CacheWarmingReport>('/performance/cache-warming', admin);
    expect(warming).toEqual({
      runs: 1,
      entries: 7,
      entriesWarmed: 7,
      failures: 0,
      lastRun: report.runs[0],
      // The 30 s entries come first: refreshed 27 s after their fill.
      nextRefreshAt: report.entries.map((e) => e.nextRefreshAt!).sort()[0],
    });
    expect(warming!.lastRun).toMatchObject({ trigger: 'startup', entries: 7, failed: 0 });
    expect(Date.parse(warming!.nextRefreshAt!) - Date.parse(report.entries[1]!.lastWarmedAt!)).toBe(27_000);
  });

  it('refreshes each entry shortly before it expires, so callers keep hitting', async () => {
    await vi.advanceTimersByTimeAsync(27_500);
    await vi.waitFor(async () => expect((await runs()).byId).toBe(12));
    expect((await runs()).popular).toBe(1);
    await vi.advanceTimersByTimeAsync(27_000); // 54.5 s after start
    await vi.waitFor(async () => expect((await runs()).popular).toBe(2));
    await vi.advanceTimersByTimeAsync(5_000); // 59.5 s: the start-up entry would have expired at 60 s
    expect(await get('/warm/popular')).toEqual({ run: 2 });
    expect((await runs()).popular).toBe(2);
    // Let the round in progress finish: then every run of a method is one fill.
    let report!: CacheWarmingReport;
    let now!: WarmRuns;
    await vi.waitFor(async () => {
      now = await runs();
      report = await get<CacheWarmingReport>('/performance/cache-warming', admin);
      expect(report.totals.fills).toBe(now.popular + now.byId);
    });
    expect(report.runs.at(-1)!.trigger).toBe('startup');
    expect(report.runs.slice(0, -1).every((r) => r.trigger === 'refresh' && r.failed === 0)).toBe(true);
    expect(report.totals).toEqual({ runs: report.runs.length, fills: now.popular + now.byId, failures: 0 });
    expect(now.maxRunning).toBe(2);
    const { warming } = await get<CacheStatsBody>('/performance/cache-stats', admin);
    expect(warming).toMatchObject({ runs: report.totals.runs, entries: 7, entriesWarmed: report.totals.fills, failures: 0 });
    expect(warming!.lastRun).toEqual(report.runs[0]);
    expect(warming!.lastRun!.trigger).toBe('refresh');
    expect(Date.parse(warming!.nextRefreshAt!)).toBeGreaterThan(Date.now());
  });
});

@Injectable()
class BrokenWarmService {
  @Cached({ ttl: 60, namespace: 'broken' })
  @WarmCache({ args: [[1], [2]] })
  async load(id: number): Promise<number> {
    if (id === 2) throw new Error('upstream unavailable');
    return id;
  }
}

@Module({
  imports: [PerformanceModule.forRoot({ admin: { token: WARMING_ADMIN_TOKEN }, metrics: { enabled: false }, health: { enabled: false } })],
  providers: [BrokenWarmService],
})
class BrokenWarmingModule {}

describe('cache warming with a failing entry', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(BrokenWarmingModule, 'express');
  });
  afterAll(() => running?.close());

  it('counts the failed fill in cache-stats', async () => {
    const body = (await (await fetch(`${running.url}/performance/cache-stats`, { headers: admin })).json()) as CacheStatsBody;
    expect(body.warming).toMatchObject({ runs: 1, entries: 2, entriesWarmed: 1, failures: 1, lastRun: { trigger: 'startup', entries: 2, failed: 1 } });
    expect(body.warming!.nextRefreshAt).not.toBeNull();
  });
});

describe('cache warming switched off', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(cacheWarmingFixture({ cacheWarming: { enabled: false } }), 'express');
  });
  afterAll(() => running?.close());

  it('fills nothing at start and answers 404 on cache-warming', async () => {
    expect(await (await fetch(`${running.url}/warm/runs`)).json()).toEqual({ popular: 0, byId: 0, running: 0, maxRunning: 0 });
    expect((await fetch(`${running.url}/performance/cache-warming`, { headers: admin })).status).toBe(404);
    const stats = (await (await fetch(`${running.url}/performance/cache-stats`, { headers: admin })).json()) as CacheStatsBody;
    expect(stats.warming).toBeNull();
  });
});
