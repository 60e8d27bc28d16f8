import { DataSource } from 'typeorm';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { DEAD_URL, hangingServer, postgresModule, reachableSync, redisProbe } from './fixtures/observability-health.fixture';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';
import { describeWithService, SERVICE_URLS } from './support/services';

const TOKEN = 'health-admin-token-0123456789';
const admin = { authorization: `Bearer ${TOKEN}` };
const postgres = reachableSync('postgres');
const redis = reachableSync('redis');

async function get(running: RunningApp, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(running.url + path, { headers });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describeWithService(postgres ? 'redis' : 'postgres', postgres && redis, 'health with PostgreSQL and Redis up', () => {
  describe.each(ADAPTERS)('on %s', (adapter) => {
    let running: RunningApp;
    let close: () => Promise<unknown>;

    beforeAll(async () => {
      const probe = redisProbe(SERVICE_URLS.redis);
      running = await startApp(
        observabilityFixture(
          { admin: { token: TOKEN }, health: { dependencies: [{ name: 'self', url: 'http://127.0.0.1:1/' }] } },
          { imports: [postgresModule()], providers: [probe.provider] },
        ),
        adapter,
        (app) => {
          app.setGlobalPrefix('api/v1');
        },
      );
      close = async () => {
        probe.client.disconnect();
        await running.close();
      };
    });
    afterAll(() => close?.());

    it('/health/live answers 200 with the event-loop check only', async () => {
      expect(await get(running, '/health/live')).toEqual({
        status: 200,
        body: { status: 'ok', info: { event_loop: { status: 'up' } }, error: {} },
      });
    });

    it('/health/ready names the failing dependency with 503, status only for anonymous callers', async () => {
      const { status, body } = await get(running, '/health/ready');
      expect(status).toBe(503);
      expect(body).toEqual({
        status: 'error',
        // The cache store is outside readiness by default (the response cache fails open).
        info: { database: { status: 'up' }, pool: { status: 'up' } },
        error: { http_self: { status: 'down' } },
      });
    });

    it('/health gives an admin every indicator with its details', async () => {
      const { status, body } = await get(running, '/health', admin);
      expect(status).toBe(503);
      const details = body.details as Record<string, Record<string, unknown>>;
      expect(Object.keys(details).sort()).toEqual(['cache', 'database', 'disk', 'event_loop', 'http_self', 'memory_heap', 'memory_rss', 'pool'].sort());
      expect(details.database).toMatchObject({ status: 'up', type: 'postgres' });
      expect(details.cache).toMatchObject({ status: 'up', store: 'redis', reply: 'PONG' });
      expect(details.http_self!.status).toBe('down');
      expect(String(details.http_self!.message)).toMatch(/fetch failed|ECONNREFUSED/);
      expect(details.disk).toMatchObject({ status: 'up', thresholdPercent: 95 });
      expect(typeof details.memory_rss!.usedMb).toBe('number');
    });

    it('stay at the server root, outside the global prefix', async () => {
      expect((await fetch(`${running.url}/api/v1/health`)).status).toBe(404);
    });

    it('/status says unhealthy, without details, when a dependency needed to serve is down', async () => {
      const { status, body } = await get(running, '/status');
      expect(status).toBe(200);
      expect(body.status).toBe('unhealthy');
      expect(Object.keys(body).sort()).toEqual(['instanceId', 'startedAt', 'status', 'uptimeSeconds', 'version']);
    });

    it('health-overview scores database 40 / system 35 / cache 25 for an admin only', async () => {
      expect((await get(running, '/api/v1/performance/health-overview')).status).toBe(401);
      const { status, body } = await get(running, '/api/v1/performance/health-overview', admin);
      expect(status).toBe(200);
      const parts = body.parts as Record<string, { score: number; weight: number }>;
      expect(Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.weight]))).toEqual({ database: 40, system: 35, cache: 25 });
      // The score of the latest snapshot: both stores answered its checks (each part scores its worst metric: good is 100).
      expect(parts.database!.score).toBe(100);
      expect(parts.cache!.score).toBe(100);
      // The system part is whatever this busy test machine measured; the score is the parts' weighted mean.
      const system = parts.system!.score;
      expect([0, 50, 100]).toContain(system);
      expect(body.score).toBe(Math.round(((100 * 40 + system * 35 + 100 * 25) / 100) * 10) / 10);
      expect(body.status).toBe(system === 100 ? 'healthy' : system === 50 ? 'degraded' : 'unhealthy');
      expect(typeof body.dataAt).toBe('string');
    });
  });
});

describeWithService('postgres', postgres, 'health with dependencies down', () => {
  describe.each(ADAPTERS)('on %s', (adapter) => {
    it('keeps readiness up while only the cache is down, answers 503 naming the database once it is, and health-overview drops', async () => {
      const probe = redisProbe(DEAD_URL);
      const running = await startApp(observabilityFixture({ admin: { token: TOKEN } }, { imports: [postgresModule()], providers: [probe.provider] }), adapter);
      try {
        expect(await get(running, '/health/ready')).toEqual({
          status: 200,
          body: { status: 'ok', info: { database: { status: 'up' }, pool: { status: 'up' } }, error: {} },
        });
        const degraded = await get(running, '/health');
        expect([degraded.status, degraded.body.status, degraded.body.error]).toEqual([200, 'degraded', { cache: { status: 'down' } }]);
        await running.app.get(DataSource).destroy();
        await new Promise((r) => setTimeout(r, 1100)); // past the 1 s result reuse
        const ready = await get(running, '/health/ready', admin);
        expect(ready.status).toBe(503);
        expect(Object.keys(ready.body.error as object)).toEqual(['database']);
        expect((ready.body.error as Record<string, { message: string }>).database!.message).toBe('not initialized');
        const all = await get(running, '/health', admin);
        expect([all.status, all.body.status, Object.keys(all.body.error as object).sort()]).toEqual([503, 'error', ['cache', 'database']]);
        expect((await get(running, '/health/live')).status).toBe(200);
        // The score is the latest snapshot's: the next one sees the database down (critical: 0) and the cache
        // store down (a warning, the cache fails open: 50).
        await running.app.get(MetricsSampler).collect();
        const overview = (await get(running, '/performance/health-overview', admin)).body;
        expect(overview.status).toBe('unhealthy');
        expect((overview.parts as Record<string, { score: number }>).database!.score).toBe(0);
        expect((overview.parts as Record<string, { score: number }>).cache!.score).toBe(50);
      } finally {
        probe.client.disconnect();
        await running.close();
      }
    });

    it('never hangs: a dependency that does not answer is down after the timeout', async () => {
      const hanging = await hangingServer();
      const running = await startApp(
        observabilityFixture({
          admin: { token: TOKEN },
          health: { timeoutMs: 300, dependencies: [{ name: 'slow', url: hanging.url }] },
        }),
        adapter,
      );
      try {
        const started = Date.now();
        const { status, body } = await get(running, '/health/ready', admin);
        expect(Date.now() - started).toBeLessThan(2000);
        expect(status).toBe(503);
        expect((body.error as Record<string, { message: string }>).http_slow!.message).toBe('timeout of 300ms exceeded');
      } finally {
        await running.close();
        await hanging.close();
      }
    });
  });
});
