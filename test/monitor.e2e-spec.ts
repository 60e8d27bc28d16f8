import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { ADAPTERS } from './support/http-app';
import { startSample, type RunningSample } from './support/sample-app';

async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body };
}

async function hit(url: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await fetch(url);
    await res.arrayBuffer();
  }
}

describe.each(ADAPTERS)('monitor on the sample app (%s)', (adapter) => {
  let sample: RunningSample;
  let admin: string;
  let sampler: MetricsSampler;

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 1000 });
    admin = `${sample.api}/performance`;
    sampler = sample.app.get(MetricsSampler);
  });
  afterAll(() => sample?.close());

  it('starts the sampler with the app', () => {
    expect(sampler.started).toBe(true);
  });

  it('metrics/current reports exactly the requests since the last snapshot, with percentiles and DB figures', async () => {
    const before = await sampler.collect();
    await hit(`${sample.api}/hello`, 30);
    await hit(`${sample.api}/documents/1`, 10);
    await hit(`${sample.api}/no-such-route`, 2);
    const taken = await sampler.collect();
    const { status, body } = await getJson(`${admin}/metrics/current`, sample.admin);
    expect(status).toBe(200);
    // The snapshot, the time of its data and the window its rates and percentiles cover: the interval up to it.
    const to = Date.parse(taken.timestamp);
    expect(body).toEqual({
      fresh: false,
      snapshot: taken,
      dataAt: taken.timestamp,
      window: { seconds: taken.intervalSeconds, from: new Date(to - taken.intervalSeconds * 1000).toISOString(), to: taken.timestamp },
    });
    // The window starts at the previous snapshot (its interval is timed apart from the wall clock: within a second).
    expect(Math.abs(Date.parse(body.window.from) - Date.parse(before.timestamp))).toBeLessThan(1000);
    expect(taken).toMatchObject({ requests: 42, errors: 0, errorRatePercent: 0, dbQueries: 10, dbQueriesPerRequest: 0.24 });
    expect(taken.p50Ms).toBeGreaterThan(0);
    expect(taken.p95Ms!).toBeGreaterThanOrEqual(taken.p50Ms!);
    expect(taken.p99Ms!).toBeGreaterThanOrEqual(taken.p95Ms!);
    expect(taken.dbMeanQueryMs).toBeGreaterThan(0);
    expect(taken.rssMb).toBeGreaterThan(10);
    expect(taken.memoryPercent).toBeGreaterThan(0);
  });

  it('metrics/history returns the snapshots of the range, and 400 names hours when out of range', async () => {
    const { status, body } = await getJson(`${admin}/metrics/history?hours=1`, sample.admin);
    expect(status).toBe(200);
    expect(body.hours).toBe(1);
    expect(body.snapshots).toBe(body.points.length);
    expect(body.snapshots).toBeGreaterThanOrEqual(2);
    expect(body.points.at(-1).requests).toBe((await sampler.snapshotsSince(0)).at(-1)!.requests);
    for (const bad of ['0', '721', '-1', 'abc', '1.5']) {
      const r = await getJson(`${admin}/metrics/history?hours=${bad}`, sample.admin);
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/^hours must be an integer from 1 to 720/);
    }
  });

  it('kpis compares the latest snapshot with the seed targets; throughput below target is n/a on a quiet app', async () => {
    await hit(`${sample.api}/hello`, 5);
    await sampler.collect();
    // An interval without requests: 0 req/s says nothing about capacity.
    const s = await sampler.collect();
    const { body } = await getJson(`${admin}/kpis`, sample.admin);
    expect(body.evaluatedAt).toBe(s.timestamp);
    expect(body.dataAt).toBe(s.timestamp);
    expect(body.window).toEqual({
      seconds: s.intervalSeconds,
      from: new Date(Date.parse(s.timestamp) - s.intervalSeconds * 1000).toISOString(),
      to: s.timestamp,
    });
    // Every metric judged by default, its good level as target (the thresholds' defaults).
    expect(body.kpis.map((k: { name: string; target: number; comparison: string }) => [k.name, k.comparison, k.target])).toEqual([
      ['responseTimeP50', '<=', 100],
      ['responseTimeP95', '<=', 200],
      ['responseTimeP99', '<=', 500],
      ['responseTimeMean', '<=', 100],
      ['errorRate', '<=', 0.1],
      ['throughput', '>=', 1000],
      ['cpuUsage', '<=', 70],
      ['memoryUsage', '<=', 80],
      ['diskUsage', '<=', 85],
      ['eventLoopLag', '<=', 200],
      ['dbMeanQueryTime', '<=', 100],
      ['slowQueriesPerHour', '<=', 10],
      ['poolUsage', '<=', 80],
      ['poolWaiting', '<=', 5],
      ['databasesUp', '<=', 0],
      ['cacheHitRate', '>=', 70],
      ['cacheAvailability', '>=', 99.5],
      ['cacheLatency', '<=', 20],
      ['cacheStoreUp', '<=', 0],
      ['jobFailureRate', '<=', 1],
      ['jobThroughput', '>=', 500],
    ]);
    const throughput = body.kpis.find((k: { name: string }) => k.name === 'throughput');
    expect(throughput).toEqual({
      name: 'throughput',
      metric: 'requestsPerSecond',
      comparison: '>=',
      target: 1000,
      critical: 500,
      current: 0,
      unit: 'req/s',
      status: 'n/a',
      level: null,
      note: expect.stringMatching(/wholly inside a load test/),
    });
    expect(body.passing).toBe(body.kpis.every((k: { status: string }) => k.status !== 'fail'));
    const dashboard = await getJson(`${admin}/dashboard`, { ...sample.admin, accept: 'application/json' });
    expect(dashboard.body.kpis).toEqual(body);
  });

  it('kpis fails throughput below target while a load test runs', async () => {
    const id = '6b0f3a52-7c1e-4d8a-9f3e-2a1b0c9d8e7f';
    const run = {
      id,
      status: 'running',
      // Started now: the window of the next snapshot began before it.
      startedAt: new Date().toISOString(),
      config: { baseUrl: sample.api, endpoints: [{ method: 'GET', path: '/hello' }], connections: 1, durationSeconds: 5, amount: null },
    };
    const posted = await fetch(`${admin}/load-test/runs`, {
      method: 'POST',
      headers: { ...sample.admin, 'content-type': 'application/json' },
      body: JSON.stringify(run),
    });
    expect(posted.status).toBe(201);
    // The window of this snapshot began before the run: it mixes idle time in, so throughput is not judged.
    await hit(`${sample.api}/hello`, 3);
    await sampler.collect();
    const straddling = await getJson(`${admin}/kpis`, sample.admin);
    expect(straddling.body.kpis.find((k: { name: string }) => k.name === 'throughput')).toMatchObject({ status: 'n/a', level: null });
    // The next window lies wholly inside the run: judged.
    await hit(`${sample.api}/hello`, 3);
    const s = await sampler.collect();
    const { body } = await getJson(`${admin}/kpis`, sample.admin);
    expect(s.requestsPerSecond).toBeLessThan(1000);
    expect(body.kpis.find((k: { name: string }) => k.name === 'throughput')).toEqual({
      name: 'throughput',
      metric: 'requestsPerSecond',
      comparison: '>=',
      target: 1000,
      critical: 500,
      current: s.requestsPerSecond,
      unit: 'req/s',
      status: 'fail',
      level: 'critical',
    });
    expect(body.passing).toBe(false);
  });

  it('recommends fixing the N+1 route with a stable id; optimize answers 409 with manual steps, 400 and 404 for bad ids', async () => {
    await hit(`${sample.api}/documents?limit=20&include=author&strategy=naive`, 3);
    const first = await getJson(`${admin}/recommendations`, sample.admin);
    const n1 = first.body.recommendations.find((r: { id: string }) => r.id.startsWith('n-plus-one-'));
    expect(n1).toMatchObject({ category: 'database', severity: 'high', evidence: { route: '/api/v1/documents', requests: 3 } });
    const again = await getJson(`${admin}/recommendations`, sample.admin);
    expect(again.body.recommendations.map((r: { id: string }) => r.id)).toEqual(first.body.recommendations.map((r: { id: string }) => r.id));

    const conflict = await fetch(`${admin}/optimize/${n1.id}`, { method: 'POST', headers: sample.admin });
    expect(conflict.status).toBe(409);
    const body = (await conflict.json()) as { manualSteps: string[]; id: string };
    expect(body.id).toBe(n1.id);
    expect(body.manualSteps).toEqual(n1.action.steps);

    const malformed = await fetch(`${admin}/optimize/${encodeURIComponent('drop table;')}`, { method: 'POST', headers: sample.admin });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { message: string }).message).toMatch(/^id must/);
    const unknown = await fetch(`${admin}/optimize/missing-index-000000000000`, { method: 'POST', headers: sample.admin });
    expect(unknown.status).toBe(404);
  });

  it('bottlenecks and capacity answer from the latest snapshot and the history; days is validated', async () => {
    const b = await getJson(`${admin}/bottlenecks`, sample.admin);
    expect(b.status).toBe(200);
    expect(b.body.snapshotAt).toBe(sampler.latest()!.timestamp);
    expect(Array.isArray(b.body.bottlenecks)).toBe(true);

    const c = await getJson(`${admin}/capacity?days=30`, sample.admin);
    expect(c.status).toBe(200);
    expect(c.body.days).toBe(30);
    expect(c.body.samples).toBe((await sampler.snapshotsSince(Date.now() - 30 * 86_400_000)).length);
    expect(c.body.forecasts.map((f: { metric: string }) => f.metric)).toEqual([
      'cpuPercent',
      'memoryPercent',
      'rssMb',
      'requestsPerSecond',
      'p95Ms',
      'poolUtilizationPercent',
      'errorRatePercent',
    ]);
    // A few seconds of history say nothing of 30 days: no projection, and what is needed.
    expect(c.body.status).toBe('not-enough-history');
    expect(c.body.recommendation).toMatch(/^Not enough history: 3 d of history and 20 snapshots for a 30-day forecast, have \d+ s and \d+ snapshots?$/);
    for (const f of c.body.forecasts) expect(f).toMatchObject({ status: 'not-enough-history', projected: null, daysUntilLimit: null });
    for (const bad of ['0', '366', 'x']) {
      const r = await getJson(`${admin}/capacity?days=${bad}`, sample.admin);
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/^days must be an integer from 1 to 365/);
    }
  });
});

describe('the sampler runs on its interval and stops on shutdown', () => {
  it('takes snapshots every METRICS_COLLECTION_INTERVAL seconds and clears its timer on close', async () => {
    const sample = await startSample('express', { seedDocuments: 10, env: { METRICS_COLLECTION_INTERVAL: '1' } });
    const sampler = sample.app.get(MetricsSampler);
    try {
      const deadline = Date.now() + 5000;
      while ((await sampler.snapshotsSince(0)).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const snapshots = await sampler.snapshotsSince(0);
      expect(snapshots.length).toBeGreaterThanOrEqual(2);
      expect(snapshots[1]!.intervalSeconds).toBeGreaterThan(0.8);
      expect(snapshots[1]!.intervalSeconds).toBeLessThan(1.5);
    } finally {
      await sample.close();
    }
    expect(sampler.started).toBe(false);
    const count = (await sampler.snapshotsSince(0)).length;
    await new Promise((r) => setTimeout(r, 1300));
    expect((await sampler.snapshotsSince(0)).length).toBe(count);
  });
});
