import { existsSync, mkdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import * as hdr from 'hdr-histogram-js';
import { type BrowserContext } from 'playwright-core';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../apps/sample/src/sample-app';
import { AlertManager } from '../libs/performance/src/alerts/alert-manager.service';
import type { PerformanceAlert } from '../libs/performance/src/core/schemas/performance-alert';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { MetricsSnapshot } from '../libs/performance/src/monitor/metrics-snapshot';
import { TypeOrmHistoryStore, type HistoryDataSource } from '../libs/performance/src/monitor/typeorm-history.store';
import { serviceReachableSync, TEST_DATABASES } from './fixtures/database-services';
import { CHROMIUM_PATH, watchProblems, launchChromium, type TestBrowser } from './support/chromium';
import { describeWithService, SERVICE_URLS } from './support/services';
import { SAMPLE_ADMIN_TOKEN } from './support/sample-app';

/**
 * Two instances of the sample app on one PostgreSQL database, sharing the
 * history tables (`monitoring.history.store: typeorm`) in a schema of their
 * own, so no other suite sees their rows. Each gets known traffic and takes
 * a snapshot; either instance then answers for the fleet.
 */

const SCHEMA = 'fleet_e2e';
const DATABASE_URL = `${SERVICE_URLS.postgres}?options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`;
const INTERVAL_SECONDS = 600;
/** Where the screenshots of the Fleet panel go. */
const OUTPUT = join(__dirname, '..', 'test-output');
/** Milliseconds each slow request of instance B waits. */
const SLOW_MS = 40;

interface Instance {
  app: INestApplication;
  api: string;
  admin: string;
}

const headers = { authorization: `Bearer ${SAMPLE_ADMIN_TOKEN}` };

/**
 * A route beside the sample's, for latency and status the test controls:
 * `/api/v1/fleet-probe?ms=40&status=200`. Mounted before the app's router,
 * counted like any other response.
 */
function probe(req: IncomingMessage, res: ServerResponse): void {
  const q = new URL(req.url ?? '/', 'http://x').searchParams;
  setTimeout(
    () => {
      res.statusCode = Number(q.get('status') ?? 200);
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    },
    Number(q.get('ms') ?? 0),
  );
}

async function start(instanceId: string): Promise<Instance> {
  const { app } = await createSampleApp({
    adapter: 'express',
    databaseUrl: DATABASE_URL,
    adminToken: SAMPLE_ADMIN_TOKEN,
    logger: false,
    seedDocuments: 20,
    env: {
      PERFORMANCE_INSTANCE_ID: instanceId,
      PERFORMANCE_HISTORY_STORE: 'typeorm',
      METRICS_COLLECTION_INTERVAL: String(INTERVAL_SECONDS),
      ALERT_FOR_SECONDS: '0',
      TRACING_ENABLED: 'false',
    },
  });
  app.use('/api/v1/fleet-probe', probe);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const api = `http://127.0.0.1:${port}/api/v1`;
  return { app, api, admin: `${api}/performance` };
}

async function hit(url: string, times: number, status: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const res = await fetch(url);
    await res.arrayBuffer();
    expect(res.status).toBe(status);
  }
}

async function get<T>(url: string, status = 200): Promise<T> {
  const res = await fetch(url, { headers });
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(status);
  return body;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

/** One histogram (two significant digits, as snapshots store them) of every duration the encoded histograms recorded. */
function oneHistogram(encoded: string[]): hdr.Histogram {
  const all = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2, useWebAssembly: false });
  for (const text of encoded) all.add(hdr.decodeFromCompressedBase64(text, 32, false));
  return all;
}

/** Percentiles as the fleet states them: the top of each bucket, never above the slowest response (`maxMs`). */
const percentiles = (h: hdr.Histogram, maxMs: number) => ({
  p50Ms: Math.min(round2(h.getValueAtPercentile(50) / 1000), maxMs),
  p95Ms: Math.min(round2(h.getValueAtPercentile(95) / 1000), maxMs),
  p99Ms: Math.min(round2(h.getValueAtPercentile(99) / 1000), maxMs),
});

interface Snapshot {
  instanceId: string;
  timestamp: string;
  requests: number;
  errors: number;
  intervalSeconds: number;
  p50Ms: number | null;
  maxMs: number | null;
  latencyHistogram: string | null;
}

