import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResponseCache, type CacheOptions } from 'nestjs-performance';
import { cacheSecurityFixture, SECURITY_ADMIN_TOKEN, securityCalls } from './fixtures/cache-security-fixture.module';
import { ADAPTERS, type AdapterName, type RunningApp } from './support/http-app';
import { rawRequest } from './support/raw-http';
import { describeWithService, SERVICE_URLS } from './support/services';

const admin = { authorization: `Bearer ${SECURITY_ADMIN_TOKEN}` };

/** Starts the fixture; `trustProxy` as the app would say it: Express `trust proxy`, Fastify `trustProxy`. */
async function start(adapter: AdapterName, opts: { trustProxy?: boolean; cache?: CacheOptions } = {}): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({ imports: [cacheSecurityFixture(opts.cache)] }).compile();
  const httpAdapter = adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter({ trustProxy: opts.trustProxy === true });
  const app = moduleRef.createNestApplication(httpAdapter, { logger: false });
  if (adapter === 'express' && opts.trustProxy) (app.getHttpAdapter().getInstance() as { set(k: string, v: unknown): void }).set('trust proxy', true);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

function resetCalls(): void {
  for (const k of Object.keys(securityCalls)) delete securityCalls[k];
}

async function get(running: RunningApp, path: string, headers: Record<string, string> = {}) {
  const res = await rawRequest(running.url + path, { headers });
  return { status: res.status, xCache: res.xCache, body: JSON.parse(res.body.toString() || 'null') as Record<string, unknown> };
}

/** The user part of a key as it used to be built: sha256 of the identity, 22 base64url characters, no secret. */
const oldUserHash = (identity: string) => createHash('sha256').update(identity).digest('base64url').slice(0, 22);

