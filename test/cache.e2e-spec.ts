import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildCacheKey, PerformanceEvents, ResponseCache, type CacheEvent } from 'nestjs-performance';
import { ADMIN_TOKEN, cacheFixture, calls, resetCalls } from './fixtures/cache-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

interface Captured {
  status: number;
  contentType: string | null;
  etag: string | null;
  xCache: string | null;
  age: string | null;
  serverTiming: string | null;
  body: Buffer;
}

async function get(url: string, init: RequestInit = {}): Promise<Captured> {
  const res = await fetch(url, init);
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    etag: res.headers.get('etag'),
    xCache: res.headers.get('x-cache'),
    age: res.headers.get('age'),
    serverTiming: res.headers.get('server-timing'),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe.each(ADAPTERS)('response cache (memory store) on %s', (adapter) => {
  let running: RunningApp;
  let url: string;
  const events: CacheEvent[] = [];

  beforeAll(async () => {
    running = await startApp(cacheFixture(), adapter);
    url = running.url;
    running.app.get(PerformanceEvents).onCache((e) => events.push(e));
  });
  afterAll(() => running?.close());
  beforeEach(async () => {
    resetCalls();
    events.length = 0;
    await running.app.get(ResponseCache).invalidate({ all: true });
    running.app.get(ResponseCache).stats.reset();
  });
  afterEach(() => vi.useRealTimers());

  it('replays a HIT byte for byte: status, content type, body, ETag; adds Age; shows HIT in X-Cache and Server-Timing', async () => {
    const miss = await get(`${url}/cache/counter`);
    const hit = await get(`${url}/cache/counter`);
    expect(miss.xCache).toBe('MISS');
    expect(hit.xCache).toBe('HIT');
    expect(hit.serverTiming).toMatch(/cache;desc=HIT$/);
    expect(miss.serverTiming).toMatch(/cache;desc=MISS$/);
    expect(miss.age).toBeNull();
    expect(hit.age).toMatch(/^\d+$/);
    expect({ ...hit, xCache: null, age: null, serverTiming: null }).toEqual({ ...miss, xCache: null, age: null, serverTiming: null });
    expect(JSON.parse(miss.body.toString('utf8'))).toEqual({ n: 1, q: null, text: 'héllo ✓ "quoted" </script>' });
    expect(miss.contentType).toBe('application/json; charset=utf-8');
    expect(miss.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(calls.counter).toBe(1);
  });

  it('replays a string body with the content type it was sent with', async () => {
    const miss = await get(`${url}/cache/text`);
    const hit = await get(`${url}/cache/text`);
    expect([miss.xCache, hit.xCache]).toEqual(['MISS', 'HIT']);
    expect(hit.body.equals(miss.body)).toBe(true);
    expect(hit.contentType).toBe(miss.contentType);
    expect(miss.body.toString()).toBe('plain text 1');
  });

  it('keys by the normalized query: order of names ignored, values of one name kept in order', async () => {
    const a = await get(`${url}/cache/counter?q=1&z=2`);
    const b = await get(`${url}/cache/counter?z=2&q=1`);
    const c = await get(`${url}/cache/counter?q=2`);
    expect([a.xCache, b.xCache, c.xCache]).toEqual(['MISS', 'HIT', 'MISS']);
    expect(b.body.equals(a.body)).toBe(true);
    expect(calls.counter).toBe(2);
  });

  it('caches routes of the cacheablePaths map by route template, and @NoCache wins over the map', async () => {
    const beta = [await get(`${url}/cache/beta`), await get(`${url}/cache/beta`)];
    const items = [await get(`${url}/cache/items/1`), await get(`${url}/cache/items/2`), await get(`${url}/cache/items/1`)];
    const off = [await get(`${url}/cache/off`), await get(`${url}/cache/off`)];
    expect(beta.map((r) => r.xCache)).toEqual(['MISS', 'HIT']);
    expect(items.map((r) => r.xCache)).toEqual(['MISS', 'MISS', 'HIT']);
    expect(off.map((r) => r.xCache)).toEqual(['BYPASS', 'BYPASS']);
    expect(calls).toEqual({ beta: 1, 'item-1': 1, 'item-2': 1, off: 2 });
  });

  it('bypasses requests with Authorization or Cookie on a route without a per-user key, and never serves them a cached response', async () => {
    const anonymous = await get(`${url}/cache/private`);
    const withAuth = await get(`${url}/cache/private`, { headers: { authorization: 'Bearer user-a' } });
    const withCookie = await get(`${url}/cache/private`, { headers: { cookie: 'sid=1' } });
    expect([anonymous.xCache, withAuth.xCache, withCookie.xCache]).toEqual(['MISS', 'BYPASS', 'BYPASS']);
    expect(JSON.parse(withAuth.body.toString())).toEqual({ n: 2 });
    expect(JSON.parse(withCookie.body.toString())).toEqual({ n: 3 });
    const stats = running.app.get(ResponseCache).report();
    expect(stats.bypassReasons).toEqual({ authorization: 1, cookie: 1 });
  });

  it("never serves user A's response to user B (per-user key)", async () => {
    const a1 = await get(`${url}/cache/me`, { headers: { authorization: 'Bearer alice' } });
    const b1 = await get(`${url}/cache/me`, { headers: { authorization: 'Bearer bob' } });
    const a2 = await get(`${url}/cache/me`, { headers: { authorization: 'Bearer alice' } });
    const b2 = await get(`${url}/cache/me`, { headers: { authorization: 'Bearer bob' } });
    expect([a1.xCache, b1.xCache, a2.xCache, b2.xCache]).toEqual(['MISS', 'MISS', 'HIT', 'HIT']);
    expect(JSON.parse(a1.body.toString())).toEqual({ n: 1 });
    expect(JSON.parse(b1.body.toString())).toEqual({ n: 2 });
    expect(a2.body.equals(a1.body)).toBe(true);
    expect(b2.body.equals(b1.body)).toBe(true);
    // 50 interleaved concurrent requests of two users: each only ever sees its own body.
    const mixed = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        get(`${url}/cache/me`, { headers: { authorization: i % 2 ? 'Bearer bob' : 'Bearer alice' } }).then((r) => [i % 2, r.body.toString()] as const),
      ),
    );
    for (const [isBob, body] of mixed) expect(body).toBe(isBob ? b1.body.toString() : a1.body.toString());
    // User keys are hashed: no identity in keys that admin stats show.
    const keys = running.app
      .get(ResponseCache)
      .report(100)
      .hotKeys.map((k) => k.key);
    expect(keys.some((k) => k.includes('alice') || k.includes('bob'))).toBe(false);
  });

  it.each([
    ['a response that sets a cookie', 'cookie', 'set-cookie'],
    ['Cache-Control: no-store', 'no-store', 'no-store'],
    ['Cache-Control: private', 'private-cc', 'no-store'],
    ['a status outside cache.statuses (203)', 'created', 'status'],
    ['a body over maxEntryBytes', 'big', 'too-large'],
  ])('never stores %s', async (_what, path, reason) => {
    const first = await get(`${url}/cache/${path}`);
    const second = await get(`${url}/cache/${path}`);
    expect([first.xCache, second.xCache]).toEqual(['MISS', 'MISS']);
    expect(calls[path]).toBe(2);
    expect(running.app.get(ResponseCache).report().notStored).toEqual({ [reason]: 2 });
  });

  it('never stores an error', async () => {
    const first = await get(`${url}/cache/error`);
    const second = await get(`${url}/cache/error`);
    expect([first.status, second.status]).toEqual([500, 500]);
    expect(calls.error).toBe(2);
  });

  it('caches only GET and HEAD; a HEAD is served from the GET entry without a body', async () => {
    await get(`${url}/cache/counter`);
    const head = await get(`${url}/cache/counter`, { method: 'HEAD' });
    expect(head.xCache).toBe('HIT');
    expect(head.body.length).toBe(0);
    const post = await fetch(`${url}/cache/counter`, { method: 'POST' });
    expect(post.headers.get('x-cache')).toBe('BYPASS');
    expect(calls).toEqual({ counter: 1, mutate: 1 });
  });

  it('answers 304 to a matching If-None-Match, with the ETag and no body', async () => {
    const miss = await get(`${url}/cache/counter`);
    const notModified = await get(`${url}/cache/counter`, { headers: { 'if-none-match': miss.etag! } });
    expect(notModified.status).toBe(304);
    expect(notModified.etag).toBe(miss.etag);
    expect(notModified.body.length).toBe(0);
    const other = await get(`${url}/cache/counter`, { headers: { 'if-none-match': '"something-else"' } });
    expect(other.status).toBe(200);
    expect(other.body.equals(miss.body)).toBe(true);
  });

  it('keys by the headers a route varies on', async () => {
    const en = await get(`${url}/cache/lang`, { headers: { 'accept-language': 'en' } });
    const de = await get(`${url}/cache/lang`, { headers: { 'accept-language': 'de' } });
    const en2 = await get(`${url}/cache/lang`, { headers: { 'accept-language': 'en' } });
    expect([en.xCache, de.xCache, en2.xCache]).toEqual(['MISS', 'MISS', 'HIT']);
    expect(en2.body.equals(en.body)).toBe(true);
    expect(de.body.equals(en.body)).toBe(false);
  });

  it('runs the handler once for 100 concurrent misses of one key, and every response is the same', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => get(`${url}/cache/slow`)));
    expect(calls.slow).toBe(1);
    const body = results[0]!.body;
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body.equals(body)).toBe(true);
    }
    // On a busy machine some requests may only arrive after the handler finished: those are plain HITs.
    const t = running.app.get(ResponseCache).report().totals;
    expect({ lookups: t.misses + t.hits, coalesced: t.coalesced, stored: t.stored }).toEqual({ lookups: 100, coalesced: t.misses - 1, stored: 1 });
  });

  it('expires entries after their TTL (fake clock)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const first = await get(`${url}/cache/counter`);
    vi.advanceTimersByTime(59_000);
    const fresh = await get(`${url}/cache/counter`);
    vi.advanceTimersByTime(1_000);
    const expired = await get(`${url}/cache/counter`);
    expect([first.xCache, fresh.xCache, expired.xCache]).toEqual(['MISS', 'HIT', 'MISS']);
    expect(fresh.age).toBe('59');
    expect(calls.counter).toBe(2);
  });

  it('invalidates the namespace of an @InvalidateCache handler after it succeeds, and only that namespace', async () => {
    await get(`${url}/cache/counter`);
    await get(`${url}/cache/beta`);
    expect((await fetch(`${url}/cache/counter-fails`, { method: 'POST' })).status).toBe(500);
    expect((await get(`${url}/cache/counter`)).xCache).toBe('HIT');
    expect((await fetch(`${url}/cache/counter`, { method: 'POST' })).status).toBe(201);
    expect((await get(`${url}/cache/counter`)).xCache).toBe('MISS');
    expect((await get(`${url}/cache/beta`)).xCache).toBe('HIT');
  });

  it('invalidates by key and by pattern through the service', async () => {
    const cache = running.app.get(ResponseCache);
    await get(`${url}/cache/items/1`);
    await get(`${url}/cache/items/2`);
    await get(`${url}/cache/counter`);
    // The key as the cache builds it (anonymous request, this host); a pattern drops every variant of one URL.
    const key = buildCacheKey({ namespace: 'items', host: new URL(url).host, url: '/cache/items/1' });
    expect(await cache.invalidate({ key: key! })).toBe(1);
    expect((await get(`${url}/cache/items/1`)).xCache).toBe('MISS');
    expect((await get(`${url}/cache/items/2`)).xCache).toBe('HIT');
    expect(await cache.invalidate({ pattern: 'items:/cache/items/*' })).toBe(2);
    expect((await get(`${url}/cache/items/2`)).xCache).toBe('MISS');
    expect((await get(`${url}/cache/counter`)).xCache).toBe('HIT');
    await expect(cache.invalidate('nope')).rejects.toThrow('namespace "nope" is unknown');
  });

  it('emits one cache event per lookup, with namespace, status and bypass reason', async () => {
    await get(`${url}/cache/counter`);
    await get(`${url}/cache/counter`);
    await get(`${url}/cache/private`, { headers: { cookie: 'a=1' } });
    await get(`${url}/cache/off`);
    expect(events.map((e) => [e.namespace, e.status, e.reason])).toEqual([
      ['alpha', 'MISS', undefined],
      ['alpha', 'HIT', undefined],
      ['users', 'BYPASS', 'cookie'],
    ]);
    expect(events[1]!.request?.requestId).toMatch(/./);
  });

  it('shows stats and clears one namespace through the admin API; an unknown namespace is a 400 naming it', async () => {
    await get(`${url}/cache/counter`);
    await get(`${url}/cache/counter`);
    await get(`${url}/cache/beta`);
    const statsRes = await fetch(`${url}/performance/cache-stats`, { headers: admin });
    expect(statsRes.status).toBe(200);
    const stats = (await statsRes.json()) as Record<string, any>;
    expect(stats.namespaces.alpha).toEqual({ hits: 1, misses: 1, stale: 0, bypasses: 0, hitRate: 0.5, clearable: true });
    expect(stats.namespaces.beta).toEqual({ hits: 0, misses: 1, stale: 0, bypasses: 0, hitRate: 0, clearable: true });
    expect(stats.hotKeys).toEqual([{ key: expect.stringMatching(/^alpha:\/cache\/counter#[\w-]{32}$/), hits: 1 }]);
    expect(stats.store).toMatchObject({ store: 'memory', status: 'up', entries: 2, evictions: 0 });
    expect(stats.knownNamespaces).toEqual(['alpha', 'beta', 'default', 'items', 'users']);

    const bad = await fetch(`${url}/performance/cache/clear?namespace=gamma`, { method: 'POST', headers: admin });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('namespace "gamma" is unknown');
    expect((await get(`${url}/cache/counter`)).xCache).toBe('HIT');

    const cleared = await fetch(`${url}/performance/cache/clear?namespace=alpha`, { method: 'POST', headers: admin });
    expect(await cleared.json()).toEqual({ cleared: 'alpha', removed: 1, queryCaches: [] });
    expect((await get(`${url}/cache/counter`)).xCache).toBe('MISS');
    expect((await get(`${url}/cache/beta`)).xCache).toBe('HIT');

    expect((await fetch(`${url}/performance/cache/clear`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${url}/performance/cache-stats?top=-1`, { headers: admin })).status).toBe(400);
  });
});

describe.each(ADAPTERS)('stale-while-revalidate on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(cacheFixture({ staleWhileRevalidate: 30 }), adapter);
  });
  afterAll(() => running?.close());
  afterEach(() => vi.useRealTimers());

  it('serves STALE once expired while one refresh runs, then the refreshed entry', async () => {
    resetCalls();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const first = await get(`${running.url}/cache/slow`);
    vi.advanceTimersByTime(61_000);
    const [stale1, stale2] = await Promise.all([get(`${running.url}/cache/slow`), get(`${running.url}/cache/slow`)]);
    expect([stale1.xCache, stale2.xCache]).toEqual(['STALE', 'STALE']);
    expect(stale1.body.equals(first.body)).toBe(true);
    await vi.waitFor(() => expect(calls.slow).toBe(2), { timeout: 2000, interval: 20 });
    await vi.waitFor(async () => expect((await get(`${running.url}/cache/slow`)).xCache).toBe('HIT'), { timeout: 2000, interval: 20 });
    const refreshed = await get(`${running.url}/cache/slow`);
    expect(JSON.parse(refreshed.body.toString())).toEqual({ n: 2 });
    vi.advanceTimersByTime(95_000);
    expect((await get(`${running.url}/cache/slow`)).xCache).toBe('MISS');
  });
});
