import { VersioningType } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseCache } from 'nestjs-performance';
import {
  autoCalls,
  cacheEarlyAutoFixture,
  cacheEarlyAutoWithModuleMiddleware,
  useCountingMiddleware,
  type AutoEarlyFixtureOptions,
} from './fixtures/cache-early-auto-fixture.module';
import { ADAPTERS, type AdapterName, type RunningApp, startApp } from './support/http-app';

async function get(running: RunningApp, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(running.url + path, { headers });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

/** Sends `path` twice: a MISS then a HIT; returns the HIT. */
async function missThenHit(running: RunningApp, path: string, headers: Record<string, string> = {}) {
  expect((await get(running, path, headers)).res.headers.get('x-cache')).toBe('MISS');
  const hit = await get(running, path, headers);
  expect(hit.res.headers.get('x-cache')).toBe('HIT');
  return hit;
}

function report(running: RunningApp) {
  return running.app.get(ResponseCache).report();
}

function earlyOf(running: RunningApp): Record<string, string> {
  return Object.fromEntries(report(running).routes.map((r) => [r.route, r.early]));
}

describe.each(ADAPTERS)("cache.earlyHits: 'auto' on %s", (adapter: AdapterName) => {
  let running: RunningApp | undefined;
  const start = async (options: AutoEarlyFixtureOptions = {}, setup?: Parameters<typeof startApp>[2]) => {
    for (const k of Object.keys(autoCalls)) delete autoCalls[k];
    running = await startApp(cacheEarlyAutoFixture(options), adapter, setup);
    return running;
  };
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('answers HITs of a route with nothing but the cache before the framework, and keeps the others on the usual path', async () => {
    const app = await start();
    const miss = await get(app, '/auto/plain/1');
    const hit = await get(app, '/auto/plain/1');
    expect(hit.res.headers.get('x-cache')).toBe('HIT');
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(hit.res.headers.get('content-type')).toBe(miss.res.headers.get('content-type'));
    expect(hit.res.headers.get('etag')).toBe(miss.res.headers.get('etag'));
    expect(report(app).totals.earlyHits).toBe(1);

    // @Header: the HIT keeps the header Nest sets from it.
    const header = await missThenHit(app, '/auto/header');
    expect(header.res.headers.get('cache-control')).toBe('public, max-age=60');
    // A guard runs for every HIT, as without the cache's early answers.
    await missThenHit(app, '/auto/guarded');
    // The route's own interceptor runs inside the cache's, so no HIT ever reached it: its HITs can skip the framework too.
    await missThenHit(app, '/auto/intercepted');
    expect(autoCalls).toMatchObject({ interceptor: 1, guard: 2, intercepted: 1, guarded: 1, header: 1, 'plain 1': 1 });
    // Per-user entries never leave the usual path.
    await missThenHit(app, '/auto/per-user', { 'x-user': 'u1' });
    expect(report(app).totals.earlyHits).toBe(2);

    expect(earlyOf(app)).toEqual({
      '/auto/plain/:id': 'yes',
      '/auto/header': 'response-metadata',
      '/auto/intercepted': 'yes',
      '/auto/guarded': 'guard',
      '/auto/per-user': 'user-key',
    });
  });

  it('keeps every HIT on the usual path when the app has middleware: it runs and its header is there', async () => {
    const app = await start({}, useCountingMiddleware);
    const hit = await missThenHit(app, '/auto/plain/2');
    expect(hit.res.headers.get('x-app-middleware')).toBe('ran');
    expect(autoCalls).toMatchObject({ middleware: 2, 'plain 2': 1 });
    expect(report(app).totals.earlyHits).toBe(0);
    expect(earlyOf(app)['/auto/plain/:id']).toBe('middleware');
  });

  it('keeps every HIT on the usual path when a module applies middleware to the route (for GET only)', async () => {
    for (const k of Object.keys(autoCalls)) delete autoCalls[k];
    running = await startApp(cacheEarlyAutoWithModuleMiddleware(), adapter);
    const hit = await missThenHit(running, '/auto/plain/9');
    expect(hit.res.headers.get('x-module-middleware')).toBe('ran');
    expect(autoCalls).toMatchObject({ 'module-middleware': 2, 'plain 9': 1 });
    expect(report(running).totals.earlyHits).toBe(0);
    expect(earlyOf(running)['/auto/plain/:id']).toBe('middleware');
  });

  it("keeps every HIT on the usual path with Nest's security headers on: the HIT has them", async () => {
    const app = await start({}, (a) => {
      a.useSecurityHeaders();
    });
    const miss = await get(app, '/auto/plain/10');
    const hit = await get(app, '/auto/plain/10');
    expect(hit.res.headers.get('x-cache')).toBe('HIT');
    expect(miss.res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(hit.res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(report(app).totals.earlyHits).toBe(0);
  });

  it('sends a GET with a body to the framework, whose body parser reads it', async () => {
    const app = await start();
    await missThenHit(app, '/auto/plain/11');
    // fetch sends no body with a GET: Node's client does.
    const { request } = await import('node:http');
    const cache = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(`${app.url}/auto/plain/11`, { method: 'GET', headers: { 'content-type': 'application/json', 'content-length': '7' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers['x-cache'] as string | undefined));
      });
      req.on('error', reject);
      req.end('{"a":1}');
    });
    expect(cache).toBe('HIT');
    // Only the body-less HIT was answered early.
    expect(report(app).totals.earlyHits).toBe(1);
  });

  it('keeps every HIT on the usual path with CORS on: the HIT has its CORS headers', async () => {
    const app = await start({}, (a) => a.enableCors({ origin: 'https://app.example' }));
    const hit = await missThenHit(app, '/auto/plain/3', { origin: 'https://app.example' });
    expect(hit.res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(report(app).totals.earlyHits).toBe(0);
  });

  it('keeps every HIT on the usual path with a global guard', async () => {
    const app = await start({ globalGuard: true });
    await missThenHit(app, '/auto/plain/4');
    expect(autoCalls).toMatchObject({ guard: 2, 'plain 4': 1 });
    expect(report(app).totals.earlyHits).toBe(0);
    expect(earlyOf(app)['/auto/plain/:id']).toBe('guard');
  });

  it('keeps every HIT on the usual path with a global interceptor that runs before the cache', async () => {
    const app = await start({ globalInterceptor: true });
    await missThenHit(app, '/auto/plain/7');
    expect(autoCalls).toMatchObject({ interceptor: 2, 'plain 7': 1 });
    expect(report(app).totals.earlyHits).toBe(0);
    expect(earlyOf(app)['/auto/plain/:id']).toBe('interceptor');
  });

  it('keeps every HIT on the usual path when the app picks handlers by a version header', async () => {
    const app = await start({}, (a) => {
      a.enableVersioning({ type: VersioningType.HEADER, header: 'x-api-version' });
    });
    await missThenHit(app, '/auto/plain/8');
    expect(report(app).totals.earlyHits).toBe(0);
    expect(earlyOf(app)['/auto/plain/:id']).toBe('versioning');
  });

  it("answers early only on decorated routes with cache.earlyHits: 'decorated'", async () => {
    const app = await start({ earlyHits: 'decorated' });
    await missThenHit(app, '/auto/plain/5');
    expect(report(app).totals.earlyHits).toBe(0);
    expect(earlyOf(app)['/auto/plain/:id']).toBe('decorated-only');
  });

  it.runIf(adapter === 'fastify')('keeps every HIT on the usual path when the app added a Fastify hook: it runs', async () => {
    const app = await start({}, (a) => {
      const fastify = a.getHttpAdapter().getInstance() as {
        addHook(name: string, fn: (req: unknown, reply: { header(n: string, v: string): void }, done: () => void) => void): void;
      };
      fastify.addHook('onRequest', (_req, reply, done) => {
        autoCalls.hook = (autoCalls.hook ?? 0) + 1;
        reply.header('x-app-hook', 'ran');
        done();
      });
    });
    const hit = await missThenHit(app, '/auto/plain/6');
    expect(hit.res.headers.get('x-app-hook')).toBe('ran');
    expect(autoCalls.hook).toBe(2);
    expect(report(app).totals.earlyHits).toBe(0);
  });
});
