import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { ADAPTERS } from './support/http-app';
import { startSample, type RunningSample } from './support/sample-app';

const GUARDED: [string, string][] = [
  ['GET', 'metrics/current'],
  ['GET', 'metrics/history?hours=1'],
  ['GET', 'recommendations'],
  ['GET', 'alerts?hours=1'],
  ['POST', 'alerts/clear'],
  ['POST', 'optimize/missing-index-000000000000'],
  ['GET', 'bottlenecks'],
  ['GET', 'kpis'],
  ['GET', 'capacity?days=30'],
  ['GET', 'load-test/status'],
  ['POST', 'load-test/runs'],
  ['GET', 'dashboard/config'],
  ['GET', 'dashboard'],
  ['GET', 'openapi.json'],
];

function run(id: string, status: string, extra: object = {}): object {
  return {
    id,
    status,
    startedAt: '2026-11-20T10:00:00.000Z',
    config: { baseUrl: 'http://127.0.0.1:3000/api/v1', endpoints: [{ method: 'GET', path: '/hello' }], connections: 10, durationSeconds: 5, amount: null },
    ...extra,
  };
}

describe.each(ADAPTERS)('admin API (%s)', (adapter) => {
  let sample: RunningSample;
  let admin: string;

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 100 });
    admin = `${sample.api}/performance`;
    await fetch(`${sample.api}/hello`);
    await sample.app.get(MetricsSampler).collect();
  });
  afterAll(() => sample?.close());

  it.each(GUARDED)('%s %s answers 401 without the credential and leaks nothing', async (method, path) => {
    const variants: Record<string, string>[] = [{}, { authorization: 'Bearer wrong-token-wrong-token' }, { accept: 'application/json' }];
    for (const headers of variants) {
      const res = await fetch(`${admin}/${path}`, { method, headers });
      expect(res.status).toBe(401);
      const text = await res.text();
      expect(text).not.toMatch(/cpuPercent|snapshot|recommendations"|thresholds|openapi|current_metrics/);
    }
  });

  it('load-test/runs records the running run and then its result; load-test/status shows both; a bad body changes nothing', async () => {
    const empty = await (await fetch(`${admin}/load-test/status`, { headers: sample.admin })).json();
    expect(empty).toEqual({ running: null, latest: null, recent: [], latestSweep: null });

    const id = randomUUID();
    const post = (body: unknown) =>
      fetch(`${admin}/load-test/runs`, { method: 'POST', headers: { ...sample.admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post(run(id, 'running'))).status).toBe(201);
    let status = (await (await fetch(`${admin}/load-test/status`, { headers: sample.admin })).json()) as any;
    expect(status.running).toMatchObject(run(id, 'running'));
    expect(status.latest).toBeNull();

    const bad = await post({ ...run(id, 'passed'), config: { baseUrl: 'not a url' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^invalid load-test run: config\./);
    const before = status;
    status = await (await fetch(`${admin}/load-test/status`, { headers: sample.admin })).json();
    expect(status).toEqual(before);

    const result = {
      totalRequests: 100,
      successfulRequests: 100,
      failedRequests: 0,
      errors: 0,
      errorRatePercent: 0,
      requestsPerSecond: 20,
      latencyMs: { mean: 2, p50: 2, p95: 3, p99: 4, max: 5 },
      elapsedSeconds: 5,
      statusCodes: { '200': 100 },
      endpoints: [{ method: 'GET', path: '/hello', responses: 100, failed: 0 }],
    };
    expect((await post(run(id, 'passed', { finishedAt: '2026-11-20T10:00:05.000Z', result }))).status).toBe(201);
    status = await (await fetch(`${admin}/load-test/status`, { headers: sample.admin })).json();
    expect(status.running).toBeNull();
    expect(status.latest).toMatchObject(run(id, 'passed', { finishedAt: '2026-11-20T10:00:05.000Z', result }));
    expect(status.recent).toHaveLength(1);
  });

  it('dashboard: JSON for API clients in the seeds shape, the HTML shell for a browser without credential', async () => {
    const json = await fetch(`${admin}/dashboard`, { headers: { ...sample.admin, accept: 'application/json' } });
    expect(json.status).toBe(200);
    const body = (await json.json()) as any;
    expect(Object.keys(body.current_metrics)).toEqual(
      expect.arrayContaining(['cpu_percent', 'memory_percent', 'response_time_p95', 'error_rate', 'requests_per_second']),
    );
    expect(body.optimization_summary).toEqual({
      performance_score: expect.any(Number),
      health_status: expect.stringMatching(/^(healthy|degraded|unhealthy)$/),
      total_recommendations: body.recommendations.length,
      high_priority_issues: body.recommendations.filter((r: { severity: string }) => r.severity === 'high' || r.severity === 'critical').length,
    });
    expect(body.optimization_summary.performance_score).toBeGreaterThanOrEqual(0);
    expect(body.optimization_summary.performance_score).toBeLessThanOrEqual(100);
    // The one health score, with the time and window of its data, and every card with its level from the server.
    const overview = (await (await fetch(`${admin}/health-overview`, { headers: sample.admin })).json()) as any;
    expect(overview.dataAt).toBe(body.data_at);
    expect(body.optimization_summary.performance_score).toBe(overview.score);
    expect(body.window).toEqual({ seconds: expect.any(Number), from: expect.any(String), to: body.data_at });
    expect(Date.parse(body.window.to) - Date.parse(body.window.from)).toBe(Math.round(body.window.seconds * 1000));
    expect(body.cards.find((c: { metric: string }) => c.metric === 'p95Ms')).toMatchObject({
      label: 'Response time p95',
      unit: 'ms',
      good: 200,
      critical: 500,
    });
    for (const card of body.cards) expect(['good', 'warning', 'critical', 'no-data', 'n/a']).toContain(card.level);
    const current = (await (await fetch(`${admin}/metrics/current`, { headers: sample.admin })).json()) as any;
    expect(current).toMatchObject({ dataAt: body.data_at, window: body.window, snapshot: { timestamp: body.data_at, healthScore: overview.score } });

    const html = await fetch(`${admin}/dashboard`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await html.text();
    expect(page).toMatch(/<html/);
    expect(page).not.toContain('sample-admin-token-for-tests');
  });

  it('dashboard/config returns the alert thresholds, KPI targets and refresh interval', async () => {
    const body = (await (await fetch(`${admin}/dashboard/config`, { headers: sample.admin })).json()) as any;
    expect(body.refreshIntervalSeconds).toBe(5);
    // One model: the KPI target is the good level, the warning alert starts past it.
    expect(body.thresholds.p95Ms).toEqual({ direction: 'above', good: 200, warning: 200, critical: 500 });
    expect(body.thresholds.cpuPercent).toEqual({ direction: 'above', good: 70, warning: 70, critical: 95 });
    expect(body.thresholds.cacheHitRatePercent).toEqual({ direction: 'below', good: 70, warning: 70 });
    expect(body.thresholds.loadPerCore).toBeUndefined(); // not judged by default
    expect(body.kpis).toMatchObject({
      responseTimeP95: 200,
      responseTimeP99: 500,
      throughput: 1000,
      cpuUsage: 70,
      memoryUsage: 80,
      poolUsage: 80,
      errorRate: 0.1,
      jobFailureRate: 1,
    });
  });

  it('openapi.json documents every admin endpoint', async () => {
    const res = await fetch(`${admin}/openapi.json`, { headers: sample.admin });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    for (const p of [
      'dashboard',
      'metrics/current',
      'metrics/history',
      'recommendations',
      'alerts',
      'alerts/clear',
      'optimize/{id}',
      'bottlenecks',
      'kpis',
      'capacity',
      'load-test/status',
      'load-test/runs',
      'dashboard/config',
      'query-performance',
      'database-stats',
      'connection-pool',
      'suggest-indexes',
      'health-overview',
      'cache-stats',
      'cache/clear',
    ]) {
      expect(paths).toContain(`/performance/${p}`);
    }
  });
});
