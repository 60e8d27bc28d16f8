import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsFiringSource, NPlusOneSource, PoolStatsSource } from 'nestjs-performance';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { parsePrometheusText, sampleValue, seriesOf } from './fixtures/observability-prometheus-text';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const TOKEN = 'metrics-admin-token-0123456789';

async function scrape(running: RunningApp, path = '/metrics') {
  const res = await fetch(running.url + path);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

/** Sends `count` requests, `concurrency` at a time, and drains each body. */
async function send(url: string, count: number, init?: RequestInit, concurrency = 20): Promise<number[]> {
  const statuses: number[] = [];
  for (let done = 0; done < count; done += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, count - done) }, async () => {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      return res.status;
    });
    statuses.push(...(await Promise.all(batch)));
  }
  return statuses;
}

describe.each(ADAPTERS)('Prometheus metrics on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(observabilityFixture(), adapter, (app) => {
      app.setGlobalPrefix('api/v1');
    });
  });
  afterAll(() => running?.close());

  it('count every request exactly, by method, route template and status, in counter and histogram', async () => {
    const plan: [string, string, number, number][] = [
      ['GET', '/api/v1/obs/ok', 200, 37],
      ['GET', '/api/v1/obs/items/a1', 200, 11],
      ['GET', '/api/v1/obs/items/b2', 200, 12],
      ['POST', '/api/v1/obs/items', 201, 9],
      ['GET', '/api/v1/obs/bad', 400, 7],
      ['GET', '/api/v1/obs/boom', 500, 5],
    ];
    for (const [method, path, status, count] of plan) {
      expect(await send(running.url + path, count, { method })).toEqual(Array(count).fill(status));
    }
    const families = await scrape(running);
    const expected: [string, string, string, number][] = [
      ['GET', '/api/v1/obs/ok', '200', 37],
      ['GET', '/api/v1/obs/items/:id', '200', 23],
      ['POST', '/api/v1/obs/items', '201', 9],
      ['GET', '/api/v1/obs/bad', '400', 7],
      ['GET', '/api/v1/obs/boom', '500', 5],
    ];
    for (const [method, route, status_code, count] of expected) {
      const labels = { method, route, status_code };
      expect(sampleValue(families, 'http_requests_total', 'http_requests_total', labels)).toBe(count);
      expect(sampleValue(families, 'http_request_duration_seconds', 'http_request_duration_seconds_count', labels)).toBe(count);
      expect(sampleValue(families, 'http_request_duration_seconds', 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(count);
    }
    // Nothing else was counted: the scrape in progress is not in its own output.
    expect(seriesOf(families, 'http_requests_total')).toHaveLength(expected.length);
    expect(families.get('http_requests_total')!.type).toBe('counter');
    expect(families.get('http_request_duration_seconds')!.type).toBe('histogram');
  });

  it('put a slow request in the right buckets', async () => {
    await send(`${running.url}/api/v1/obs/slow`, 3);
    const families = await scrape(running);
    const labels = { method: 'GET', route: '/api/v1/obs/slow', status_code: '200' };
    const bucket = (le: string) => sampleValue(families, 'http_request_duration_seconds', 'http_request_duration_seconds_bucket', { ...labels, le });
    expect(bucket('0.025')).toBe(0);
    expect(bucket('10')).toBe(3);
    expect(sampleValue(families, 'http_request_duration_seconds', 'http_request_duration_seconds_sum', labels)).toBeGreaterThanOrEqual(0.087); // 3 x 30 ms; Node timers may fire up to 1 ms early
  });

  it('collapse 10,000 random unknown paths into one series', async () => {
    const paths = Array.from({ length: 10_000 }, (_, i) => `/scan/${i}-${Math.random().toString(36).slice(2)}`);
    let i = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (i < paths.length) {
          const res = await fetch(running.url + paths[i++]!);
          await res.arrayBuffer();
        }
      }),
    );
    const families = await scrape(running);
    const unmatched = { method: 'GET', route: '<unmatched>', status_code: '404' };
    expect(sampleValue(families, 'http_requests_total', 'http_requests_total', unmatched)).toBe(10_000);
    const routes = new Set(seriesOf(families, 'http_requests_total').map((s) => s.route));
    expect([...routes].sort()).toEqual(
      [
        '/api/v1/obs/ok',
        '/api/v1/obs/items/:id',
        '/api/v1/obs/items',
        '/api/v1/obs/bad',
        '/api/v1/obs/boom',
        '/api/v1/obs/slow',
        '/metrics',
        '<unmatched>',
      ].sort(),
    );
    expect(seriesOf(families, 'http_request_duration_seconds').length).toBeLessThanOrEqual(10);
  }, 120_000);

  it('report requests in flight while they run', async () => {
    const slow = Promise.all(Array.from({ length: 4 }, () => fetch(`${running.url}/api/v1/obs/slow`).then((r) => r.arrayBuffer())));
    await new Promise((r) => setTimeout(r, 10));
    const during = await scrape(running);
    await slow;
    const after = await scrape(running);
    // The scrape itself is one request in flight.
    expect(sampleValue(during, 'http_requests_in_flight', 'http_requests_in_flight')).toBe(5);
    expect(sampleValue(after, 'http_requests_in_flight', 'http_requests_in_flight')).toBe(1);
  });

  it('leave out a request whose client went away, and take it out of flight', async () => {
    const labels = { method: 'GET', route: '/api/v1/obs/slow', status_code: '200' };
    const before = sampleValue(await scrape(running), 'http_requests_total', 'http_requests_total', labels) ?? 0;
    // Three requests on their own connections, each dropped 10 ms into the handler's 30 ms.
    const dropped = Array.from({ length: 3 }, async () => {
      const socket = connect(Number(new URL(running.url).port), '127.0.0.1');
      socket.write('GET /api/v1/obs/slow HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await new Promise((r) => setTimeout(r, 10));
      socket.destroy();
    });
    await Promise.all(dropped);
    await new Promise((r) => setTimeout(r, 60)); // the handlers finish writing to closed sockets
    const after = await scrape(running);
    expect(sampleValue(after, 'http_requests_in_flight', 'http_requests_in_flight')).toBe(1); // the scrape
    expect(sampleValue(after, 'http_requests_total', 'http_requests_total', labels) ?? 0).toBe(before);
  });

  it('count each of several requests pipelined on one connection', async () => {
    const labels = { method: 'GET', route: '/api/v1/obs/ok', status_code: '200' };
    const before = sampleValue(await scrape(running), 'http_requests_total', 'http_requests_total', labels) ?? 0;
    const socket = connect(Number(new URL(running.url).port), '127.0.0.1');
    let received = '';
    const three = new Promise<void>((resolve) =>
      socket.on('data', (chunk) => {
        received += chunk.toString('latin1');
        if ((received.match(/HTTP\/1\.1 200/g) ?? []).length === 3) resolve();
      }),
    );
    socket.write('GET /api/v1/obs/ok HTTP/1.1\r\nHost: localhost\r\n\r\n'.repeat(3));
    await three;
    socket.destroy();
    const after = await scrape(running);
    expect(sampleValue(after, 'http_requests_total', 'http_requests_total', labels)).toBe(before + 3);
    expect(sampleValue(after, 'http_requests_in_flight', 'http_requests_in_flight')).toBe(1);
  });

  it('include the default process metrics, and are not in the global registry', async () => {
    const families = await scrape(running);
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    const { register } = await import('prom-client');
    expect(register.getSingleMetric('http_requests_total')).toBeUndefined();
  });

  it('stay at the server root, outside the global prefix', async () => {
    const res = await fetch(`${running.url}/api/v1/metrics`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});

describe.each(ADAPTERS)('the metrics endpoint options on %s', (adapter) => {
  it('moves to METRICS_ENDPOINT and, with requireAdmin, answers 401 without the admin token', async () => {
    const running = await startApp(observabilityFixture({ metrics: { endpoint: '/internal/prom', requireAdmin: true }, admin: { token: TOKEN } }), adapter);
    try {
      const anonymous = await fetch(`${running.url}/internal/prom`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.text()).not.toContain('http_requests_total');
      const wrong = await fetch(`${running.url}/internal/prom`, { headers: { authorization: 'Bearer wrong-token-0123456789' } });
      expect(wrong.status).toBe(401);
      await wrong.arrayBuffer();
      const admin = await fetch(`${running.url}/internal/prom`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(admin.status).toBe(200);
      expect(parsePrometheusText(await admin.text()).has('http_requests_total')).toBe(true);
      const old = await fetch(`${running.url}/metrics`);
      expect(old.status).toBe(404);
      await old.arrayBuffer();
    } finally {
      await running.close();
    }
  });

  it('mounts nothing with metrics.enabled false', async () => {
    const running = await startApp(observabilityFixture({ metrics: { enabled: false } }), adapter);
    try {
      const res = await fetch(`${running.url}/metrics`);
      expect(res.status).toBe(404);
      await res.arrayBuffer();
    } finally {
      await running.close();
    }
  });
});

describe('gauges from sources the app registers in its own module', () => {
  it("reads the app's pool, N+1 and alert sources at scrape time, beside the module's own", async () => {
    let waiting = 1;
    const running = await startApp(
      observabilityFixture(
        {},
        {
          providers: [
            {
              provide: PoolStatsSource,
              useValue: { pools: () => [{ name: 'reporting', total: 5, idle: 2, waiting, max: 10 }] },
            },
            { provide: NPlusOneSource, useValue: { nPlusOneFindings: () => 4 } },
            { provide: AlertsFiringSource, useValue: { firingBySeverity: () => ({ critical: 1, warning: 2 }) } },
          ],
        },
      ),
      'express',
    );
    try {
      let families = await scrape(running);
      const pool = (state: string) => sampleValue(families, 'db_pool_connections', 'db_pool_connections', { pool: 'reporting', state });
      expect([pool('open'), pool('idle'), pool('busy'), pool('max')]).toEqual([5, 2, 3, 10]);
      expect(sampleValue(families, 'db_pool_waiting_requests', 'db_pool_waiting_requests', { pool: 'reporting' })).toBe(1);
      expect(sampleValue(families, 'db_n_plus_one_findings_total', 'db_n_plus_one_findings_total')).toBe(4);
      expect(sampleValue(families, 'performance_alerts_firing', 'performance_alerts_firing', { severity: 'critical' })).toBe(1);
      expect(sampleValue(families, 'performance_alerts_firing', 'performance_alerts_firing', { severity: 'warning' })).toBe(2);
      waiting = 6;
      families = await scrape(running);
      expect(sampleValue(families, 'db_pool_waiting_requests', 'db_pool_waiting_requests', { pool: 'reporting' })).toBe(6);
    } finally {
      await running.close();
    }
  });
});
