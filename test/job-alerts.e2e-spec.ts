import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { PerformanceAlert } from '../libs/performance/src/core/schemas/performance-alert';
import { ImportWorker, JOB_ALERTS_ADMIN_TOKEN, jobAlertsFixture } from './fixtures/job-alerts-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const admin = { authorization: `Bearer ${JOB_ALERTS_ADMIN_TOKEN}` };
// Real timers for waiting: some tests fake Date.
const realSetTimeout = globalThis.setTimeout;

interface Delivery {
  event: 'fired' | 'escalated' | 'resolved';
  text: string;
  alert: PerformanceAlert;
}

/** A local HTTP server that records the JSON bodies POSTed to it. */
async function webhookReceiver(): Promise<{ url: string; received: Delivery[]; close(): Promise<void> }> {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(data) as Delivery);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alerts`, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Waits (real time, bounded) until `count` deliveries arrived. */
async function deliveries(hook: { received: Delivery[] }, count: number): Promise<Delivery[]> {
  for (let i = 0; i < 250 && hook.received.length < count; i++) await new Promise((resolve) => realSetTimeout(resolve, 20));
  return hook.received;
}

describe.each(ADAPTERS)('job alerts through the alert manager (%s)', (adapter) => {
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let running: RunningApp;
  let worker: ImportWorker;
  let sampler: MetricsSampler;

  const alerts = async () =>
    (await (await fetch(`${running.url}/performance/alerts?hours=1`, { headers: admin })).json()) as { firing: number; alerts: PerformanceAlert[] };
  const firingGauge = async (severity: string) => {
    const text = await (await fetch(`${running.url}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`performance_alerts_firing{severity="${severity}"}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  async function runs(outcomes: ('ok' | 'fail')[]): Promise<void> {
    for (const outcome of outcomes) {
      worker.failing = outcome === 'fail';
      await worker.run().catch(() => undefined);
    }
  }

  beforeEach(async () => {
    hook = await webhookReceiver();
    running = await startApp(jobAlertsFixture(hook.url), adapter);
    worker = running.app.get(ImportWorker);
    sampler = running.app.get(MetricsSampler);
  });
  afterEach(async () => {
    await running?.close();
    await hook?.close();
    vi.useRealTimers();
  });

  it('a job failing past the failure-rate threshold fires one alert, notifies the webhook, escalates, and resolves after successes', async () => {
    await runs(['fail', 'ok']);
    await sampler.collect();
    expect((await alerts()).alerts).toEqual([]); // 2 runs: below failureRateMinRuns

    await runs(['ok']); // 1 of 3 failed: 33.33%, warning at 20%
    await sampler.collect();
    await sampler.collect(); // still breaching: the same alert, counted twice
    let body = await alerts();
    expect(body.firing).toBe(1);
    expect(body.alerts).toHaveLength(1);
    const fired = body.alerts[0]!;
    expect(fired).toMatchObject({
      metric: 'job-failure-rate',
      job: 'nightly-import',
      severity: 'warning',
      status: 'firing',
      value: 33.33,
      threshold: 20,
      count: 2,
      resolvedAt: null,
      message: 'job "nightly-import" failed 1 of its last 3 runs (33.33%, warning above 20%)',
    });
    expect(await firingGauge('warning')).toBe(1);
    const [first] = await deliveries(hook, 1);
    expect(first).toMatchObject({ event: 'fired', alert: { id: fired.id, metric: 'job-failure-rate', job: 'nightly-import', status: 'firing' } });
    expect(first!.text).toBe('[FIRING] warning: job "nightly-import" failed 1 of its last 3 runs (33.33%, warning above 20%)');

    await runs(['fail']); // 2 of 4: 50%, critical above 45%
    await sampler.collect();
    await deliveries(hook, 2);
    expect(hook.received[1]).toMatchObject({ event: 'escalated', alert: { id: fired.id, severity: 'critical', threshold: 45, value: 50 } });
    expect(await firingGauge('critical')).toBe(1);
    expect(await firingGauge('warning')).toBe(0);

    await runs(['ok', 'ok', 'ok', 'ok', 'ok']); // the latest 5 runs all succeeded
    await sampler.collect();
    await deliveries(hook, 3);
    expect(hook.received.map((d) => d.event)).toEqual(['fired', 'escalated', 'resolved']);
    expect(hook.received[2]!.alert).toMatchObject({ id: fired.id, status: 'resolved' });
    body = await alerts();
    expect(body.firing).toBe(0);
    expect(body.alerts).toHaveLength(1);
    expect(body.alerts[0]).toMatchObject({ id: fired.id, status: 'resolved', severity: 'critical' });
    expect(body.alerts[0]!.resolvedAt).not.toBeNull();
    expect(await firingGauge('critical')).toBe(0);

    // A new breach is a new alert, not the old one reopened.
    await runs(['fail', 'fail']);
    await sampler.collect();
    body = await alerts();
    expect(body.firing).toBe(1);
    expect(body.alerts.filter((a) => a.status === 'firing').map((a) => a.id)).not.toContain(fired.id);
  });

  it('a job that has not started within its expected interval fires job-overdue, resolved by its next run', async () => {
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    await runs(['ok']);
    await sampler.collect();
    expect((await alerts()).alerts).toEqual([]);

    // 60 s expected, overdue after 90 s: 91 s pass on the clock without a run.
    vi.setSystemTime(Date.now() + 91_000);
    await sampler.collect();
    const body = await alerts();
    expect(body.firing).toBe(1);
    expect(body.alerts[0]).toMatchObject({ metric: 'job-overdue', job: 'nightly-import', severity: 'critical', status: 'firing', threshold: 90 });
    expect(body.alerts[0]!.value).toBeGreaterThanOrEqual(91);
    expect(body.alerts[0]!.message).toMatch(/^job "nightly-import" has not started for 9\ds \(expected every 60s; overdue after 90s\)/);
    await deliveries(hook, 1);
    expect(hook.received[0]).toMatchObject({ event: 'fired', alert: { metric: 'job-overdue', job: 'nightly-import', severity: 'critical' } });
    expect(await firingGauge('critical')).toBe(1);

    await runs(['ok']);
    await sampler.collect();
    await deliveries(hook, 2);
    expect(hook.received.map((d) => [d.event, d.alert.metric])).toEqual([
      ['fired', 'job-overdue'],
      ['resolved', 'job-overdue'],
    ]);
    expect((await alerts()).firing).toBe(0);
  });
});
