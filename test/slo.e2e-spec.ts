import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { SloObjectiveReport, SlosBody } from '../libs/performance/src/slo/slo-monitor.service';
import { ADAPTERS } from './support/http-app';
import { runCli } from './support/cli-process';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';

/**
 * The sample's `checkout` SLO (99.9 % of `GET /api/v1/checkout/*` succeed,
 * 99 % within 250 ms, 30 days): traffic with failures and slow answers moves
 * the SLI, the error budget and the burn rates exactly as the requests sent,
 * and a burn above 14.4x over the last hour and 5 minutes fires a critical
 * `slo-burn-rate` alert through the module's alerts.
 */
describe.each(ADAPTERS)('SLOs and error budgets on the sample (%s)', (adapter) => {
  let sample: RunningSample;
  const admin = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });
    return { status: res.status, body: (await res.json()) as T };
  };
  /** Client-side duration of each request, to bound what the server may count as slow. */
  const send = async (query: string): Promise<{ status: number; ms: number }> => {
    const started = performance.now();
    const res = await fetch(`${sample.api}/checkout/quote${query}`);
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  };
  const objective = (body: SlosBody, kind: 'availability' | 'latency'): SloObjectiveReport =>
    body.slos.find((s) => s.name === 'checkout')!.objectives.find((o) => o.objective === kind)!;

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 50 });
  });
  afterAll(async () => {
    await sample?.close();
  });

  it('counts nothing before traffic: the SLO is listed with its objectives and no data', async () => {
    const { status, body } = await admin<SlosBody>('slos');
    expect(status).toBe(200);
    expect(body.slos.map((s) => s.name)).toEqual(['checkout']);
    const slo = body.slos[0]!;
    expect(slo).toMatchObject({ routes: ['GET /api/v1/checkout/*'], windowDays: 30, alerts: true, matchedRoutes: [] });
    expect(objective(body, 'availability')).toMatchObject({ targetPercent: 99.9, requests: 0, sliPercent: null, burnRates: { '5m': null, '3d': null } });
    expect(objective(body, 'latency')).toMatchObject({ targetPercent: 99, thresholdMs: 250, metricsBucketSeconds: 0.25, requests: 0 });
  });

  it('the SLI, error budget and burn rates follow the requests sent; a fast burn fires a critical slo-burn-rate alert', async () => {
    const ok: { status: number; ms: number }[] = [];
    for (let i = 0; i < 120; i++) ok.push(await send(''));
    const failed = await Promise.all(Array.from({ length: 3 }, () => send('?simulate=error')));
    const slow = await Promise.all(Array.from({ length: 2 }, () => send('?simulate=slow&delayMs=400')));
    // Bad input is the client's fault: answered (400), not unavailable.
    const rejected = await send('?simulate=maybe');
    // Other routes are not the SLO's.
    await fetch(`${sample.api}/hello`);
    expect(ok.every((r) => r.status === 200)).toBe(true);
    expect(failed.map((r) => r.status)).toEqual([503, 503, 503]);
    expect(slow.map((r) => r.status)).toEqual([200, 200]);
    expect(rejected.status).toBe(400);

    const { body } = await admin<SlosBody>('slos?name=checkout');
    expect(body.slos[0]!.matchedRoutes).toEqual(['GET /api/v1/checkout/quote']);
    const total = 120 + 3 + 2 + 1;

    const availability = objective(body, 'availability');
    expect(availability).toMatchObject({ requests: total, badRequests: 3, goodRequests: total - 3 });
    expect(availability.sliPercent).toBeCloseTo((100 * (total - 3)) / total, 3);
    const allowed = total * 0.001;
    expect(availability.errorBudget.allowedBadRequests).toBeCloseTo(allowed, 2);
    expect(availability.errorBudget.remainingRequests).toBeCloseTo(allowed - 3, 2);
    expect(availability.errorBudget.remainingPercent).toBeCloseTo(100 * (1 - 3 / allowed), 0);
    const burn = 3 / total / 0.001;
    for (const window of ['5m', '30m', '1h', '6h', '3d'] as const) {
      expect(availability.burnRates[window]).toBeCloseTo(burn, 1);
      expect(availability.windowRequests[window]).toBe(total);
    }

    // Latency: the two slow answers took 400 ms; others count only if the server took over 250 ms, which the
    // client would have seen too.
    const latency = objective(body, 'latency');
    const maybeSlow = [...ok, ...failed, rejected].filter((r) => r.ms > 250).length;
    expect(latency.requests).toBe(total);
    expect(latency.badRequests).toBeGreaterThanOrEqual(2);
    expect(latency.badRequests).toBeLessThanOrEqual(2 + maybeSlow);
    expect(latency.errorBudget.allowedBadRequests).toBeCloseTo(total * 0.01, 2);

    // The next snapshot evaluates the burn-rate rule: 3 failures of 126 burn the 99.9 % budget ~24x (> 14.4).
    await sample.app.get(MetricsSampler).collect();
    const { body: alerts } = await admin<{
      alerts: { metric: string; slo?: string; severity: string; status: string; message: string; value: number; threshold: number }[];
    }>('alerts?hours=1');
    const slo = alerts.alerts.filter((a) => a.metric === 'slo-burn-rate');
    expect(slo).toHaveLength(1);
    expect(slo[0]).toMatchObject({ slo: 'checkout', severity: 'critical', status: 'firing', threshold: 14.4 });
    expect(slo[0]!.value).toBeCloseTo(burn, 1);
    expect(slo[0]!.message).toContain('SLO "checkout" (availability 99.9%) fast burn');
  });

  it('nestjs-performance slos: the table with the fast burn (exit 1), --json as the endpoint answers, --name of an unknown SLO (exit 2)', async () => {
    const env = { PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN };
    const table = await runCli(['slos'], env);
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('SLOs (an error budget is overspent or burning fast)');
    const availability = table.stdout.split('\n').find((l) => l.startsWith('checkout') && l.includes('99.9% ok'))!;
    expect(availability).toMatch(/fast burn$/);
    expect(availability).toMatch(/\b126\s+3\s+97\.62\b/);

    const json = await runCli(['slos', '--json', '--name', 'checkout'], env);
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout) as SlosBody;
    const now = (await admin<SlosBody>('slos')).body;
    expect(body.slos.map((s) => s.objectives.map((o) => [o.objective, o.requests, o.badRequests]))).toEqual(
      now.slos.map((s) => s.objectives.map((o) => [o.objective, o.requests, o.badRequests])),
    );

    const unknown = await runCli(['slos', '--name', 'payments'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error: no SLO is named "payments" (SLOs: checkout)');
  });

  it('answers 400 to a malformed or unknown parameter and 404 naming the SLOs for an unknown name', async () => {
    expect((await admin('slos?name=' + encodeURIComponent('a b'))).status).toBe(400);
    expect((await admin('slos?window=1h')).status).toBe(400);
    const missing = await admin<{ message: string }>('slos?name=payments');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('no SLO is named "payments" (SLOs: checkout)');
  });
});
