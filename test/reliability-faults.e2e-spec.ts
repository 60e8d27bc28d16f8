import { spawnSync } from 'node:child_process';
import type { LoggerService } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { POSTGRES_URL, reachableSync } from './fixtures/observability-health.fixture';
import { OwnedRedis, TcpProxy, freePort, hangingHttpServer, switchableHttpServer } from './support/reliability-services';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';
import { describeWithService } from './support/services';

/**
 * Issue 10, item 3: faults under load. Redis (our own redis-server, killed
 * and restarted) and PostgreSQL (behind our own TCP proxy, cut and restored)
 * go away while requests run: no request fails because of the
 * instrumentation, none hangs past its timeout, the failure shows in /health
 * and in the logs, and everything recovers by itself. The shared services are
 * never stopped or blocked.
 */

const REQUEST_TIMEOUT_MS = 5000;
const admin = { authorization: `Bearer ${SAMPLE_ADMIN_TOKEN}` };

/** Warnings and errors the app logged, as text. */
class RecordingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown, ...rest: unknown[]): void {
    this.lines.push(`WARN ${String(message)} ${rest.map(String).join(' ')}`);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.lines.push(`ERROR ${String(message)} ${rest.map(String).join(' ')}`);
  }
}

interface Outcome {
  path: string;
  status: number;
  ms: number;
  error?: string;
}

/**
 * Bounded load: up to `total` requests over `concurrency` loops (until
 * `running.on` turns false, when given), each under a timeout; never throws.
 */
async function load(base: string, paths: readonly string[], total: number, concurrency: number, pauseMs = 0, running = { on: true }): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && running.on) {
        const path = paths[next++ % paths.length]!;
        const started = Date.now();
        try {
          const res = await fetch(base + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
          await res.arrayBuffer();
          out.push({ path, status: res.status, ms: Date.now() - started });
        } catch (error) {
          out.push({ path, status: 0, ms: Date.now() - started, error: (error as Error).name });
        }
        if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      }
    }),
  );
  return out;
}

type Details = Record<string, { status: string; message?: string; [field: string]: unknown }>;

async function health(sample: RunningSample, probe = ''): Promise<{ status: number; overall: string; details: Details }> {
  const res = await fetch(`${sample.url}/health${probe}`, { headers: admin, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = (await res.json()) as { status: string; details: Details };
  return { status: res.status, overall: body.status, details: body.details };
}

/** Our own redis-server needs the binary; CI installs it (.ci/run), so its absence fails there. */
const redisBinary = spawnSync('redis-server', ['--version']).status === 0;

describeWithService('redis', redisBinary, 'Redis (our own redis-server) killed and restarted under load', () => {
  let redis: OwnedRedis;
  let sample: RunningSample;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    redis = new OwnedRedis(await freePort());
    await redis.start();
    sample = await startSample('express', {
      seedDocuments: 100,
      logger,
      env: { REDIS_URL: redis.url, CACHE_REDIS_KEY_PREFIX: `reliability-${process.pid}:` },
    });
    await vi.waitFor(async () => expect((await health(sample)).details.cache?.status).toBe('up'), { timeout: 5000, interval: 50 });
  });
  afterAll(async () => {
    await sample?.close();
    await redis?.stop();
  });

  it('answers every request while Redis is gone, shows it in health and logs, and recovers by itself', async () => {
    const paths = ['/analytics/overview', '/documents/1', '/hello', '/documents?limit=5'];
    const running = { on: true };
    // Runs through the whole outage and the recovery (at most 3000 requests).
    const during = load(sample.api, paths, 3000, 10, 5, running);

    await new Promise((r) => setTimeout(r, 300));
    await redis.stop();
    await vi.waitFor(
      async () => {
        const h = await health(sample);
        expect([h.status, h.overall, h.details.cache?.status]).toEqual([200, 'degraded', 'down']);
      },
      { timeout: 5000, interval: 100 },
    );
    const bypass = await fetch(`${sample.api}/analytics/overview`);
    expect([bypass.status, bypass.headers.get('x-cache')]).toEqual([200, 'BYPASS']);

    await redis.start();
    await vi.waitFor(
      async () => {
        const h = await health(sample);
        expect([h.status, h.details.cache?.status]).toEqual([200, 'up']);
      },
      { timeout: 10_000, interval: 100 },
    );

    running.on = false;
    const outcomes = await during;
    expect(outcomes.length).toBeGreaterThan(100);
    expect(outcomes.length).toBeLessThan(3000); // the outage was covered, not the limit reached
    expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(REQUEST_TIMEOUT_MS);
    expect(logger.lines.join('\n')).toMatch(/cache (tier|store)[^\n]*unavailable|redis/i);

    // Back to caching by itself: a MISS then a HIT on a fresh key.
    const key = `/analytics/overview?after=${Date.now()}`;
    await vi.waitFor(
      async () => {
        await fetch(sample.api + key);
        expect((await fetch(sample.api + key)).headers.get('x-cache')).toBe('HIT');
      },
      { timeout: 5000, interval: 100 },
    );
  });
});

