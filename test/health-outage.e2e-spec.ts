import { randomUUID } from 'node:crypto';
import { TypeOrmModule } from '@nestjs/typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ResponseCache } from 'nestjs-performance';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { PerformanceAlert } from '../libs/performance/src/core/schemas/performance-alert';
import { ADMIN_TOKEN, cacheFixture, resetCalls } from './fixtures/cache-fixture.module';
import { POSTGRES_URL, reachableSync } from './fixtures/observability-health.fixture';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';
import { TcpProxy } from './support/reliability-services';
import { describeWithService, SERVICE_URLS } from './support/services';

/**
 * A store outage as the app lives it: the cache store (the Redis tier) or a
 * database goes away behind a TCP proxy this test owns (the shared servers
 * are never stopped), and comes back. Requests go on, `/health` shows the
 * store down, readiness fails only for what the app cannot serve without,
 * and an alert names the store while it is down and resolves once it is back.
 * Alerts are driven by the sampler's own tick (`collect()`), never by sleeping.
 */

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
/** A password in every store URL: no answer, alert or log line may show it. */
const SECRET = 'outage-secret-do-not-show';
const runPrefix = `nestjs-performance-test:${process.pid}-${randomUUID().slice(0, 8)}:outage:`;

type Indicator = { status: string; [field: string]: unknown };
interface HealthBody {
  status: string;
  info: Record<string, Indicator>;
  error: Record<string, Indicator>;
  details?: Record<string, Indicator>;
}

async function health(app: RunningApp, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: HealthBody; text: string }> {
  const res = await fetch(app.url + path, { headers });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as HealthBody, text };
}

/**
 * The outage alerts of the admin API's alert list (other rules, CPU at start-up for one, may fire
 * beside them on a busy machine), with how many of them fire and the whole answer as text.
 */
async function outageAlerts(app: RunningApp): Promise<{ firing: number; alerts: PerformanceAlert[]; text: string }> {
  const res = await fetch(`${app.url}/performance/alerts?hours=1`, { headers: admin });
  expect(res.status).toBe(200);
  const text = await res.text();
  const all = (JSON.parse(text) as { alerts: PerformanceAlert[] }).alerts;
  const outages = all.filter((a) => a.metric === 'cache-store-down' || a.metric === 'database-down');
  return { firing: outages.filter((a) => a.status === 'firing').length, alerts: outages, text };
}

function proxyTo(url: string): TcpProxy {
  const { hostname, port } = new URL(url);
  return new TcpProxy(hostname, Number(port));
}

const redis = reachableSync('redis');
const postgres = reachableSync('postgres');

describeWithService('redis', redis, 'the cache store (Redis tier) down and back', () => {
  describe.each(ADAPTERS)('on %s', (adapter) => {
    const proxy = proxyTo(SERVICE_URLS.redis);
    let app: RunningApp;
    /** The same app with `health.readiness.cache` on. */
    let strict: RunningApp;

    beforeAll(async () => {
      await proxy.start();
      const cache = (name: string) => ({
        store: 'two-tier' as const,
        redis: { url: `redis://default:${SECRET}@127.0.0.1:${proxy.port}`, keyPrefix: `${runPrefix}${adapter}:${name}:` },
      });
      app = await startApp(cacheFixture(cache('default'), { alerts: { notifiers: { log: false }, forSeconds: 0 } }), adapter);
      strict = await startApp(
        cacheFixture(cache('strict'), { alerts: { notifiers: { log: false }, forSeconds: 0 }, health: { readiness: { cache: true } } }),
        adapter,
      );
      await vi.waitFor(
        () => {
          expect(app.app.get(ResponseCache).storeHealth().status).toBe('up');
          expect(strict.app.get(ResponseCache).storeHealth().status).toBe('up');
        },
        { timeout: 5000, interval: 20 },
      );
    });
    afterAll(async () => {
      await app?.app
        .get(ResponseCache)
        .invalidate({ all: true })
        .catch(() => undefined);
      await strict?.app
        .get(ResponseCache)
        .invalidate({ all: true })
        .catch(() => undefined);
      await app?.close();
      await strict?.close();
      await proxy.cut();
    });

    it('keeps serving, degrades /health, keeps /health/ready up unless the app opts in, and alerts until Redis is back', async () => {
      resetCalls();
      const sampler = app.app.get(MetricsSampler);
      expect((await health(app, '/health/ready')).status).toBe(200);
      expect((await health(app, '/health', admin)).body).toMatchObject({ status: 'ok', details: { cache: { status: 'up', store: 'two-tier' } } });
      await sampler.collect();
      expect((await outageAlerts(app)).firing).toBe(0);

      await proxy.cut();
      await vi.waitFor(() => expect(app.app.get(ResponseCache).storeHealth().status).toBe('down'), { timeout: 5000, interval: 20 });
      await vi.waitFor(() => expect(strict.app.get(ResponseCache).storeHealth().status).toBe('down'), { timeout: 5000, interval: 20 });

      // Requests go on without the cache.
      for (const running of [app, strict]) {
        const res = await fetch(`${running.url}/cache/counter`);
        expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'BYPASS']);
      }

      // /health: the cache down, with its details for an admin; the app degraded, still 200.
      await vi.waitFor(
        async () => {
          const full = await health(app, '/health', admin);
          expect(full.status).toBe(200);
          expect(full.body.status).toBe('degraded');
          expect(full.body.error.cache).toMatchObject({ status: 'down', store: 'two-tier' });
          expect(typeof full.body.error.cache!.message).toBe('string');
          expect(full.text).not.toContain(SECRET);
        },
        { timeout: 3000, interval: 100 },
      );
      expect(await health(app, '/health')).toMatchObject({ status: 200, body: { status: 'degraded', error: { cache: { status: 'down' } } } });
      expect(((await (await fetch(`${app.url}/status`)).json()) as { status: string }).status).toBe('degraded');

      // Readiness: up, without the cache, by default; 503 naming the cache with the opt-in.
      const ready = await health(app, '/health/ready', admin);
      expect([ready.status, ready.body.status, Object.keys(ready.body.details!).includes('cache')]).toEqual([200, 'ok', false]);
      await vi.waitFor(
        async () => {
          const strictReady = await health(strict, '/health/ready');
          expect(strictReady.status).toBe(503);
          expect(strictReady.body).toMatchObject({ status: 'error', error: { cache: { status: 'down' } } });
        },
        { timeout: 3000, interval: 100 },
      );
      expect((await health(strict, '/health')).status).toBe(503);

      // The sampler's tick raises one alert that names the store, and updates it on the next tick.
      await sampler.collect();
      await sampler.collect();
      const during = await outageAlerts(app);
      const fired = during.alerts.filter((a) => a.metric === 'cache-store-down');
      expect(fired).toHaveLength(1);
      expect(fired[0]).toMatchObject({ status: 'firing', severity: 'warning', dependency: 'two-tier', count: 2, resolvedAt: null });
      expect(fired[0]!.message).toMatch(/^Cache store "two-tier" is down \(requests go on without the cache\): \S/);
      expect(during.firing).toBe(1);
      expect(during.text).not.toContain(SECRET);

      await proxy.restore();
      await vi.waitFor(() => expect(app.app.get(ResponseCache).storeHealth().status).toBe('up'), { timeout: 8000, interval: 50 });
      await sampler.collect();
      const after = await outageAlerts(app);
      expect(after.firing).toBe(0);
      expect(after.alerts.find((a) => a.id === fired[0]!.id)).toMatchObject({ status: 'resolved', dependency: 'two-tier' });
      expect(after.alerts.find((a) => a.id === fired[0]!.id)!.resolvedAt).not.toBeNull();
      await vi.waitFor(async () => expect((await health(app, '/health')).body.status).toBe('ok'), { timeout: 3000, interval: 100 });
      await vi.waitFor(async () => expect((await health(strict, '/health/ready')).status).toBe(200), { timeout: 8000, interval: 100 });
    });
  });
});