describe.each(ADAPTERS)('cache keys no request can forge, on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await start(adapter);
  });
  afterAll(() => running?.close());
  beforeEach(async () => {
    resetCalls();
    await running.app.get(ResponseCache).invalidate({ all: true });
    running.app.get(ResponseCache).stats.reset();
  });

  it("never serves alice's entry to a request that spells her old key part in the query string or a vary header", async () => {
    const alice = { authorization: 'Bearer alice', 'accept-language': 'en' };
    expect(await get(running, '/sec/me?lang=en', alice)).toEqual({ status: 200, xCache: 'MISS', body: { user: 'alice', n: 1 } });
    expect((await get(running, '/sec/me?lang=en', alice)).xCache).toBe('HIT');

    const part = `|u=${oldUserHash('alice')}`;
    const forged = [
      await get(running, `/sec/me?lang=en${part}`, { 'accept-language': 'en' }),
      await get(running, `/sec/me?lang=en${encodeURIComponent(part)}`, { 'accept-language': 'en' }),
      await get(running, '/sec/me?lang=en', { 'accept-language': `en${part}` }),
    ];
    expect(forged.map((r) => [r.xCache, r.body.user])).toEqual([
      ['MISS', null],
      ['MISS', null],
      ['MISS', null],
    ]);
    expect(securityCalls.me).toBe(4);
  });

  it('keeps anonymous requests on a per-user route out of every identity entry, both ways', async () => {
    const anonymous = await get(running, '/sec/me');
    const alice = await get(running, '/sec/me', { authorization: 'Bearer alice' });
    const anonymousAgain = await get(running, '/sec/me');
    const aliceAgain = await get(running, '/sec/me', { authorization: 'Bearer alice' });
    expect([anonymous, alice, anonymousAgain, aliceAgain].map((r) => [r.xCache, r.body.user])).toEqual([
      ['MISS', null],
      ['MISS', 'alice'],
      ['HIT', null],
      ['HIT', 'alice'],
    ]);
    // A credential the route cannot name a user for never reaches the cache.
    const credentials: Record<string, string>[] = [
      { authorization: 'Basic YWxpY2U6eA==' },
      { cookie: 'session=alice' },
      { 'x-api-key': 'k-alice' },
      { 'proxy-authorization': 'Bearer alice' },
    ];
    for (const headers of credentials) {
      expect((await get(running, '/sec/me', headers)).xCache).toBe('BYPASS');
    }
    expect(running.app.get(ResponseCache).report().bypassReasons).toEqual({ 'user-key-missing': 4 });
    // No identity appears in the keys the admin API lists.
    const keys = running.app
      .get(ResponseCache)
      .report(100)
      .hotKeys.map((k) => k.key);
    expect(keys).toHaveLength(2);
    expect(keys.some((k) => k.includes('alice'))).toBe(false);
  });

  it('gives distinct requests full of delimiters their own entries (random, on the real server)', async () => {
    const seed = Number(process.env.CACHE_KEY_FUZZ_SEED ?? Date.now() % 100_000);
    let s = seed;
    const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
    // Few pieces, mostly delimiters (those of a layout that concatenates parts among them), so that requests often
    // share their characters: any encoding that just joins parts would give some of them one key.
    const pieces = ['a', '|', '=', '%7C', '\\', '"', '|u=', '|x-tenant=', '|accept-language='];
    const pick = () => pieces[Math.floor(rand() * pieces.length)]!;
    const requests = new Map<string, { path: string; headers: Record<string, string> }>();
    for (let round = 0; requests.size < 30 && round < 100; round++) {
      // One string of pieces cut into the query value and header values at different places.
      const line = Array.from({ length: 2 + Math.floor(rand() * 2) }, pick);
      const identity = pick();
      const id = pick();
      for (let split = 0; split < 6; split++) {
        const cuts = Array.from({ length: 2 }, () => Math.floor(rand() * (line.length + 1))).sort((x, y) => x - y);
        const parts = [line.slice(0, cuts[0]), line.slice(cuts[0], cuts[1]), line.slice(cuts[1])].map((p) => p.join(''));
        const path = `/sec/item/${id}?q=${parts[0]}`;
        const headers: Record<string, string> = {};
        if (parts[1] !== '' || rand() < 0.5) headers['accept-language'] = parts[1]!;
        if (parts[2] !== '' || rand() < 0.5) headers['x-tenant'] = parts[2]!;
        if (rand() < 0.3) headers.authorization = `Bearer ${identity}`;
        // Sorted, so that two requests that differ only in header order count as one.
        requests.set(JSON.stringify([path, Object.entries(headers).sort()]), { path, headers });
      }
    }
    for (const { path, headers } of requests.values()) {
      const first = await get(running, path, headers);
      expect(first.status, `seed ${seed}: ${path}`).toBe(200);
      expect(first.xCache, `seed ${seed}: ${path} ${JSON.stringify(headers)} found another request's entry`).toBe('MISS');
      expect(first.body).toMatchObject({
        user: headers.authorization?.slice(7) ?? null,
        lang: headers['accept-language'] ?? null,
        tenant: headers['x-tenant'] ?? null,
      });
      const second = await get(running, path, headers);
      expect([second.xCache, second.body]).toEqual(['HIT', first.body]);
    }
  });

  it('keys by host: two Host values get two entries, spellings of one host share one', async () => {
    const a = await get(running, '/sec/host', { host: 'tenant-a.example' });
    const b = await get(running, '/sec/host', { host: 'tenant-b.example' });
    const a2 = await get(running, '/sec/host', { host: 'TENANT-A.example:80' });
    expect([a, b, a2].map((r) => [r.xCache, r.body.self])).toEqual([
      ['MISS', 'http://tenant-a.example/sec/host'],
      ['MISS', 'http://tenant-b.example/sec/host'],
      ['HIT', 'http://tenant-a.example/sec/host'],
    ]);
  });

  it('ignores X-Forwarded-Host and X-Forwarded-Proto when the app does not trust its proxy', async () => {
    await get(running, '/sec/host', { host: 'tenant-a.example' });
    const forged = await get(running, '/sec/host', { host: 'tenant-a.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect([forged.xCache, forged.body.self]).toEqual(['HIT', 'http://tenant-a.example/sec/host']);
    expect(securityCalls.host).toBe(1);
  });

  it('keys early HITs by host too, and leaves X-Forwarded-* requests to the framework', async () => {
    await get(running, '/sec/early-host', { host: 'tenant-a.example' });
    const early = await get(running, '/sec/early-host', { host: 'tenant-a.example' });
    const otherHost = await get(running, '/sec/early-host', { host: 'tenant-b.example' });
    const forwarded = await get(running, '/sec/early-host', { host: 'tenant-a.example', 'x-forwarded-host': 'evil.example' });
    expect([early, otherHost, forwarded].map((r) => [r.xCache, r.body.self])).toEqual([
      ['HIT', 'http://tenant-a.example/sec/early-host'],
      ['MISS', 'http://tenant-b.example/sec/early-host'],
      ['HIT', 'http://tenant-a.example/sec/early-host'],
    ]);
    expect(securityCalls['early-host']).toBe(2);
  });

  it('leaves undeclared query parameters out of the key, and never drops one the handler reads', async () => {
    const first = await get(running, '/sec/list?page=2&bust=1');
    const busted = await get(running, '/sec/list?utm_source=x&bust=2&page=2');
    const other = await get(running, '/sec/list?page=3&limit=5&bust=3');
    expect([first, busted, other].map((r) => [r.xCache, r.body.page, r.body.limit])).toEqual([
      ['MISS', '2', null],
      ['HIT', '2', null],
      ['MISS', '3', '5'],
    ]);
    // `pa%67e` reaches the handler as `page`: it must not be stored under the key of a request without a page.
    const spelled = await get(running, '/sec/list?pa%67e=99&bust=4');
    const plain = await get(running, '/sec/list?bust=5');
    expect([spelled.xCache, spelled.body.page, plain.xCache, plain.body.page]).toEqual(['MISS', '99', 'MISS', null]);
    expect(securityCalls.list).toBe(4);
  });

  it('bypasses requests with Proxy-Authorization or an API-key header (default and configured), early routes included', async () => {
    const stored = await get(running, '/sec/public');
    expect(stored.xCache).toBe('MISS');
    const withCredentials = [
      await get(running, '/sec/public', { 'proxy-authorization': 'Basic cHJveHk6eA==' }),
      await get(running, '/sec/public', { 'x-api-key': 'k-1' }),
      await get(running, '/sec/public', { 'x-client-key': 'k-2' }),
    ];
    expect(withCredentials.map((r) => [r.xCache, r.body.n])).toEqual([
      ['BYPASS', 2],
      ['BYPASS', 3],
      ['BYPASS', 4],
    ]);
    expect((await get(running, '/sec/public')).xCache).toBe('HIT');

    await get(running, '/sec/public-early');
    expect((await get(running, '/sec/public-early')).xCache).toBe('HIT');
    const early = await get(running, '/sec/public-early', { 'x-api-key': 'k-1' });
    expect([early.xCache, early.body.n]).toEqual(['BYPASS', 2]);
    expect(running.app.get(ResponseCache).report().bypassReasons).toEqual({ 'proxy-authorization': 1, 'api-key': 3 });
  });

  it('recommends declaring the query parameters of a route whose keys rarely repeat', async () => {
    for (let i = 0; i < 60; i++) await get(running, `/sec/overview?bust=${i}`);
    for (let i = 0; i < 60; i++) await get(running, `/sec/list?page=1&bust=${i}`);
    const stats = (await (await fetch(`${running.url}/performance/cache-stats`, { headers: admin })).json()) as { routes: Record<string, unknown>[] };
    const overview = stats.routes.find((r) => r.route === '/sec/overview');
    expect(overview).toMatchObject({ namespace: 'overview', hits: 0, misses: 60, declaredQuery: null });
    expect(overview!.distinctKeys).toBeGreaterThanOrEqual(55);
    expect(stats.routes.find((r) => r.route === '/sec/list')).toMatchObject({ hits: 59, misses: 1, distinctKeys: 1, declaredQuery: ['page', 'limit'] });

    const body = (await (await fetch(`${running.url}/performance/recommendations`, { headers: admin })).json()) as {
      recommendations: { id: string; severity: string; evidence: Record<string, unknown>; action: { type: string; steps: string[] } }[];
    };
    const flagged = body.recommendations.filter((r) => r.id.startsWith('cache-key-cardinality-'));
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({
      severity: 'medium',
      evidence: { route: '/sec/overview', namespace: 'overview', lookups: 60, hitRatePercent: 0, declaredQuery: null },
      action: { type: 'manual' },
    });
    expect(flagged[0]!.action.steps[0]).toContain("@CacheQuery('page', 'limit')");
  });
});