const postgres = reachableSync('postgres');

describeWithService('postgres', postgres, 'PostgreSQL cut off and restored under load (through our own proxy)', () => {
  let proxy: TcpProxy;
  let sample: RunningSample;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    const target = new URL(POSTGRES_URL);
    proxy = await new TcpProxy(target.hostname, Number(target.port)).start();
    const url = new URL(POSTGRES_URL);
    url.port = String(proxy.port);
    sample = await startSample('express', { databaseUrl: url.toString(), seedDocuments: 100, logger });
  });
  afterAll(async () => {
    await sample?.close();
    await proxy?.cut();
  });

  it('keeps answering what needs no database, fails database routes fast, shows it in health, and recovers by itself', async () => {
    expect((await fetch(`${sample.api}/documents/1`)).status).toBe(200);
    await proxy.cut();

    const during = await load(sample.api, ['/hello', '/documents/1'], 200, 10);
    // Instrumentation never breaks a request: /hello has no database and always answers.
    expect(during.filter((o) => o.path === '/hello' && o.status !== 200)).toEqual([]);
    // The database routes fail (the app's own database is gone), but fast, with a response, never a hang.
    expect(during.filter((o) => o.path === '/documents/1' && o.status !== 500 && o.status !== 200)).toEqual([]);
    expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(REQUEST_TIMEOUT_MS);
    await vi.waitFor(
      async () => {
        const h = await health(sample);
        expect([h.status, h.details.database?.status]).toEqual([503, 'down']);
      },
      { timeout: 5000, interval: 200 },
    );
    expect((await fetch(`${sample.url}/health/live`)).status).toBe(200);
    expect(logger.lines.join('\n')).toMatch(/ECONNREFUSED|Connection terminated|connect/i);

    await proxy.restore();
    await vi.waitFor(
      async () => {
        expect((await fetch(`${sample.api}/documents/1`)).status).toBe(200);
        const h = await health(sample);
        expect([h.status, h.details.database?.status]).toEqual([200, 'up']);
      },
      { timeout: 10_000, interval: 200 },
    );
    const after = await load(sample.api, ['/hello', '/documents/1', '/documents?limit=5'], 150, 10);
    expect(after.filter((o) => o.status !== 200)).toEqual([]);
    // Counting is intact after the outage.
    const res = await fetch(`${sample.api}/documents/2`);
    expect(res.headers.get('x-db-queries')).toBe('1');
  });
});

describe('an alert notifier endpoint that hangs', () => {
  it('never delays a request, and the app still shuts down within the notifier timeout', async () => {
    const hanging = await hangingHttpServer();
    const received = hanging.received;
    const logger = new RecordingLogger();
    const sample = await startSample('express', {
      seedDocuments: 50,
      logger,
      env: {
        METRICS_COLLECTION_INTERVAL: '1',
        // Fires at the first snapshot: any process uses more than 0.001% of its memory.
        THRESHOLD_MEMORY_PERCENT: JSON.stringify({ good: 0.001 }),
        ALERT_FOR_SECONDS: '0',
        ALERT_WEBHOOK_URL: hanging.url,
      },
    });
    try {
      const running = { on: true };
      const during = load(sample.api, ['/hello', '/documents/1'], 2000, 5, 5, running);
      await vi.waitFor(() => expect(received.length).toBeGreaterThan(0), { timeout: 8000, interval: 100 });
      await new Promise((r) => setTimeout(r, 500));
      running.on = false;
      const outcomes = await during;
      expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
      expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(1000);
      const alerts = (await (await fetch(`${sample.api}/performance/alerts`, { headers: admin })).json()) as { firing: number };
      expect(alerts.firing).toBeGreaterThan(0);
      // The hung delivery is given up at the notifier timeout (5 s) and shows in /health, named; never in live or ready.
      await vi.waitFor(
        async () => {
          const h = await health(sample);
          expect([h.status, h.overall, h.details.alert_notifiers?.status]).toEqual([200, 'degraded', 'down']);
          expect(h.details.alert_notifiers?.message).toMatch(/alert notifier "webhook" failing: .*time/i);
        },
        { timeout: 10_000, interval: 200 },
      );
      expect((await health(sample, '/live')).status).toBe(200);
      expect((await health(sample, '/ready')).status).toBe(200);
    } finally {
      const started = Date.now();
      await sample.close();
      // The delivery in flight is given up at the notifier timeout (5 s), never waited on forever.
      expect(Date.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS + 2000);
      await hanging.close();
    }
  });
});

