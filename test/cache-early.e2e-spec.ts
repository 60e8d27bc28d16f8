import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ResponseCache } from 'nestjs-performance';
import { cacheEarlyFixture, earlyCalls } from './fixtures/cache-early-fixture.module';
import { parsePrometheusText, sampleValue } from './fixtures/observability-prometheus-text';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

async function get(running: RunningApp, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(running.url + path, { headers });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

describe.each(ADAPTERS)('@ServeHitsEarly on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(cacheEarlyFixture(), adapter);
  });
  afterAll(() => running?.close());
  beforeEach(async () => {
    await running.app.get(ResponseCache).invalidate({ all: true });
    for (const k of Object.keys(earlyCalls)) delete earlyCalls[k];
  });

  it('answers a fresh HIT before Nest: same status, type and bytes as the MISS, no guard, no handler', async () => {
    const miss = await get(running, '/early/items/7');
    expect(miss.res.headers.get('x-cache')).toBe('MISS');
    expect(earlyCalls).toEqual({ guard: 1, 'item 7': 1 });

    const hit = await get(running, '/early/items/7');
    expect(hit.res.status).toBe(200);
    expect(hit.res.headers.get('x-cache')).toBe('HIT');
    expect(hit.res.headers.get('content-type')).toBe(miss.res.headers.get('content-type'));
    expect(hit.res.headers.get('etag')).toBe(miss.res.headers.get('etag'));
    expect(hit.res.headers.get('age')).toMatch(/^\d+$/);
    expect(hit.res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(hit.res.headers.get('x-response-time')).toMatch(/^\d+\.\d{2}ms$/);
    expect(hit.res.headers.get('server-timing')).toMatch(/cache;desc=HIT$/);
    expect(hit.body.equals(miss.body)).toBe(true);
    // Neither the guard nor the handler ran for the HIT: Nest never saw it.
    expect(earlyCalls).toEqual({ guard: 1, 'item 7': 1 });
  });

  it('leaves the usual path to routes without it: their HITs run the guard', async () => {
    await get(running, '/early/usual');
    const hit = await get(running, '/early/usual');
    expect(hit.res.headers.get('x-cache')).toBe('HIT');
    expect(earlyCalls).toEqual({ guard: 2, usual: 1 });
  });

  it('answers 304 to a matching If-None-Match, without a body', async () => {
    const miss = await get(running, '/early/items/8');
    const etag = miss.res.headers.get('etag')!;
    const notModified = await get(running, '/early/items/8', { 'if-none-match': etag });
    expect(notModified.res.status).toBe(304);
    expect(notModified.res.headers.get('etag')).toBe(etag);
    expect(notModified.body.length).toBe(0);
    expect(earlyCalls.guard).toBe(1);
  });

  it('sends a request with Authorization or Cookie through Nest, which bypasses the cache', async () => {
    await get(running, '/early/items/9');
    for (const headers of [{ authorization: 'Bearer someone' }, { cookie: 'session=abc' }] as Record<string, string>[]) {
      const res = await get(running, '/early/items/9', headers);
      expect(res.res.headers.get('x-cache')).toBe('BYPASS');
    }
    expect(earlyCalls).toEqual({ guard: 3, 'item 9': 3 });
  });

  it('keys by the headers the route varies on', async () => {
    await get(running, '/early/lang', { 'accept-language': 'fr' });
    const fr = await get(running, '/early/lang', { 'accept-language': 'fr' });
    const de = await get(running, '/early/lang', { 'accept-language': 'de' });
    expect([fr.res.headers.get('x-cache'), de.res.headers.get('x-cache')]).toEqual(['HIT', 'MISS']);
    expect(earlyCalls.lang).toBe(2);
  });

  it('stops answering once the namespace is invalidated by a write', async () => {
    await get(running, '/early/items/10');
    expect((await fetch(`${running.url}/early/items`, { method: 'POST' })).status).toBe(201);
    const after = await get(running, '/early/items/10');
    expect(after.res.headers.get('x-cache')).toBe('MISS');
    expect(earlyCalls['item 10']).toBe(2);
  });

  it('leaves request listeners the app added on the server in place: they see early HITs too', async () => {
    const server = running.app.getHttpServer() as import('node:http').Server;
    let seen = 0;
    const listener = () => {
      seen++;
    };
    server.on('request', listener);
    try {
      await get(running, '/early/items/12');
      const hit = await get(running, '/early/items/12');
      expect(hit.res.headers.get('x-cache')).toBe('HIT');
      expect(seen).toBe(2);
      expect(earlyCalls).toEqual({ guard: 1, 'item 12': 1 });
    } finally {
      server.removeListener('request', listener);
    }
  });

  it('counts early HITs in Prometheus under the route template and in cache-stats', async () => {
    const scrape = async () => parsePrometheusText(await (await fetch(`${running.url}/metrics`)).text());
    const labels = { method: 'GET', route: '/early/items/:id', status_code: '200' };
    const before = await scrape();
    const requestsBefore = sampleValue(before, 'http_requests_total', 'http_requests_total', labels) ?? 0;
    const hitsBefore = sampleValue(before, 'cache_lookups_total', 'cache_lookups_total', { namespace: 'early', status: 'hit' }) ?? 0;
    await get(running, '/early/items/11');
    for (let i = 0; i < 5; i++) await get(running, '/early/items/11');
    const after = await scrape();
    expect(sampleValue(after, 'http_requests_total', 'http_requests_total', labels)).toBe(requestsBefore + 6);
    expect(sampleValue(after, 'cache_lookups_total', 'cache_lookups_total', { namespace: 'early', status: 'hit' })).toBe(hitsBefore + 5);
    expect(earlyCalls.guard).toBe(1);
  });
});
