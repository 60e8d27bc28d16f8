import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestTracker } from '../libs/performance/src/core/context/request-tracker.service';
import { PERFORMANCE_HEADER_NAMES, type PerformanceHeaderName } from '../libs/performance/src/core/options/performance.options';
import { ProcessMemory } from '../libs/performance/src/core/process-memory';
import { createHeadersWriter } from '../libs/performance/src/headers/headers-writer';
import { headersFixture } from './fixtures/headers-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const RESPONSE_TIME = /^\d+\.\d{2}ms$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectPerformanceHeaders(res: Response) {
  expect(res.headers.get('x-response-time')).toMatch(RESPONSE_TIME);
  expect(res.headers.get('x-request-id')).toMatch(UUID);
  expect(res.headers.get('x-cache')).toBe('BYPASS');
  expect(res.headers.get('x-db-queries')).toBe('0');
  expect(res.headers.get('x-db-time')).toBe('0.00');
  const memory = Number(res.headers.get('x-memory-usage'));
  expect(memory).toBeGreaterThan(0);
  expect(memory).toBeLessThan(100);
  expect(res.headers.get('x-memory-usage')).toMatch(/^\d+\.\d$/);
  const total = res.headers.get('x-response-time')!.replace('ms', '');
  expect(res.headers.get('server-timing')).toBe(`total;dur=${total}, db;dur=0.00;desc="0 queries", cache;desc=BYPASS`);
}