describe('an alert webhook that fails, then comes back', () => {
  it('never fails a request, shows the notifier down in /health only (named, details for the admin), and recovers by itself', async () => {
    const webhook = await switchableHttpServer();
    webhook.status = 500;
    const sample = await startSample('express', {
      seedDocuments: 50,
      env: {
        METRICS_COLLECTION_INTERVAL: '1',
        // Fires at the first snapshot: any process uses more than 0.001% of its memory.
        THRESHOLD_MEMORY_PERCENT: JSON.stringify({ good: 0.001 }),
        ALERT_FOR_SECONDS: '0',
        ALERT_WEBHOOK_URL: `${webhook.url}/hook`,
      },
    });
    try {
      // Before any delivery the notifier is listed, and up.
      const before = await health(sample);
      expect(before.details.alert_notifiers).toMatchObject({ status: 'up', notifiers: [{ name: 'webhook', status: 'up', failed: 0 }] });

      const running = { on: true };
      const during = load(sample.api, ['/hello', '/documents/1'], 5000, 5, 5, running);

      // The first failed attempt shows at once (the dispatcher keeps retrying with backoff: 1 s, 2 s, 4 s).
      await vi.waitFor(
        async () => {
          const h = await health(sample);
          expect([h.status, h.overall, h.details.alert_notifiers?.status]).toEqual([200, 'degraded', 'down']);
        },
        { timeout: 8000, interval: 100 },
      );
      const down = await health(sample);
      expect(down.details.alert_notifiers?.message).toMatch(/^alert notifier "webhook" failing: HTTP 500 \(\d+ failed in a row\)$/);
      expect(down.details.alert_notifiers?.notifiers).toEqual([
        expect.objectContaining({
          name: 'webhook',
          status: 'down',
          lastError: 'HTTP 500',
          consecutiveFailures: expect.any(Number),
          lastFailureAt: expect.any(String),
        }),
      ]);
      expect(webhook.received.length).toBeGreaterThan(0);

      // An app that cannot notify still serves: live and ready stay up and never list the notifier.
      const live = await health(sample, '/live');
      const ready = await health(sample, '/ready');
      expect([live.status, ready.status]).toEqual([200, 200]);
      expect(live.details.alert_notifiers).toBeUndefined();
      expect(ready.details.alert_notifiers).toBeUndefined();
      // /status (no details) calls that degraded, not unhealthy.
      expect(((await (await fetch(`${sample.url}/status`)).json()) as { status: string }).status).toBe('degraded');

      // Anonymous callers see the status and nothing else, as for every indicator.
      const anonymous = (await (await fetch(`${sample.url}/health`)).json()) as { error: Record<string, unknown> };
      expect(anonymous.error.alert_notifiers).toEqual({ status: 'down' });

      // The admin health overview carries it among its checks.
      const overview = (await (await fetch(`${sample.api}/performance/health-overview`, { headers: admin })).json()) as {
        checks: { error: Record<string, { status: string; message: string }> };
      };
      expect(overview.checks.error.alert_notifiers).toMatchObject({ status: 'down', message: expect.stringContaining('"webhook"') });

      // The endpoint comes back: the next retry gets through and the indicator is up again, by itself.
      webhook.status = 200;
      await vi.waitFor(
        async () => {
          const h = await health(sample);
          expect(h.details.alert_notifiers?.status).toBe('up');
        },
        { timeout: 15_000, interval: 100 },
      );
      const up = await health(sample);
      expect(up.details.alert_notifiers?.notifiers).toEqual([
        expect.objectContaining({ name: 'webhook', status: 'up', consecutiveFailures: 0, lastSuccessAt: expect.any(String), lastError: 'HTTP 500' }),
      ]);

      running.on = false;
      const outcomes = await during;
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.filter((o) => o.status !== 200)).toEqual([]);
    } finally {
      await sample.close();
      await webhook.close();
    }
  });
});
