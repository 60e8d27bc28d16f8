import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Controller, Get, Injectable, Module, Param, type Type } from '@nestjs/common';
import { PerformanceModule } from 'nestjs-performance';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RouteBaselineRow } from '../libs/performance/src/baselines/route-baselines.service';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { PerformanceAlert } from '../libs/performance/src/core/schemas/performance-alert';
import { ADAPTERS, startApp, type RunningApp } from './support/http-app';

const TOKEN = 'baselines-admin-token-0123456789abcdef';
const admin = { authorization: `Bearer ${TOKEN}` };

/** How long each route takes; the test slows one down on purpose. */
@Injectable()
class Delays {
  items = 5;
  item = 5;
  search = 20;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

@Controller('shop')
class ShopController {
  constructor(private readonly delays: Delays) {}

  @Get('items')
  async items(): Promise<string[]> {
    await wait(this.delays.items);
    return ['a', 'b'];
  }

  @Get('items/:id')
  async item(@Param('id') id: string): Promise<{ id: string }> {
    await wait(this.delays.item);
    return { id };
  }

  @Get('search')
  async search(): Promise<string[]> {
    await wait(this.delays.search);
    return [];
  }
}

function fixture(webhookUrl: string): Type<unknown> {
  @Module({
    imports: [
      PerformanceModule.forRoot({
        admin: { token: TOKEN },
        health: { enabled: false },
        jobs: { enabled: false },
        // Snapshots are taken by the test, 30 s apart on a clock it moves.
        monitoring: { collectionIntervalSeconds: 3600 },
        // A short apprenticeship for the test; a 200 ms floor keeps a busy test machine's hiccups from looking like anomalies.
        baselines: { minSamples: 6, minRequests: 10, minP95Ms: 200, routeTargets: { 'GET /shop/items/:id': { p95Ms: 250 } } },
        alerts: { forSeconds: 60, notifiers: { log: false, webhooks: [{ url: webhookUrl }], retries: 0 } },
      }),
    ],
    controllers: [ShopController],
    providers: [Delays],
  })
  class BaselinesFixtureModule {}
  return BaselinesFixtureModule;
}

async function webhookReceiver(): Promise<{ url: string; received: { event: string; alert: PerformanceAlert }[]; close(): Promise<void> }> {
  const received: { event: string; alert: PerformanceAlert }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as { event: string; alert: PerformanceAlert });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/alerts`, received, close: () => new Promise((r) => server.close(() => r())) };
}

describe.each(ADAPTERS)('route baselines on a small app (%s)', (adapter) => {
  let running: RunningApp;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  beforeAll(async () => {
    hook = await webhookReceiver();
    running = await startApp(fixture(hook.url), adapter);
  });
  afterAll(async () => {
    vi.useRealTimers();
    await running?.close();
    await hook?.close();
  });

  /** One window: 12 requests to each route, then a snapshot 30 s after the previous one. */
  async function window(at: number): Promise<void> {
    const paths = ['/shop/items', '/shop/items/7', '/shop/search'];
    await Promise.all(paths.flatMap((p) => Array.from({ length: 12 }, () => fetch(`${running.url}${p}`).then((r) => r.arrayBuffer()))));
    vi.setSystemTime(at);
    await running.app.get(MetricsSampler).collect();
  }
  const baselines = async () => {
    const res = await fetch(`${running.url}/performance/baselines`, { headers: admin });
    expect(res.status).toBe(200);
    return (await res.json()) as { judgedAt: string; minSamples: number; routes: RouteBaselineRow[] };
  };
  const alerts = async () =>
    (
      (await (await fetch(`${running.url}/performance/alerts?hours=1`, { headers: admin })).json()) as { alerts: PerformanceAlert[]; pending: unknown[] }
    ).alerts.filter((a) => a.metric === 'route-anomaly' || a.metric === 'route-target');

  it('learns each route, then flags the one slowed on purpose and leaves the others alone', async () => {
    const sampler = running.app.get(MetricsSampler);
    await sampler.collect(); // opens the first window
    vi.useFakeTimers({ toFake: ['Date'] });
    let t = Date.now();
    // minSamples windows teach each baseline; the next one is the first judged against it.
    for (let i = 0; i < 7; i++) await window((t += 30_000));

    let body = await baselines();
    const byRoute = (b: typeof body) => Object.fromEntries(b.routes.map((r) => [r.route, r]));
    expect(Object.keys(byRoute(body)).sort()).toEqual(['GET /shop/items', 'GET /shop/items/:id', 'GET /shop/search']);
    // The admin API's own requests are never a route of the app.
    expect(body.routes.every((r) => !r.template.includes('/performance'))).toBe(true);
    for (const r of body.routes) {
      expect(r.status).toBe('normal');
      expect(r.live).toMatchObject({ at: new Date(t).toISOString(), requests: 12, windowSeconds: 30 });
      expect(r.learnedFrom!.windows).toBe(7);
      expect(r.source).toBe('moving-average');
    }
    expect(byRoute(body)['GET /shop/search']!.latency.mean).toBeGreaterThanOrEqual(19);
    expect(byRoute(body)['GET /shop/items/:id']!.target).toEqual({ p95Ms: 250, met: true });

    // Search gets slow: 800 ms where it answered in about 20.
    running.app.get(Delays).search = 800;
    await window((t += 30_000));
    body = await baselines();
    expect(byRoute(body)['GET /shop/search']!.status).toBe('anomalous');
    expect(byRoute(body)['GET /shop/search']!.live!.p95Ms).toBeGreaterThan(byRoute(body)['GET /shop/search']!.latency.threshold);
    expect(body.routes[0]!.route).toBe('GET /shop/search');
    expect(byRoute(body)['GET /shop/items']!.status).toBe('normal');
    expect(byRoute(body)['GET /shop/items/:id']!.status).toBe('normal');
    // Pending for alerts.forSeconds: no alert yet.
    expect(await alerts()).toEqual([]);

    await window((t += 30_000));
    await window((t += 30_000));
    const fired = await alerts();
    expect(fired.map((a) => [a.metric, a.route, a.status])).toEqual([['route-anomaly', 'GET /shop/search', 'firing']]);
    expect(fired[0]!.message).toMatch(/^GET \/shop\/search: p95 \d+(\.\d+)? ms over the last 30 s, far above its usual \d+(\.\d+)? ms/);
    // (The app-wide latency rule may fire too: only the route rules are looked at here.)
    const routeDeliveries = () => hook.received.filter((d) => d.alert.route !== undefined).map((d) => [d.event, d.alert.metric, d.alert.route]);
    await vi.waitFor(() => expect(routeDeliveries()).toEqual([['fired', 'route-anomaly', 'GET /shop/search']]));

    // Back to normal: the next window with data resolves it.
    running.app.get(Delays).search = 20;
    await window(t + 30_000);
    expect((await alerts()).map((a) => [a.route, a.status])).toEqual([['GET /shop/search', 'resolved']]);
  }, 60_000);

  it('refuses a query parameter it does not take', async () => {
    const res = await fetch(`${running.url}/performance/baselines?route=x`, { headers: admin });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/route/);
  });
});

describe('GET baselines with baselines off', () => {
  it('answers 404 saying so', async () => {
    @Module({ imports: [PerformanceModule.forRoot({ admin: { token: TOKEN }, health: { enabled: false }, baselines: { enabled: false } })] })
    class Off {}
    const app = await startApp(Off, 'express');
    try {
      const res = await fetch(`${app.url}/performance/baselines`, { headers: admin });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toBe('baselines are switched off (baselines.enabled is false)');
    } finally {
      await app.close();
    }
  });
});