describe.each(ADAPTERS)('cache keys behind a trusted proxy, on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await start(adapter, { trustProxy: true });
  });
  afterAll(() => running?.close());
  beforeEach(async () => {
    resetCalls();
    await running.app.get(ResponseCache).invalidate({ all: true });
  });

  it('keys by the forwarded host and scheme the framework trusts', async () => {
    const viaProxy = await get(running, '/sec/host', { host: 'internal:8080', 'x-forwarded-host': 'shop.example' });
    const direct = await get(running, '/sec/host', { host: 'internal:8080' });
    const secure = await get(running, '/sec/host', { host: 'internal:8080', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' });
    const viaProxyAgain = await get(running, '/sec/host', { host: 'internal:8080', 'x-forwarded-host': 'shop.example' });
    expect([viaProxy, direct, secure, viaProxyAgain].map((r) => [r.xCache, r.body.self])).toEqual([
      ['MISS', 'http://shop.example/sec/host'],
      ['MISS', 'http://internal:8080/sec/host'],
      ['MISS', 'https://shop.example/sec/host'],
      ['HIT', 'http://shop.example/sec/host'],
    ]);
  });

  it('answers early only when no forwarded host or scheme could change what the handler sees', async () => {
    await get(running, '/sec/early-host', { host: 'internal:8080' });
    const early = await get(running, '/sec/early-host', { host: 'internal:8080' });
    const viaProxy = await get(running, '/sec/early-host', { host: 'internal:8080', 'x-forwarded-host': 'shop.example' });
    expect([early, viaProxy].map((r) => [r.xCache, r.body.self])).toEqual([
      ['HIT', 'http://internal:8080/sec/early-host'],
      ['MISS', 'http://shop.example/sec/early-host'],
    ]);
  });
});