describe.each(ADAPTERS)('performance headers on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(headersFixture(), adapter);
  });
  afterAll(() => running?.close());

  it.each([
    ['a success', 'GET', '/fixture/ok', 200],
    ['a 4xx thrown by the handler', 'GET', '/fixture/bad', 400],
    ['a 5xx from an unexpected error', 'GET', '/fixture/boom', 500],
    ['a guard rejection', 'GET', '/fixture/guarded', 403],
    ['a pipe rejection', 'GET', '/fixture/items/not-a-number', 400],
    ['an unknown route', 'GET', '/no/such/route', 404],
    ['a streamed response', 'GET', '/fixture/stream', 200],
    ['a HEAD request', 'HEAD', '/fixture/ok', 200],
  ])('are on %s', async (_what, method, path, status) => {
    const res = await fetch(running.url + path, { method });
    expect(res.status).toBe(status);
    expectPerformanceHeaders(res);
    await res.arrayBuffer();
  });

  it('stream a StreamableFile body intact', async () => {
    const res = await fetch(`${running.url}/fixture/stream`);
    expect(await res.text()).toBe('chunk-1,chunk-2,chunk-3');
  });

  it.each([
    ['a headers object', '/fixture/raw-head', 201, 'object'],
    ['a reason phrase and a headers array', '/fixture/raw-head-array', 202, 'array'],
  ])('are on a head the handler wrote itself with %s, each once, beside its own', async (_what, path, status, custom) => {
    const res = await fetch(running.url + path);
    expect(res.status).toBe(status);
    expect(res.headers.get('x-custom')).toBe(custom);
    expect(res.headers.get('content-type')).toBe('text/plain');
    // A header written twice would arrive joined ("a, b") and fail these patterns.
    expectPerformanceHeaders(res);
    expect(await res.text()).toBe(`raw ${custom}`);
  });

  it('keep a well-formed incoming X-Request-ID', async () => {
    const res = await fetch(`${running.url}/fixture/ok`, { headers: { 'X-Request-ID': 'trace-42.a_b-c' } });
    expect(res.headers.get('x-request-id')).toBe('trace-42.a_b-c');
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'abc def'],
    ['with a header injection attempt', 'abc%0d%0aSet-Cookie:%20x=1'],
    ['with unicode', 'réquest'],
    ['with a colon', 'abc:def'],
  ])('replace an incoming X-Request-ID %s with a new UUID, never echoing it', async (_what, incoming) => {
    const res = await fetch(`${running.url}/fixture/ok`, { headers: { 'X-Request-ID': incoming } });
    expect(res.headers.get('x-request-id')).toMatch(UUID);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('measure the time the request took', async () => {
    const res = await fetch(`${running.url}/fixture/delay/t?ms=60`);
    const ms = Number(res.headers.get('x-response-time')!.replace('ms', ''));
    expect(ms).toBeGreaterThanOrEqual(59);
    await res.json();
  });

  it('expose the same request id to the handler and the response, with the route template', async () => {
    const res = await fetch(`${running.url}/fixture/delay/one?ms=1`);
    const body = (await res.json()) as { before: unknown; after: unknown };
    expect(body.before).toEqual({
      tag: 'one',
      requestId: res.headers.get('x-request-id'),
      route: '/fixture/delay/:tag',
      method: 'GET',
    });
    expect(body.after).toEqual(body.before);
  });

  it('never leak a context between 200 interleaved concurrent requests', async () => {
    const requests = Array.from({ length: 200 }, async (_, i) => {
      const tag = `req${i}`;
      const ms = (i * 7) % 40; // different delays, so completions interleave
      const isPost = i % 3 === 0;
      const res = isPost
        ? await fetch(`${running.url}/fixture/echo/${tag}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': `id-${i}` },
            body: JSON.stringify({ ms }),
          })
        : await fetch(`${running.url}/fixture/delay/${tag}?ms=${ms}`, { headers: { 'x-request-id': `id-${i}` } });
      const body = await res.json();
      return { i, isPost, header: res.headers.get('x-request-id'), body };
    });
    for (const { i, isPost, header, body } of await Promise.all(requests)) {
      expect(header).toBe(`id-${i}`);
      if (isPost) {
        expect(body).toEqual({ tag: `req${i}`, requestId: `id-${i}`, route: '/fixture/echo/:tag', method: 'POST' });
      } else {
        const expected = { tag: `req${i}`, requestId: `id-${i}`, route: '/fixture/delay/:tag', method: 'GET' };
        expect(body).toEqual({ before: expected, after: expected });
      }
    }
  });
});

describe.each(ADAPTERS)('switching headers off on %s', (adapter) => {
  it('writes only the headers left on', async () => {
    const running = await startApp(headersFixture({ headers: { 'X-Memory-Usage': false, 'Server-Timing': false } }), adapter);
    try {
      const res = await fetch(`${running.url}/fixture/ok`);
      expect(res.headers.get('x-memory-usage')).toBeNull();
      expect(res.headers.get('server-timing')).toBeNull();
      expect(res.headers.get('x-response-time')).toMatch(RESPONSE_TIME);
    } finally {
      await running.close();
    }
  });

  it('writes none with headers: false, and none with enabled: false', async () => {
    for (const options of [{ headers: false as const }, { enabled: false }]) {
      const running = await startApp(headersFixture(options), adapter);
      try {
        const res = await fetch(`${running.url}/fixture/ok`);
        expect(res.status).toBe(200);
        for (const name of ['x-response-time', 'x-request-id', 'x-cache', 'server-timing', 'x-db-queries']) {
          expect(res.headers.get(name)).toBeNull();
        }
      } finally {
        await running.close();
      }
    }
  });
});

// Node's private header table is written directly only when the start-up self-test found it behaving as
// expected; otherwise every header goes through res.setHeader(). Both ways give the same headers.
describe.each(ADAPTERS)('performance headers through res.setHeader only (no private header table) on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    // With every header off the module registers no writer; the test registers one without the header table.
    running = await startApp(headersFixture({ headers: false }), adapter, (app) => {
      const allOn = Object.fromEntries(PERFORMANCE_HEADER_NAMES.map((name) => [name, true])) as Record<PerformanceHeaderName, boolean>;
      app.get(RequestTracker).writeHeadersWith(createHeadersWriter(allOn, new ProcessMemory(), undefined)!);
    });
  });
  afterAll(() => running?.close());

  it.each([
    ['a success', '/fixture/ok', 200],
    ['a 4xx', '/fixture/bad', 400],
    ['a guard rejection', '/fixture/guarded', 403],
    ['an unknown route', '/no/such/route', 404],
    ['a streamed response', '/fixture/stream', 200],
  ])('are on %s', async (_what, path, status) => {
    const res = await fetch(running.url + path);
    expect(res.status).toBe(status);
    expectPerformanceHeaders(res);
    await res.arrayBuffer();
  });

  it('are on a head the handler wrote itself, each once, beside its own', async () => {
    const res = await fetch(`${running.url}/fixture/raw-head`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-custom')).toBe('object');
    expect(res.headers.get('x-response-time')).toMatch(RESPONSE_TIME);
    expect(res.headers.get('x-request-id')!.split(',')).toHaveLength(1);
  });
});