interface Totals {
  instances: number;
  snapshots: number;
  requests: number;
  errors: number;
  errorRatePercent: number;
  requestsPerSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

interface Alert {
  id: string;
  instanceId: string;
  metric: string;
  status: string;
}

interface Fleet {
  instanceId: string;
  staleAfterSeconds: number;
  instances: {
    instanceId: string;
    self: boolean;
    stale: boolean;
    ageSeconds: number | null;
    latest: (Snapshot & { latencyHistogram?: unknown }) | null;
    window: Totals;
    firingAlerts: number;
  }[];
  current: Totals;
  window: Totals;
  alerts: { firing: number; bySeverity: Record<string, number>; open: Alert[]; notListed: number };
}

const postgres = serviceReachableSync('postgres');

describeWithService('postgres', postgres, 'the fleet: two sample instances sharing the history tables on PostgreSQL', () => {
  let db: DataSource;
  let a: Instance;
  let b: Instance;
  let snapA: Snapshot;
  let snapB: Snapshot;
  /** A snapshot an instance that stopped 30 minutes ago left in the store. */
  let gone: Snapshot;

  beforeAll(async () => {
    db = new DataSource({ type: 'postgres', url: SERVICE_URLS.postgres });
    await db.initialize();
    await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await db.query(`CREATE SCHEMA ${SCHEMA}`);
    // One after the other: the first creates the sample's tables and the history tables, the second finds them.
    a = await start('fleet-a');
    b = await start('fleet-b');

    // A: 30 fast requests to the sample's /hello. B: 45 requests of 40 ms and 5 server errors.
    await hit(`${a.api}/hello`, 30, 200);
    await hit(`${b.api}/fleet-probe?ms=${SLOW_MS}`, 45, 200);
    await hit(`${b.api}/fleet-probe?status=500`, 5, 500);
    snapA = (await a.app.get(MetricsSampler).collect()) as unknown as Snapshot;
    snapB = (await b.app.get(MetricsSampler).collect()) as unknown as Snapshot;
    await a.app.get(AlertManager).flush();
    await b.app.get(AlertManager).flush();

    // What a stopped instance leaves behind: its last snapshot (7 requests of 5 ms) and an alert still firing;
    // and an alert of one gone before the window, with no snapshot in it.
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2, useWebAssembly: false });
    for (let i = 0; i < 7; i++) h.recordValue(5000 + i);
    const takenAt = Date.now() - 30 * 60_000;
    gone = {
      ...(snapA as unknown as Record<string, unknown>),
      instanceId: 'fleet-gone',
      timestamp: new Date(takenAt).toISOString(),
      intervalSeconds: 60,
      requests: 7,
      errors: 0,
      p50Ms: 5,
      maxMs: 5.01,
      latencyHistogram: hdr.encodeIntoCompressedBase64(h),
    } as Snapshot;
    await db.query(`INSERT INTO ${SCHEMA}.performance_snapshots (instance_id, taken_at, data) VALUES ($1, $2, $3)`, [
      gone.instanceId,
      takenAt,
      JSON.stringify(gone),
    ]);
    const alertRow = (id: string, instanceId: string, at: number) => [
      id,
      instanceId,
      'cpuPercent',
      'warning',
      'firing',
      at,
      at,
      JSON.stringify({
        id,
        instanceId,
        metric: 'cpuPercent',
        severity: 'warning',
        status: 'firing',
        message: 'CPU usage 91% above 80%',
        value: 91,
        threshold: 80,
        firstSeen: new Date(at).toISOString(),
        lastSeen: new Date(at).toISOString(),
        resolvedAt: null,
        count: 1,
      }),
    ];
    const insertAlert = `INSERT INTO ${SCHEMA}.performance_alerts (id, instance_id, metric, severity, status, first_seen, last_seen, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
    await db.query(insertAlert, alertRow('gone-cpu', 'fleet-gone', takenAt));
    await db.query(insertAlert, alertRow('ancient-cpu', 'fleet-ancient', Date.now() - 3 * 3_600_000));
  });

  afterAll(async () => {
    await a?.app.close();
    await b?.app.close();
    if (db?.isInitialized) {
      await db.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await db.destroy();
    }
  });

  it('each instance stored its snapshot with a histogram of every response it counted', async () => {
    expect(snapA).toMatchObject({ instanceId: 'fleet-a', requests: 30, errors: 0 });
    expect(snapB).toMatchObject({ instanceId: 'fleet-b', requests: 50, errors: 5 });
    expect(hdr.decodeFromCompressedBase64(snapA.latencyHistogram!, 32, false).totalCount).toBe(30);
    expect(hdr.decodeFromCompressedBase64(snapB.latencyHistogram!, 32, false).totalCount).toBe(50);
    // The rows are in the shared table, under each instance's id.
    const rows = (await db.query(`SELECT instance_id, COUNT(*)::int AS n FROM ${SCHEMA}.performance_snapshots GROUP BY instance_id ORDER BY instance_id`)) as {
      instance_id: string;
      n: number;
    }[];
    expect(rows).toEqual([
      { instance_id: 'fleet-a', n: 1 },
      { instance_id: 'fleet-b', n: 1 },
      { instance_id: 'fleet-gone', n: 1 },
    ]);
  });

  it('fleet totals are the sums, and the percentiles those of one histogram of every response, not an average', async () => {
    for (const instance of [a, b]) {
      const fleet = await get<Fleet>(`${instance.admin}/fleet?hours=1`);
      // Now: the latest snapshot of each instance that is not stale (A and B).
      const now = percentiles(oneHistogram([snapA.latencyHistogram!, snapB.latencyHistogram!]), Math.max(snapA.maxMs!, snapB.maxMs!));
      expect(fleet.current).toMatchObject({ instances: 2, snapshots: 2, requests: 80, errors: 5, errorRatePercent: 6.25, ...now });
      expect(fleet.current.maxMs).toBe(Math.max(snapA.maxMs!, snapB.maxMs!));
      expect(fleet.current.requestsPerSecond).toBeCloseTo(30 / snapA.intervalSeconds + 50 / snapB.intervalSeconds, 1);

      // Merged, not averaged: 45 of the 80 responses took 40 ms or more, so the fleet's median is one of them,
      // while the mean of the two medians falls between A's 1 ms and B's 40 ms, where no response was.
      // The histograms keep two significant digits: a 40 ms response may read up to 1 % lower.
      const slowFloor = SLOW_MS * 0.99;
      expect(fleet.current.p50Ms).toBeGreaterThanOrEqual(slowFloor);
      expect((snapA.p50Ms! + snapB.p50Ms!) / 2).toBeLessThan(slowFloor);

      // The window: every snapshot of the last hour, the stopped instance's included.
      const all = percentiles(
        oneHistogram([snapA.latencyHistogram!, snapB.latencyHistogram!, gone.latencyHistogram!]),
        Math.max(snapA.maxMs!, snapB.maxMs!, gone.maxMs!),
      );
      expect(fleet.window).toMatchObject({ instances: 3, snapshots: 3, requests: 87, errors: 5, errorRatePercent: round2((5 / 87) * 100), ...all });
    }
  });

  it('lists every instance with its latest snapshot and age, the one answering first, the stopped one marked stale', async () => {
    const fleet = await get<Fleet>(`${b.admin}/fleet`);
    expect(fleet.instanceId).toBe('fleet-b');
    expect(fleet.staleAfterSeconds).toBe(INTERVAL_SECONDS * 2 + 5);
    expect(fleet.instances.map((i) => [i.instanceId, i.self, i.stale])).toEqual([
      ['fleet-b', true, false],
      ['fleet-a', false, false],
      ['fleet-gone', false, true],
    ]);
    const [rowB, rowA, rowGone] = fleet.instances;
    expect(rowA!.latest).toMatchObject({ instanceId: 'fleet-a', timestamp: snapA.timestamp, requests: 30, errors: 0 });
    expect(rowB!.latest).toMatchObject({ instanceId: 'fleet-b', timestamp: snapB.timestamp, requests: 50, errors: 5 });
    // The row shows the figures, not the encoded histogram.
    expect(rowA!.latest).not.toHaveProperty('latencyHistogram');
    expect(rowA!.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(rowA!.ageSeconds).toBeLessThan(INTERVAL_SECONDS);
    expect(rowGone!.ageSeconds).toBeGreaterThanOrEqual(30 * 60 - 1);
    expect(rowA!.window).toMatchObject({ instances: 1, requests: 30, errors: 0, ...percentiles(oneHistogram([snapA.latencyHistogram!]), snapA.maxMs!) });
    expect(rowB!.window).toMatchObject({
      instances: 1,
      requests: 50,
      errors: 5,
      errorRatePercent: 10,
      ...percentiles(oneHistogram([snapB.latencyHistogram!]), snapB.maxMs!),
    });
    expect(rowGone!.window).toMatchObject({ requests: 7 });
  });

  it('open alerts are listed per instance and for the fleet, each naming its instance', async () => {
    const fleet = await get<Fleet>(`${a.admin}/fleet`);
    const byInstance = (id: string) => fleet.alerts.open.filter((x) => x.instanceId === id);
    // B's error rate (10 %) is over the critical level (5 %): its alert fired with the snapshot.
    expect(byInstance('fleet-b').map((x) => x.metric)).toContain('errorRatePercent');
    expect(byInstance('fleet-a').map((x) => x.metric)).not.toContain('errorRatePercent');
    expect(byInstance('fleet-gone').map((x) => x.id)).toEqual(['gone-cpu']);
    for (const x of fleet.alerts.open) expect(x.status).toBe('firing');
    // Each row counts its own; the fleet counts them all; the instance gone before the window is not listed.
    for (const row of fleet.instances) expect(row.firingAlerts).toBe(byInstance(row.instanceId).length);
    expect(fleet.alerts.firing).toBe(fleet.alerts.open.length);
    expect(fleet.alerts.open.some((x) => x.instanceId === 'fleet-ancient')).toBe(false);
    expect(fleet.alerts.notListed).toBe(1);
    expect(Object.values(fleet.alerts.bySeverity).reduce((s, n) => s + n, 0)).toBe(fleet.alerts.firing);
    // The same alerts as each instance's own list.
    const ownB = await get<{ alerts: Alert[] }>(`${b.admin}/alerts?hours=1`);
    expect(
      ownB.alerts
        .filter((x) => x.status === 'firing')
        .map((x) => x.id)
        .sort(),
    ).toEqual(
      byInstance('fleet-b')
        .map((x) => x.id)
        .sort(),
    );
  });

  describeWithService('chromium', existsSync(CHROMIUM_PATH), 'the dashboard of either instance (headless Chromium)', () => {
    let context: BrowserContext;
    let browser: TestBrowser | undefined;

    beforeAll(async () => {
      browser = await launchChromium('fleet-dashboard');
      context = browser.context;
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('shows the Fleet panel: a row per instance (stale marked), the fleet totals, the open alerts, and a selector that charts one instance', async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width: 1400, height: 1000 });
      const problems = watchProblems(page);
      await page.goto(`${a.admin}/dashboard`);
      await page.fill('#token-input', SAMPLE_ADMIN_TOKEN);
      await page.click('#signin button[type="submit"]');
      await page.waitForSelector('html[data-ready="true"]', { timeout: 15_000 });
      await page.waitForSelector('#fleet-section:not([hidden]) #fleet tbody tr');

      const rows = await page.$$eval('#fleet tbody tr', (trs) =>
        trs.map((tr) => ({
          id: tr.getAttribute('data-instance'),
          stale: tr.classList.contains('stale'),
          requests: tr.querySelector('[data-col="requests"]')!.textContent,
          errors: tr.querySelector('[data-col="errors"]')!.textContent,
        })),
      );
      expect(rows).toEqual([
        { id: 'fleet-a', stale: false, requests: '30', errors: '0' },
        { id: 'fleet-b', stale: false, requests: '50', errors: '5 (10%)' },
        { id: 'fleet-gone', stale: true, requests: '7', errors: '0' },
      ]);
      const fleet = await get<Fleet>(`${a.admin}/fleet`);
      const total = await page.$eval('#fleet tfoot tr', (tr) => ({
        requests: tr.querySelector('[data-col="requests"]')!.textContent,
        p95: tr.querySelector('[data-col="p95"]')!.textContent,
      }));
      expect(total.requests).toBe('87');
      expect(total.p95).toMatch(/^[\d.]+ ms$/);
      expect(parseFloat(total.p95!)).toBeCloseTo(fleet.window.p95Ms!, 0);
      expect(await page.textContent('#fleet-summary')).toMatch(
        /^Now: 2 live instances, .* req\/s, p95 .* ms · last 1 hour · to \d\d:\d\d:\d\d: 87 requests, 5 errors/,
      );
      const alertInstances = await page.$$eval('#fleet-alerts [data-alert]', (items) => items.map((i) => i.getAttribute('data-instance')));
      expect(alertInstances.sort()).toEqual(fleet.alerts.open.map((x) => x.instanceId).sort());
      expect(alertInstances).toContain('fleet-b');

      // The selector charts another instance: History asks for its snapshots.
      const options = await page.$$eval('#fleet-instance option', (os) => os.map((o) => [o.getAttribute('value'), o.textContent]));
      expect(options).toEqual([
        ['', 'fleet-a (this one)'],
        ['fleet-b', 'fleet-b'],
        ['fleet-gone', 'fleet-gone (stale)'],
      ]);
      const asked = page.waitForResponse((r) => r.url().includes('metrics/history') && r.url().includes('instance=fleet-b'));
      await page.selectOption('#fleet-instance', 'fleet-b');
      expect((await asked).status()).toBe(200);

      // Screenshots of the panel at 1400 px and 420 px (test-output/), and no sideways scroll on a phone.
      mkdirSync(OUTPUT, { recursive: true });
      await page.locator('#fleet-section').screenshot({ path: join(OUTPUT, 'fleet-1400.png') });
      await page.setViewportSize({ width: 420, height: 900 });
      await page.waitForTimeout(300);
      const width = await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })');
      expect((width as { scroll: number; client: number }).scroll).toBeLessThanOrEqual((width as { scroll: number; client: number }).client);
      await page.locator('#fleet-section').screenshot({ path: join(OUTPUT, 'fleet-420.png') });
      expect(problems).toEqual([]);
      await page.close();
    });
  });

  it('history charts one instance with instance=<id>; an unknown one is a 400 naming it', async () => {
    const own = await get<{ points: { requests: number | null }[] }>(`${a.admin}/metrics/history?hours=1`);
    expect(own.points.map((p) => p.requests)).toEqual([30]);
    const other = await get<{ points: { requests: number | null; errors: number | null }[] }>(`${a.admin}/metrics/history?hours=1&instance=fleet-b`);
    expect(other.points.map((p) => [p.requests, p.errors])).toEqual([[50, 5]]);
    const self = await get<{ points: unknown[] }>(`${b.admin}/metrics/history?hours=1&instance=fleet-b`);
    expect(self.points).toHaveLength(1);

    const unknown = await get<{ message: string }>(`${a.admin}/metrics/history?hours=1&instance=fleet-nobody`, 400);
    expect(unknown.message).toContain('"fleet-nobody"');
    expect(unknown.message).toContain('"fleet-a"');
    for (const bad of ['instance=', `instance=${'x'.repeat(129)}`, 'instance=a&instance=b']) {
      const res = await fetch(`${a.admin}/metrics/history?${bad}`, { headers });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/instance/);
    }
    for (const bad of ['hours=0', 'hours=25', 'hours=x', 'instance=fleet-b']) {
      const res = await fetch(`${a.admin}/fleet?${bad}`, { headers });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(bad.split('=')[0]!);
    }
  });

  it('answers 503 without a word of the database error while the history store fails, recovers, and counts the next snapshot', async () => {
    await db.query(`ALTER TABLE ${SCHEMA}.performance_snapshots RENAME TO performance_snapshots_away`);
    try {
      for (const path of ['fleet', 'metrics/history?instance=fleet-b']) {
        const res = await fetch(`${a.admin}/${path}`, { headers });
        const text = await res.text();
        expect(res.status, path).toBe(503);
        expect(text).toContain('the history store did not answer');
        expect(text).not.toMatch(/relation|performance_snapshots|does not exist/);
      }
    } finally {
      await db.query(`ALTER TABLE ${SCHEMA}.performance_snapshots_away RENAME TO performance_snapshots`);
    }
    expect((await get<Fleet>(`${a.admin}/fleet`)).window.requests).toBe(87);

    // A new snapshot counts at once (the totals are computed again, not reused).
    await hit(`${a.api}/hello`, 3, 200);
    await a.app.get(MetricsSampler).collect();
    const after = await get<Fleet>(`${a.admin}/fleet`);
    expect(after.window.requests).toBe(90);
    expect(after.current.requests).toBe(53);
    expect(after.instances.find((i) => i.instanceId === 'fleet-a')!.window).toMatchObject({ snapshots: 2, requests: 33 });
  });
});

/** Snapshot and alert rows as the stores write them, for the store-level checks. */
const storeSnapshot = (instanceId: string, atMs: number, requests: number): MetricsSnapshot =>
  ({
    instanceId,
    timestamp: new Date(atMs).toISOString(),
    intervalSeconds: 60,
    requests,
    errors: 0,
    maxMs: 1,
    latencyHistogram: null,
  }) as unknown as MetricsSnapshot;
const storeAlert = (id: string, instanceId: string, status: 'firing' | 'resolved', atMs: number): PerformanceAlert =>
  ({
    id,
    instanceId,
    metric: 'cpuPercent',
    severity: 'warning',
    status,
    message: 'CPU usage 91% above 80%',
    value: 91,
    threshold: 80,
    firstSeen: new Date(atMs).toISOString(),
    lastSeen: new Date(atMs).toISOString(),
    resolvedAt: status === 'resolved' ? new Date(atMs).toISOString() : null,
    count: 1,
  }) as unknown as PerformanceAlert;

/** Where each database keeps this suite's tables: its own schema (PostgreSQL) or database (MariaDB). */
async function storeDataSource(name: (typeof TEST_DATABASES)[number]['name']): Promise<{ ds: DataSource; drop(): Promise<void> }> {
  if (name === 'sqlite') {
    const ds = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
    return { ds, drop: () => ds.destroy() };
  }
  const server = name === 'postgres' ? SERVICE_URLS.postgres : SERVICE_URLS.mysql;
  const admin = await new DataSource({ type: name, url: server }).initialize();
  const own = 'fleet_store_e2e';
  await admin.query(name === 'postgres' ? `DROP SCHEMA IF EXISTS ${own} CASCADE` : `DROP DATABASE IF EXISTS ${own}`);
  await admin.query(name === 'postgres' ? `CREATE SCHEMA ${own}` : `CREATE DATABASE ${own}`);
  const url = new URL(server);
  if (name === 'postgres') url.searchParams.set('options', `-c search_path=${own}`);
  else url.pathname = `/${own}`;
  const ds = await new DataSource({ type: name, url: url.href }).initialize();
  return {
    ds,
    drop: async () => {
      await ds.destroy();
      await admin.query(name === 'postgres' ? `DROP SCHEMA IF EXISTS ${own} CASCADE` : `DROP DATABASE IF EXISTS ${own}`);
      await admin.destroy();
    },
  };
}

describe.each(TEST_DATABASES)('the typeorm history store answers for the fleet ($name)', ({ name, service, available }) => {
  describeWithService(service, available, `latest snapshot per instance, open alerts, pruning (${name})`, () => {
    let handle: Awaited<ReturnType<typeof storeDataSource>>;
    let store: TypeOrmHistoryStore;
    const now = Date.now();

    beforeAll(async () => {
      handle = await storeDataSource(name);
      store = new TypeOrmHistoryStore(handle.ds as unknown as HistoryDataSource, true);
      await store.init();
      await store.append(storeSnapshot('a', now - 3 * 60_000, 1));
      await store.append(storeSnapshot('b', now - 2 * 60_000, 2));
      await store.append(storeSnapshot('a', now - 60_000, 3));
      await store.append(storeSnapshot('old', now - 40 * 86_400_000, 4));
      await store.saveAlert(storeAlert('a-firing', 'a', 'firing', now - 60_000));
      await store.saveAlert(storeAlert('b-resolved', 'b', 'resolved', now - 60_000));
      await store.saveAlert(storeAlert('old-firing', 'old', 'firing', now - 40 * 86_400_000));
    });
    afterAll(() => handle?.drop());

    it('reads the latest snapshot of each instance since a time, and the firing alerts of every instance', async () => {
      const latest = await store.latestSnapshots(now - 3_600_000);
      expect(latest.map((s) => [s.instanceId, s.requests]).sort()).toEqual([
        ['a', 3],
        ['b', 2],
      ]);
      expect((await store.latestSnapshots(0)).map((s) => s.instanceId).sort()).toEqual(['a', 'b', 'old']);
      expect((await store.openAlerts()).map((a) => a.id).sort()).toEqual(['a-firing', 'old-firing']);
    });

    it('prunes the firing alerts of an instance once none of its snapshots is left, and keeps those of live instances', async () => {
      await store.prune(now - 30 * 86_400_000);
      expect((await store.latestSnapshots(0)).map((s) => s.instanceId).sort()).toEqual(['a', 'b']);
      expect((await store.openAlerts()).map((a) => a.id)).toEqual(['a-firing']);
    });
  });
});
