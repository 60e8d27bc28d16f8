import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseCache } from 'nestjs-performance';
import { type BrowserContext, chromium } from 'playwright-core';
import { DataSource } from 'typeorm';
import { type INestApplication, VersioningType } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECURITY_TOKEN, QUERY_CACHE_REDIS_DB, adminSecurityFixture } from './fixtures/admin-security-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';
import { CHROMIUM_PATH } from './support/chromium';
import { describeWithService, SERVICE_URLS } from './support/services';

/**
 * The admin API as an attacker or a careless client would use it: cache/clear
 * with malformed, unknown or missing parameters changes nothing; every
 * namespace cache-stats lists can be cleared or says why not; the dashboard
 * shell and the OpenAPI document take nothing from the request line; every
 * admin answer, errors included, says Cache-Control: no-store.
 */

const admin = { authorization: `Bearer ${ADMIN_SECURITY_TOKEN}` };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with node:http, so the request target and Host are sent exactly as given (absolute form included). */
function send(port: number, method: string, target: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: target, headers, setHost: !('host' in headers) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const message = (answer: Answer): string => (JSON.parse(answer.body) as { message: string }).message;

describe.each(ADAPTERS)('admin API security (%s)', (adapter) => {
  let running: RunningApp;
  let port: number;
  const get = (path: string, headers: Record<string, string> = {}) => send(port, 'GET', `/api/v1/${path}`, headers);
  const post = (path: string, headers: Record<string, string> = {}, body?: string) => send(port, 'POST', `/api/v1/${path}`, headers, body);
  const xCache = async (path: string) => (await get(path)).headers['x-cache'];
  /** The item count as the cached query returns it. */
  const cachedItems = async () => (JSON.parse((await get('c/items')).body) as { items: number }).items;
  const stats = async () =>
    JSON.parse((await get('performance/cache-stats', admin)).body) as {
      namespaces: Record<string, { hits: number; clearable: boolean; notClearableReason?: string }>;
      knownNamespaces: string[];
    };

  const reportRun = async () => (JSON.parse((await get('c/report')).body) as { run: number }).run;

  /** Fills alpha, beta, reports and the query cache, and checks each is served from its cache; the run of the cached report. */
  async function warm(): Promise<number> {
    await get('c/alpha');
    await get('c/beta');
    const run = await reportRun();
    const items = await cachedItems();
    await post('c/items');
    expect(await xCache('c/alpha')).toBe('HIT');
    expect(await xCache('c/beta')).toBe('HIT');
    expect(await reportRun()).toBe(run);
    expect(await cachedItems()).toBe(items);
    return run;
  }

  /**
   * Whether what warm() filled is still served from its cache: the response
   * cache by X-Cache, the method cache by the report's run, the query cache
   * by a count that ignores the rows added since.
   */
  async function stillCached(warmRun: number): Promise<{ alpha: unknown; beta: unknown; reportKept: boolean; queryCacheKept: boolean }> {
    const run = await reportRun();
    const cached = await cachedItems();
    const real = (JSON.parse((await post('c/items')).body) as { id: number }).id - 1;
    return { alpha: await xCache('c/alpha'), beta: await xCache('c/beta'), reportKept: run === warmRun, queryCacheKept: cached < real };
  }

  beforeAll(async () => {
    running = await startApp(adminSecurityFixture(), adapter, (app) => {
      app.setGlobalPrefix('api/v1');
    });
    port = (running.app.getHttpServer().address() as AddressInfo).port;
    await post('c/items');
  });
  afterAll(() => running?.close());

  // First: the OpenAPI document is built on its first request, which here comes in absolute form with a forged Host.
  it('builds openapi.json from configuration: an absolute-form target or a forged Host on the first request never becomes a server', async () => {
    const first = await send(port, 'GET', 'http://evil.example/api/v1/performance/openapi.json', { ...admin, host: 'evil.example' });
    const forwarded = await get('performance/openapi.json', { ...admin, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    const plain = await get('performance/openapi.json', admin);
    expect(plain.status).toBe(200);
    for (const answer of [first, forwarded, plain]) {
      expect(answer.body).not.toContain('evil.example');
      if (answer.status === 200) expect((JSON.parse(answer.body) as { servers: unknown }).servers).toEqual([{ url: '/api/v1' }]);
    }
    // Express routes an absolute-form target by its path; the document it answers is the configured one.
    if (adapter === 'express') expect(first.status).toBe(200);
    expect(Object.keys((JSON.parse(plain.body) as { paths: object }).paths)).toContain('/performance/cache/clear');
  });

  it('serves the dashboard shell with API and asset URLs from configuration, whatever the request line says', async () => {
    const html = { accept: 'text/html' };
    const targets: [string, Record<string, string>][] = [
      ['http://evil.example/api/v1/performance/dashboard', { ...html, host: 'evil.example' }],
      ['http://evil.example/api/v1/performance/dashboard/', { ...html, host: 'evil.example' }],
      ['/api/v1/performance/dashboard', { ...html, host: 'evil.example', 'x-forwarded-host': 'evil.example' }],
      ['/api/v1/performance/dashboard/', html],
      ['//evil.example/api/v1/performance/dashboard', html],
    ];
    let served = 0;
    for (const [target, headers] of targets) {
      const page = await send(port, 'GET', target, headers);
      // Not served (the framework's own 404 for a path it does not route): no page to look at.
      if (page.status !== 200) continue;
      served++;
      expect(page.body, target).not.toMatch(/evil\.example/i);
      expect(page.body, target).toContain('data-api="/api/v1/performance"');
      const urls = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:') && !u.startsWith('#'));
      expect(urls, target).toHaveLength(4);
      for (const url of urls) expect(url, target).toMatch(/^\/api\/v1\/performance\/dashboard\/assets\/[\w.]+\?v=[0-9a-f]{16}$/);
    }
    // Both adapters serve the plain path; Express also the absolute form and the trailing slash.
    expect(served).toBeGreaterThanOrEqual(adapter === 'express' ? 4 : 2);
  });

  it('points the page at the real routes when its URL is in another case (Express routes case-insensitively)', async () => {
    const page = await send(port, 'GET', '/API/V1/PERFORMANCE/DASHBOARD', { accept: 'text/html' });
    if (adapter === 'fastify') {
      expect(page.status).toBe(404); // Fastify routes by case: nothing served, nothing to point anywhere
      return;
    }
    expect(page.status).toBe(200);
    const apiBase = /data-api="([^"]+)"/.exec(page.body)![1]!;
    expect(apiBase).toBe('/api/v1/performance');
    // What the page's script calls: `${data-api}/<endpoint>`, and its assets.
    expect((await send(port, 'GET', `${apiBase}/metrics/current`, admin)).status).toBe(200);
    expect((await send(port, 'GET', `${apiBase}/cache-stats`, admin)).status).toBe(200);
    for (const [, url] of page.body.matchAll(/(?:src|href)="(\/[^"]+)"/g)) expect((await send(port, 'GET', url!)).status).toBe(200);
  });

  it('refuses cache/clear with unknown, malformed, missing or conflicting parameters, naming them, and clears nothing', async () => {
    const warmRun = await warm();
    const cases: [query: string, names: RegExp][] = [
      ['', /namespace=.*all=true/],
      ['namespace[x]=1', /"namespace\[x\]"/],
      ['namespace[]=alpha', /"namespace\[\]"/],
      ['namespace=', /\bnamespace\b.*empty/],
      ['namespace=alpha&namespace=beta', /\bnamespace\b.*once/],
      ['foo=1', /"foo"/],
      ['namespace=alpha&foo=1', /"foo"/],
      ['Namespace=alpha', /"Namespace"/],
      ['namespace=gamma', /namespace "gamma" is unknown; known namespaces: alpha, beta, .*reports.*typeorm\.default/],
      ['namespace=%3Cother%3E', /\bnamespace\b/],
      ['namespace=..%2F..%2Falpha', /\bnamespace\b/],
      ['all=1', /\ball\b.*"true"/],
      ['all=false', /\ball\b/],
      ['all=', /\ball\b/],
      ['all=TRUE', /\ball\b/],
      ['all=true&all=true', /\ball\b.*once/],
      ['all[x]=true', /"all\[x\]"/],
      ['all=true&namespace=alpha', /either namespace=<name> or all=true, not both/],
      ['all=true&foo=1', /"foo"/],
    ];
    const problems: string[] = [];
    for (const [query, names] of cases) {
      const answer = await post(`performance/cache/clear${query ? `?${query}` : ''}`, admin);
      if (answer.status !== 400) problems.push(`${query}: ${answer.status}`);
      else if (!names.test(message(answer))) problems.push(`${query}: message ${JSON.stringify(message(answer))}`);
    }
    // A body is not where the parameters go, and never means "everything".
    const withBody = await post('performance/cache/clear', { ...admin, 'content-type': 'application/json' }, JSON.stringify({ namespace: 'alpha' }));
    if (withBody.status !== 400 || !/no body.*"namespace"/.test(message(withBody))) problems.push(`body: ${withBody.status} ${withBody.body}`);
    expect(problems).toEqual([]);
    expect(await stillCached(warmRun)).toEqual({ alpha: 'HIT', beta: 'HIT', reportKept: true, queryCacheKept: true });
  });

  it('clears one namespace, leaving the others', async () => {
    const warmRun = await warm();
    const answer = await post('performance/cache/clear?namespace=alpha', admin);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ cleared: 'alpha', removed: 1, queryCaches: [] });
    expect(await stillCached(warmRun)).toEqual({ alpha: 'MISS', beta: 'HIT', reportKept: true, queryCacheKept: true });
  });

  it("clears TypeORM's query result cache as typeorm.default, leaving the response cache", async () => {
    const warmRun = await warm();
    expect((await stats()).namespaces['typeorm.default']).toMatchObject({ clearable: true });
    const answer = await post('performance/cache/clear?namespace=typeorm.default', admin);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ cleared: 'typeorm.default', removed: 0, queryCaches: ['typeorm.default'] });
    expect(await stillCached(warmRun)).toEqual({ alpha: 'HIT', beta: 'HIT', reportKept: true, queryCacheKept: false });
  });

  it('clears everything with all=true: every namespace and the query result cache', async () => {
    const warmRun = await warm();
    const answer = await post('performance/cache/clear?all=true', admin);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ cleared: '*', removed: 3, queryCaches: ['typeorm.default'] });
    expect(await stillCached(warmRun)).toEqual({ alpha: 'MISS', beta: 'MISS', reportKept: false, queryCacheKept: false });
  });

  it('lists every namespace in cache-stats as clearable, and clears each one it lists', async () => {
    await warm();
    const { namespaces, knownNamespaces } = await stats();
    expect(Object.keys(namespaces)).toEqual(expect.arrayContaining(['alpha', 'beta', 'reports', 'typeorm.default']));
    expect(knownNamespaces).toEqual(expect.arrayContaining(['alpha', 'beta', 'reports']));
    const wrong: string[] = [];
    for (const [name, counters] of Object.entries(namespaces)) {
      if (counters.clearable !== true || 'notClearableReason' in counters) wrong.push(`${name}: ${JSON.stringify(counters)}`);
      const answer = await post(`performance/cache/clear?namespace=${encodeURIComponent(name)}`, admin);
      if (answer.status !== 200) wrong.push(`${name}: ${answer.status} ${answer.body}`);
    }
    expect(wrong).toEqual([]);
  });

  it('refuses unknown or repeated query parameters and unexpected bodies on every admin route, changing nothing', async () => {
    const doc = JSON.parse((await get('performance/openapi.json', admin)).body) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    const problems: string[] = [];
    let routes = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) {
        routes++;
        const target = `/api/v1${path.replace('{id}', 'missing-index-000000000000').replace('{name}', 'nightly')}`;
        const unknown = await send(port, method.toUpperCase(), `${target}?zzz=1`, admin);
        if (unknown.status !== 400 || !message(unknown).includes('"zzz"')) {
          problems.push(`${method} ${path} ?zzz=1: ${unknown.status} ${unknown.body.slice(0, 120)}`);
        }
        for (const p of (op.parameters ?? []).filter((q) => q.in === 'query')) {
          const twice = await send(port, method.toUpperCase(), `${target}?${p.name}=1&${p.name}=2`, admin);
          if (twice.status !== 400 || !message(twice).includes(p.name)) problems.push(`${method} ${path} ${p.name} twice: ${twice.status}`);
        }
        if (method === 'post' && !path.endsWith('/load-test/runs')) {
          const body = await send(port, 'POST', target, { ...admin, 'content-type': 'application/json' }, JSON.stringify({ all: true, apply: true }));
          if (body.status !== 400 || !/no body/.test(message(body))) problems.push(`${method} ${path} with a body: ${body.status}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(routes).toBeGreaterThan(20);

    // A load-test run with a field runs do not have is refused, not recorded without it.
    const run = {
      id: 'c0ffee00-0000-4000-8000-000000000001',
      status: 'running',
      startedAt: '2026-11-20T10:00:00.000Z',
      config: {
        baseUrl: 'http://127.0.0.1:3000/api/v1',
        endpoints: [{ method: 'GET', path: '/hello', weight: 2 }],
        connections: 1,
        durationSeconds: 1,
        amount: null,
      },
      finshedAt: '2026-11-20T10:00:05.000Z',
    };
    const refused = await post('performance/load-test/runs', { ...admin, 'content-type': 'application/json' }, JSON.stringify(run));
    expect(refused.status).toBe(400);
    expect(message(refused)).toBe('invalid load-test run: unknown fields config.endpoints.0.weight, finshedAt');
    expect(JSON.parse((await get('performance/load-test/status', admin)).body)).toEqual({ running: null, latest: null, recent: [], latestSweep: null });
  });

  it('says Cache-Control: no-store on every admin answer: each route of the OpenAPI document, with and without the credential, and errors', async () => {
    const doc = JSON.parse((await get('performance/openapi.json', admin)).body) as { paths: Record<string, Record<string, unknown>> };
    const answers: [string, Answer][] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      const target = `/api/v1${path.replace('{id}', 'missing-index-000000000000').replace('{name}', 'nightly')}`;
      for (const method of Object.keys(operations)) {
        // POST routes change state: only their refusals are asked for here.
        if (method === 'get') answers.push([`GET ${path}`, await send(port, 'GET', target, admin)]);
        answers.push([`${method} ${path} without credential`, await send(port, method.toUpperCase(), target)]);
        const wrong = { authorization: 'Bearer not-the-token-not-the-token' };
        answers.push([`${method} ${path} wrong credential`, await send(port, method.toUpperCase(), target, wrong)]);
        answers.push([`${method} ${path} bad parameter`, await send(port, method.toUpperCase(), `${target}?zzz=1`, admin)]);
      }
    }
    answers.push(['GET openapi.json', await get('performance/openapi.json', admin)]);
    answers.push(['GET openapi.json without credential', await get('performance/openapi.json')]);
    answers.push(['GET dashboard JSON', await get('performance/dashboard', { ...admin, accept: 'application/json' })]);
    answers.push(['GET dashboard HTML', await get('performance/dashboard', { accept: 'text/html' })]);
    answers.push(['POST cache/clear without parameters', await post('performance/cache/clear', admin)]);
    const statuses = new Set(answers.map(([, a]) => a.status));
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400, 401, 404]));
    const missing = answers
      .filter(([, a]) => a.headers['cache-control'] !== 'no-store')
      .map(([what, a]) => `${what}: ${a.status} ${a.headers['cache-control']}`);
    expect(missing).toEqual([]);
    expect(answers.length).toBeGreaterThan(80);
    // A download (a CPU profile streamed as a file) and its JSON form say it too.
    for (const format of ['cpuprofile', 'json']) {
      const profile = await post(`performance/profiling/cpu?seconds=1&format=${format}`, admin);
      expect(profile.status, format).toBe(200);
      expect(profile.headers['cache-control'], format).toBe('no-store');
    }
    // The dashboard's static assets are the exception: the same for everyone, versioned, cached for a year.
    const asset = await get('performance/dashboard/assets/dashboard.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  // Last: it declares namespaces past the 256 that get counters of their own.
  it('marks the namespace that counts the namespaces beyond the first 256 as not clearable, with the reason; each of those clears by name', async () => {
    const cache = running.app.get(ResponseCache);
    for (let i = 0; i < 300; i++) cache.registerNamespace(`bulk-${i}`);
    const { namespaces, knownNamespaces } = await stats();
    expect(namespaces['<other>']).toMatchObject({ clearable: false, notClearableReason: expect.stringMatching(/beyond the first 256.*by name/) });
    expect(
      Object.entries(namespaces)
        .filter(([, n]) => !n.clearable)
        .map(([name]) => name),
    ).toEqual(['<other>']);
    const beyond = knownNamespaces.find((n) => n.startsWith('bulk-') && !(n in namespaces))!;
    expect((await post(`performance/cache/clear?namespace=${beyond}`, admin)).status).toBe(200);
  });
});

describe.each(ADAPTERS)('the admin location from configuration matches the real routes (%s)', (adapter) => {
  const setups: [label: string, setup: (app: INestApplication) => void, adminBase: string][] = [
    ['no global prefix', () => undefined, '/performance'],
    [
      'URI versioning with a default version',
      (app) => app.setGlobalPrefix('api').enableVersioning({ type: VersioningType.URI, defaultVersion: '2' }),
      '/api/v2/performance',
    ],
    ['the admin routes excluded from the global prefix', (app) => app.setGlobalPrefix('api', { exclude: ['performance/{*rest}'] }), '/performance'],
  ];

  it.each(setups)('%s', async (_label, setup, adminBase) => {
    const running = await startApp(adminSecurityFixture(), adapter, setup);
    try {
      const port = (running.app.getHttpServer().address() as AddressInfo).port;
      const page = await send(port, 'GET', `${adminBase}/dashboard`, { accept: 'text/html' });
      expect(page.status).toBe(200);
      expect(/data-api="([^"]+)"/.exec(page.body)?.[1]).toBe(adminBase);
      expect((await send(port, 'GET', `${adminBase}/metrics/current`, admin)).status).toBe(200);
      for (const [, url] of page.body.matchAll(/(?:src|href)="(\/[^"]+)"/g)) expect((await send(port, 'GET', url!)).status).toBe(200);
      const doc = JSON.parse((await send(port, 'GET', `${adminBase}/openapi.json`, admin)).body) as { servers: { url: string }[]; paths: object };
      const server = doc.servers[0]!.url.replace(/\/$/, '');
      expect(`${server}/performance`).toBe(adminBase);
      expect(Object.keys(doc.paths)).toContain('/performance/metrics/current');
    } finally {
      await running.close();
    }
  });
});

/** Decided synchronously (a child process connects), so no top-level await is needed. */
function redisReachable(): boolean {
  const { hostname, port } = new URL(SERVICE_URLS.redis);
  const script = `const s=require('node:net').connect({host:${JSON.stringify(hostname)},port:${Number(port)}});s.setTimeout(1000,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 3000 }).status === 0;
}
const redisUp = redisReachable();

describeWithService('redis', redisUp, 'a TypeORM query result cache in Redis is listed as not clearable, with the reason', () => {
  describe.each(ADAPTERS)('%s', (adapter) => {
    let running: RunningApp;
    let port: number;
    const sentinel = `admin-security:sentinel:${adapter}:${process.pid}`;
    let probe: import('ioredis').Redis;

    beforeAll(async () => {
      const { Redis } = await import('ioredis');
      probe = new Redis(`${SERVICE_URLS.redis}/${QUERY_CACHE_REDIS_DB}`);
      await probe.set(sentinel, 'kept', 'EX', 300);
      running = await startApp(adminSecurityFixture({ redisUrl: SERVICE_URLS.redis }), adapter);
      port = (running.app.getHttpServer().address() as AddressInfo).port;
    });
    afterAll(async () => {
      await running?.close();
      await probe?.del(sentinel);
      probe?.disconnect();
    });

    it('marks typeorm.redisCached as not clearable, refuses to clear it by name, and all=true leaves that Redis database alone', async () => {
      const stats = JSON.parse((await send(port, 'GET', '/performance/cache-stats', admin)).body) as {
        namespaces: Record<string, { clearable: boolean; notClearableReason?: string }>;
      };
      expect(stats.namespaces['typeorm.redisCached']).toMatchObject({ clearable: false, notClearableReason: expect.stringMatching(/FLUSHDB/) });
      expect(stats.namespaces['typeorm.default']).toMatchObject({ clearable: true });
      const refused = await send(port, 'POST', '/performance/cache/clear?namespace=typeorm.redisCached', admin);
      expect(refused.status).toBe(400);
      expect(message(refused)).toBe(`namespace typeorm.redisCached cannot be cleared: ${stats.namespaces['typeorm.redisCached']!.notClearableReason}`);
      const all = await send(port, 'POST', '/performance/cache/clear?all=true', admin);
      expect(all.status).toBe(200);
      expect(JSON.parse(all.body)).toMatchObject({ cleared: '*', queryCaches: ['typeorm.default'] });
      expect(await probe.get(sentinel)).toBe('kept');
    });
  });
});

describeWithService('chromium', existsSync(CHROMIUM_PATH), 'the dashboard Clear buttons in headless Chromium (Express)', () => {
  let running: RunningApp;
  let context: BrowserContext;
  let userDataDir: string;

  beforeAll(async () => {
    running = await startApp(adminSecurityFixture(), 'express', (app) => {
      app.setGlobalPrefix('api/v1');
    });
    await fetch(`${running.url}/api/v1/c/alpha`);
    await fetch(`${running.url}/api/v1/c/items`);
    const cache = running.app.get(ResponseCache);
    for (let i = 0; i < 260; i++) cache.registerNamespace(`bulk-${i}`);
    userDataDir = mkdtempSync(join(tmpdir(), 'admin-security-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      headless: true,
    });
  });
  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await running?.close();
  });

  it('offers Clear only where cache-stats says clearable, shows why not, and shows the reason a clear failed', async () => {
    const page = await context.newPage();
    // Opened with an upper-case URL: the page still calls the real routes.
    await page.goto(`${running.url}/API/V1/PERFORMANCE/DASHBOARD#token=${ADMIN_SECURITY_TOKEN}`);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 15_000 });
    expect(await page.locator('[data-clear="alpha"]').count()).toBe(1);
    expect(await page.locator('[data-clear="typeorm.default"]').count()).toBe(1);
    expect(await page.locator('[data-clear="<other>"]').count()).toBe(0);
    expect(await page.locator('[data-not-clearable="<other>"]').textContent()).toMatch(/^Not clearable here: counts the namespaces beyond the first 256/);

    // The query cache's table is gone: clearing it fails for real, and the page says why.
    await running.app.get(DataSource).query('DROP TABLE "query-result-cache"');
    await page.locator('[data-clear="typeorm.default"]').click();
    const answered = page.waitForResponse((r) => r.url().includes('/cache/clear?namespace=typeorm.default'));
    await page.locator('[data-confirm-clear="typeorm.default"]').click();
    expect((await answered).status()).toBe(503);
    expect(new URL((await answered).url()).pathname).toBe('/api/v1/performance/cache/clear');
    await expect
      .poll(() => page.locator('[data-namespace="typeorm.default"] .meta[aria-live]').textContent())
      .toMatch(/^Not cleared \(HTTP 503\): the query result cache typeorm\.default was not cleared \(.+\)\.$/);

    await page.locator('[data-clear="alpha"]').click();
    await page.locator('[data-confirm-clear="alpha"]').click();
    await expect.poll(() => page.locator('[data-namespace="alpha"] .meta[aria-live]').textContent()).toBe('Cleared 1 entry.');
    await page.close();
  });
});