describeWithService('postgres', postgres, 'a database down and back', () => {
  describe.each(ADAPTERS)('on %s', (adapter) => {
    const proxy = proxyTo(POSTGRES_URL);
    let app: RunningApp;

    beforeAll(async () => {
      await proxy.start();
      const reports = new URL(POSTGRES_URL);
      reports.port = String(proxy.port);
      reports.password = SECRET;
      if (!reports.username) reports.username = 'postgres';
      app = await startApp(
        observabilityFixture(
          { admin: { token: ADMIN_TOKEN }, metrics: { enabled: false }, health: { timeoutMs: 1500 }, alerts: { notifiers: { log: false }, forSeconds: 0 } },
          {
            imports: [
              TypeOrmModule.forRoot({ type: 'postgres', url: POSTGRES_URL, entities: [], retryAttempts: 0 }),
              TypeOrmModule.forRoot({
                name: 'reports',
                type: 'postgres',
                url: reports.toString(),
                entities: [],
                retryAttempts: 0,
                extra: { connectionTimeoutMillis: 1000 },
              }),
            ],
          },
        ),
        adapter,
      );
    });
    afterAll(async () => {
      await app?.close();
      await proxy.cut();
    });

    it('fails readiness naming the data source, raises one critical alert for it alone, and resolves it when it answers again', async () => {
      const sampler = app.app.get(MetricsSampler);
      await sampler.collect();
      expect((await health(app, '/health/ready', admin)).body).toMatchObject({
        status: 'ok',
        details: { database_default: { status: 'up', type: 'postgres' }, database_reports: { status: 'up', type: 'postgres' } },
      });
      // The probes' and the previous tick's checks are the module's own statements, never the app's queries.
      expect((await sampler.collect()).dbQueries).toBe(0);
      expect((await outageAlerts(app)).firing).toBe(0);

      await proxy.cut();
      await vi.waitFor(
        async () => {
          const ready = await health(app, '/health/ready', admin);
          expect(ready.status).toBe(503);
          expect(ready.body.status).toBe('error');
          expect(Object.keys(ready.body.error)).toEqual(['database_reports']);
          expect(ready.text).not.toContain(SECRET);
        },
        { timeout: 5000, interval: 100 },
      );
      expect(await health(app, '/health')).toMatchObject({ status: 503, body: { status: 'error', error: { database_reports: { status: 'down' } } } });
      // The app still answers what needs no database.
      expect((await fetch(`${app.url}/obs/ok`)).status).toBe(200);

      await sampler.collect();
      const during = await outageAlerts(app);
      // One alert, for the data source that is down; none for the default one nor the (memory) cache store.
      expect(during.alerts.map((a) => [a.metric, a.dependency, a.severity, a.status])).toEqual([['database-down', 'reports', 'critical', 'firing']]);
      const fired = during.alerts[0]!;
      expect(fired.message).toMatch(/^Database "reports" \(postgres\) is down: \S/);
      expect(during.text).not.toContain(SECRET);

      await proxy.restore();
      await vi.waitFor(async () => expect((await health(app, '/health/ready')).status).toBe(200), { timeout: 8000, interval: 100 });
      await sampler.collect();
      const after = await outageAlerts(app);
      expect(after.firing).toBe(0);
      expect(after.alerts.find((a) => a.id === fired.id)).toMatchObject({ status: 'resolved', dependency: 'reports' });
    });
  });
});