/** Decided synchronously (a child process connects), so no top-level await is needed. */
function redisReachable(): boolean {
  const { hostname, port } = new URL(SERVICE_URLS.redis);
  const script =
    `const s=require('node:net').connect({host:${JSON.stringify(hostname)},port:${Number(port)}});` +
    "s.setTimeout(1000,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));";
  return spawnSync(process.execPath, ['-e', script], { timeout: 3000 }).status === 0;
}

describeWithService('redis', redisReachable(), 'per-user keys on a shared Redis', () => {
  const runPrefix = `nestjs-performance-test:${process.pid}-${randomUUID().slice(0, 8)}:`;
  const secret = 'shared-secret-for-every-instance-0123456789';

  describe.each(ADAPTERS)('%s', (adapter) => {
    const apps: RunningApp[] = [];
    afterAll(async () => {
      await apps[0]?.app.get(ResponseCache).invalidate({ all: true });
      for (const app of apps) await app.close();
    });

    async function pair(keyPrefix: string, keySecret: string | undefined): Promise<[RunningApp, RunningApp]> {
      const cache: CacheOptions = { store: 'redis', redis: { url: SERVICE_URLS.redis, keyPrefix }, ...(keySecret ? { keySecret } : {}) };
      const a = await start(adapter, { cache });
      const b = await start(adapter, { cache });
      apps.push(a, b);
      await vi.waitFor(
        () => {
          for (const app of [a, b]) expect(app.app.get(ResponseCache).storeHealth().status).toBe('up');
        },
        { timeout: 5000, interval: 20 },
      );
      return [a, b];
    }

    it('shares per-user entries between instances with the same cache.keySecret, and only then', async () => {
      const alice = { host: 'app.example', authorization: 'Bearer alice' };
      const [a, b] = await pair(`${runPrefix}${adapter}:same:`, secret);
      expect([(await get(a, '/sec/me', alice)).xCache, (await get(b, '/sec/me', alice)).xCache]).toEqual(['MISS', 'HIT']);

      const [c, d] = await pair(`${runPrefix}${adapter}:random:`, undefined);
      expect([(await get(c, '/sec/me', alice)).xCache, (await get(d, '/sec/me', alice)).xCache]).toEqual(['MISS', 'MISS']);
      // Anonymous entries do not depend on the secret.
      expect([(await get(c, '/sec/public', { host: 'app.example' })).xCache, (await get(d, '/sec/public', { host: 'app.example' })).xCache]).toEqual([
        'MISS',
        'HIT',
      ]);
    });
  });
});
