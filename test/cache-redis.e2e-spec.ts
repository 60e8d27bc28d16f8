import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCacheKey, ResponseCache } from 'nestjs-performance';
import { ADMIN_TOKEN, cacheFixture, calls, resetCalls } from './fixtures/cache-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';
import { rawRequest } from './support/raw-http';
import { describeWithService, SERVICE_URLS } from './support/services';

/** Decided synchronously (a child process connects), so no top-level await is needed. */
function redisReachable(): boolean {
  const { hostname, port } = new URL(SERVICE_URLS.redis);
  const script = `const s=require('node:net').connect({host:${JSON.stringify(hostname)},port:${Number(port)}});s.setTimeout(1000,()=>process.exit(1));s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 3000 }).status === 0;
}
const redisUp = redisReachable();
/** Unique per run, so parallel runs and other engineers' data never collide. */
const runPrefix = `nestjs-performance-test:${process.pid}-${randomUUID().slice(0, 8)}:`;

/** Instances behind one load balancer see the host clients asked for: every request here names the same one. */
const SHARED_HOST = 'app.example';

async function get(url: string) {
  const res = await rawRequest(url, { headers: { host: SHARED_HOST } });
  return { status: res.status, xCache: res.xCache, contentType: res.headers['content-type'] ?? null, body: res.body };
}

/** A TCP proxy to Redis that the test can take down and bring back, without touching the shared Redis. */
class RedisProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(port = 0): Promise<void> {
    const target = new URL(SERVICE_URLS.redis);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

describeWithService('redis', redisUp, 'response cache on the real Redis', () => {
  describe.each(ADAPTERS)('two instances sharing Redis (two-tier) on %s', (adapter) => {
    let a: RunningApp;
    let b: RunningApp;
    const prefix = `${runPrefix}${adapter}:two-tier:`;

    beforeAll(async () => {
      const cache = { store: 'two-tier' as const, redis: { url: SERVICE_URLS.redis, keyPrefix: prefix } };
      a = await startApp(cacheFixture(cache, { instanceId: 'a' }), adapter);
      b = await startApp(cacheFixture(cache, { instanceId: 'b' }), adapter);
      await vi.waitFor(
        () => {
          expect(a.app.get(ResponseCache).storeHealth().status).toBe('up');
          expect(b.app.get(ResponseCache).storeHealth().status).toBe('up');
        },
        { timeout: 5000, interval: 20 },
      );
    });
    afterAll(async () => {
      await a?.app.get(ResponseCache).invalidate({ all: true });
      await a?.close();
      await b?.close();
    });
    beforeEach(async () => {
      resetCalls();
      await a.app.get(ResponseCache).invalidate({ all: true });
    });

    it("serves instance A's stored response from instance B byte for byte", async () => {
      const miss = await get(`${a.url}/cache/counter`);
      const hit = await get(`${b.url}/cache/counter`);
      expect([miss.xCache, hit.xCache]).toEqual(['MISS', 'HIT']);
      expect({ ...hit, xCache: null }).toEqual({ ...miss, xCache: null });
      expect(calls.counter).toBe(1);
    });

    it('never lets B serve from its memory tier a value that A invalidated', async () => {
      await get(`${a.url}/cache/counter`);
      expect((await get(`${b.url}/cache/counter`)).xCache).toBe('HIT'); // from Redis, now in B's memory too
      expect((await get(`${b.url}/cache/counter`)).xCache).toBe('HIT');
      expect((await fetch(`${a.url}/cache/counter`, { method: 'POST' })).status).toBe(201);
      const after = await get(`${b.url}/cache/counter`);
      expect(after.xCache).toBe('MISS');
      expect(JSON.parse(after.body.toString()).n).toBe(2);
      // The admin clear on B reaches A the same way.
      expect((await get(`${a.url}/cache/counter`)).xCache).toBe('HIT');
      const clear = await fetch(`${b.url}/performance/cache/clear?namespace=alpha`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(clear.status).toBe(200);
      expect((await get(`${a.url}/cache/counter`)).xCache).toBe('MISS');
    });

    it('stores keys under the configured prefix only', async () => {
      await get(`${a.url}/cache/beta`);
      const { Redis } = await import('ioredis');
      const probe = new Redis(SERVICE_URLS.redis);
      try {
        expect(await probe.keys(`${prefix}*`)).toEqual([prefix + buildCacheKey({ namespace: 'beta', host: SHARED_HOST, url: '/cache/beta' })]);
      } finally {
        probe.disconnect();
      }
    });
  });

  describe.each(ADAPTERS)('Redis going away and coming back on %s', (adapter) => {
    const proxy = new RedisProxy();
    let app: RunningApp;

    beforeAll(async () => {
      await proxy.start();
      app = await startApp(
        cacheFixture({ store: 'two-tier', redis: { url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: `${runPrefix}${adapter}:outage:` } }),
        adapter,
      );
      await vi.waitFor(() => expect(app.app.get(ResponseCache).storeHealth().status).toBe('up'), { timeout: 5000, interval: 20 });
    });
    afterAll(async () => {
      await app?.app
        .get(ResponseCache)
        .invalidate({ all: true })
        .catch(() => undefined);
      await app?.close();
      await proxy.stop();
    });

    it('answers BYPASS while Redis is down, shows it in health, and recovers by itself', async () => {
      resetCalls();
      const cache = app.app.get(ResponseCache);
      expect((await get(`${app.url}/cache/counter`)).xCache).toBe('MISS');
      expect((await get(`${app.url}/cache/counter`)).xCache).toBe('HIT');

      const port = proxy.port;
      await proxy.stop();
      await vi.waitFor(() => expect(cache.storeHealth().status).toBe('down'), { timeout: 5000, interval: 20 });
      const during = [await get(`${app.url}/cache/counter`), await get(`${app.url}/cache/counter`)];
      expect(during.map((r) => [r.status, r.xCache])).toEqual([
        [200, 'BYPASS'],
        [200, 'BYPASS'],
      ]);
      expect(calls.counter).toBe(3);
      expect(cache.storeHealth()).toMatchObject({ store: 'two-tier', status: 'down' });
      expect(cache.report().bypassReasons).toMatchObject({ 'store-error': 2 });
      await expect(cache.ping(AbortSignal.timeout(300))).rejects.toThrow();

      await proxy.start(port);
      await vi.waitFor(() => expect(cache.storeHealth().status).toBe('up'), { timeout: 8000, interval: 50 });
      // Memory entries from before the outage were dropped (invalidations may have been missed).
      const back = await get(`${app.url}/cache/counter`);
      expect(['MISS', 'HIT']).toContain(back.xCache);
      expect((await get(`${app.url}/cache/counter`)).xCache).toBe('HIT');
    });
  });

  describe.each(ADAPTERS)('a Redis that never answers, on %s', (adapter) => {
    it('still answers every request (BYPASS) and reports the store down', async () => {
      const dead = createServer();
      await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
      const port = (dead.address() as AddressInfo).port;
      await new Promise<void>((r) => dead.close(() => r()));
      const app = await startApp(cacheFixture({ store: 'redis', redis: { url: `redis://127.0.0.1:${port}`, keyPrefix: runPrefix } }), adapter);
      try {
        resetCalls();
        const responses = await Promise.all([1, 2, 3].map(() => get(`${app.url}/cache/counter`)));
        expect(responses.map((r) => [r.status, r.xCache])).toEqual([
          [200, 'BYPASS'],
          [200, 'BYPASS'],
          [200, 'BYPASS'],
        ]);
        expect(app.app.get(ResponseCache).storeHealth()).toMatchObject({ store: 'redis', status: 'down' });
      } finally {
        await app.close();
      }
    });
  });
});
