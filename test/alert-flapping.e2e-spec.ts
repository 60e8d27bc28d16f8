import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, Query, type Type } from '@nestjs/common';
import { PerformanceModule } from 'nestjs-performance';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AlertManager } from '../libs/performance/src/alerts/alert-manager.service';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { AlertsOptions } from '../libs/performance/src/core/options/alerts.options';
import type { PerformanceAlert } from '../libs/performance/src/core/schemas/performance-alert';
import { startApp, type RunningApp } from './support/http-app';

const TOKEN = 'alert-flapping-admin-token-0123456789';
/** Slower than the default p95 levels of every model: a slow burst breaches the latency rule whatever its default. */
const SLOW_MS = 2500;

@Controller('work')
class WorkController {
  /** Answers after `ms` milliseconds. */
  @Get()
  async work(@Query('ms') ms = '0'): Promise<{ ms: number }> {
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    return { ms: Number(ms) };
  }
}

function fixture(webhookUrl: string, alerts: AlertsOptions = {}): Type<unknown> {
  @Module({
    imports: [
      PerformanceModule.forRoot({
        admin: { token: TOKEN },
        health: { enabled: false },
        jobs: { enabled: false },
        // Snapshots are taken by the test, on a clock it moves.
        monitoring: { collectionIntervalSeconds: 3600 },
        alerts: { ...alerts, notifiers: { log: false, webhooks: [{ url: webhookUrl }], retries: 0 } },
      }),
    ],
    controllers: [WorkController],
  })
  class AlertFlappingModule {}
  return AlertFlappingModule;
}

interface Delivery {
  event: string;
  text: string;
  alert: PerformanceAlert;
}

async function webhookReceiver(): Promise<{ url: string; received: Delivery[]; close(): Promise<void> }> {
  const received: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Delivery);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alerts`, received, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The traffic of a latency alert that flapped: bursts every 90 s with idle
 * windows between them (snapshots every 30 s, 14 minutes), most bursts slow,
 * every third one fast, then fast bursts only. `S` slow burst, `F` fast
 * burst, `.` no request.
 */
const TRAFFIC = 'S..S..F..S..S..F..S..S..F..F..F..F..F.';

/** Runs {@link TRAFFIC} against a fresh app: one snapshot per character, 30 s apart on the app's clock. */
async function replay(alerts: AlertsOptions): Promise<{ deliveries: Delivery[]; listed: PerformanceAlert[] }> {
  const hook = await webhookReceiver();
  let running: RunningApp | undefined;
  try {
    running = await startApp(fixture(hook.url, alerts), 'express');
    const sampler = running.app.get(MetricsSampler);
    const manager = running.app.get(AlertManager);
    const start = Date.now();
    await sampler.collect(); // opens the first window
    vi.useFakeTimers({ toFake: ['Date'] });
    for (const [i, step] of [...TRAFFIC].entries()) {
      vi.setSystemTime(start + (i + 1) * 30_000);
      if (step !== '.') {
        const ms = step === 'S' ? SLOW_MS : 0;
        const burst = Array.from({ length: 10 }, () => fetch(`${running!.url}/work?ms=${ms}`).then((r) => r.arrayBuffer()));
        await Promise.all(burst);
      }
      await sampler.collect();
    }
    await manager.dispatcher.idle();
    const res = await fetch(`${running.url}/performance/alerts?hours=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const body = (await res.json()) as { alerts: PerformanceAlert[] };
    return { deliveries: hook.received.filter((d) => d.alert.metric === 'p95Ms'), listed: body.alerts.filter((a) => a.metric === 'p95Ms') };
  } finally {
    vi.useRealTimers();
    await running?.close();
    await hook.close();
  }
}

describe('a latency alert over bursts with idle gaps (real requests, snapshots and webhook)', () => {
  afterEach(() => vi.useRealTimers());

  it('with the defaults is one alert: one FIRING, one FLAPPING note, one RESOLVED once stable', async () => {
    const { deliveries, listed } = await replay({});
    expect(deliveries.map((d) => d.event)).toEqual(['fired', 'flapping', 'resolved']);
    expect(new Set(deliveries.map((d) => d.alert.id)).size).toBe(1);
    expect(deliveries[1]!.text).toMatch(/^\[FLAPPING\] \w+: Response time p95 .* \(resolved and fired again: kept as one alert until it stays resolved\)$/);
    expect(listed).toHaveLength(1);
    const [alert] = listed;
    // Fired on the second slow burst (held 90 s >= 60 s), resolved for good on the third fast burst.
    expect(alert).toMatchObject({ status: 'resolved', flapping: true, transitions: 5, count: 3 });
    expect(Date.parse(alert!.firedAt) - Date.parse(alert!.firstSeen)).toBe(90_000);
    expect(alert!.durationSeconds).toBe((Date.parse(alert!.resolvedAt!) - Date.parse(alert!.firedAt)) / 1000);
    expect(deliveries[2]!.alert).toMatchObject({ id: alert!.id, status: 'resolved', resolvedAt: alert!.resolvedAt });
  }, 120_000);

  it('without hold and flap window the same traffic fires and resolves each time', async () => {
    const { deliveries, listed } = await replay({ forSeconds: 0, flapWindowSeconds: 0 });
    expect(deliveries.map((d) => d.event)).toEqual(['fired', 'resolved', 'fired', 'resolved', 'fired', 'resolved']);
    expect(listed).toHaveLength(3);
    expect(listed.every((a) => !a.flapping)).toBe(true);
  }, 120_000);
});
