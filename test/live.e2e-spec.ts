import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveStreams } from '../libs/performance/src/admin/live-stream.service';
import type { LivePoint } from '../libs/performance/src/monitor/live-ring';
import { ADAPTERS } from './support/http-app';
import { startSample, type RunningSample } from './support/sample-app';

interface LiveBody {
  resolutionSeconds: number;
  retainedSeconds: number;
  points: LivePoint[];
}
interface RouteRow {
  method: string;
  route: string;
  requests: number;
  status: Record<string, number>;
  errors: number;
  errorRatePercent: number;
  dbQueriesPerRequest: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  ratePerSecond: number;
  dbTimeSharePercent: number;
  cacheHitRatePercent: number | null;
  slowest: { requestId: string; at: number; durationMs: number; status: number; dbQueries: number }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads Server-Sent Events from a fetch response body, one parsed `points` event at a time. */
async function* events(res: Response): AsyncGenerator<{ at: number; body: LiveBody }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      if (block.includes('event: points') && data) yield { at: Date.now(), body: JSON.parse(data) as LiveBody };
    }
  }
}

describe.each(ADAPTERS)('live view and route table (%s)', (adapter) => {
  let sample: RunningSample;
  const admin = () => `${sample.api}/performance`;
  const get = async (url: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 10 });
  });
  let closed = false;
  afterAll(() => (closed ? undefined : sample?.close()));

  it('needs the admin credential and refuses bad parameters, naming them', async () => {
    expect(await get(`${admin()}/live`)).toBe(401);
    expect(await get(`${admin()}/live?format=json`, { authorization: 'Bearer wrong' })).toBe(401);
    expect(await get(`${admin()}/routes`)).toBe(401);
    for (const [query, word] of [
      ['seconds=0', 'seconds'],
      ['seconds=901', 'seconds'],
      ['format=xml', 'format'],
      ['second=5', 'second'],
    ]) {
      const res = await fetch(`${admin()}/live?${query}`, { headers: sample.admin });
      expect([query, res.status]).toEqual([query, 400]);
      expect(((await res.json()) as { message: string }).message).toContain(word);
    }
    expect(sample.app.get(LiveStreams).open).toBe(0);
  });

  it('answers JSON to a client that does not ask for an event stream, and streams with format=sse', async () => {
    const plain = await fetch(`${admin()}/live?seconds=3`, { headers: sample.admin });
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await plain.json()) as LiveBody).points).toHaveLength(3);
    const abort = new AbortController();
    const res = await fetch(`${admin()}/live?format=sse&seconds=2`, { headers: sample.admin, signal: abort.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await events(res).next();
    expect(first.value!.body.points.length).toBeGreaterThanOrEqual(1);
    abort.abort();
    await expect.poll(() => sample.app.get(LiveStreams).open, { timeout: 5000 }).toBe(0);
  });

  it('streams one point per second, counts equal to the requests sent, and lets go of the stream on disconnect', async () => {
    const streams = sample.app.get(LiveStreams);
    const abort = new AbortController();
    const res = await fetch(`${admin()}/live?seconds=5`, { headers: { ...sample.admin, accept: 'text/event-stream' }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const stream = events(res);
    try {
      await streamed(stream, abort, streams);
    } finally {
      abort.abort();
    }
  });

  async function streamed(stream: AsyncGenerator<{ at: number; body: LiveBody }>, abort: AbortController, streams: LiveStreams) {
    const first = (await stream.next()).value!;
    expect(first.body.resolutionSeconds).toBe(1);
    expect(first.body.points.length).toBeGreaterThanOrEqual(4);
    expect(streams.open).toBe(1);
    expect(streams.ticking).toBe(true);

    // Traffic after the first event, spread over about two seconds.
    let sent = 0;
    for (let i = 0; i < 8; i++) {
      expect(await get(`${sample.api}/hello`)).toBe(200);
      sent++;
      if (i % 2 === 1) await sleep(400);
    }
    expect(await get(`${sample.api}/documents/1`)).toBe(200);
    expect(await get(`${sample.api}/documents/999999`)).toBe(404);
    sent += 2;
    const trafficEnded = Date.now();

    const seen: LivePoint[] = [...first.body.points];
    // Read until a point starts after the traffic ended: every request is in the points before it.
    while (seen[seen.length - 1]!.t <= trafficEnded) {
      const next = await stream.next();
      expect(next.done).toBe(false);
      expect(next.value!.body.points.length).toBeGreaterThan(0);
      seen.push(...next.value!.body.points);
    }
    // One point for every second, none missing, none twice.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.t - seen[i - 1]!.t).toBe(1000);
    const total = seen.reduce((n, p) => n + p.requests, 0);
    expect(total).toBe(sent);
    const status = seen.reduce((n, p) => ({ ok: n.ok + p.status['2xx'], missing: n.missing + p.status['4xx'] }), { ok: 0, missing: 0 });
    expect(status).toEqual({ ok: sent - 1, missing: 1 });
    expect(seen.reduce((n, p) => n + p.dbQueries, 0)).toBeGreaterThanOrEqual(1);
    const busy = seen.filter((p) => p.requests > 0);
    for (const p of busy) expect(p.p50Ms! <= p.p95Ms! && p.p95Ms! <= p.p99Ms! && p.p99Ms! <= p.maxMs!).toBe(true);
    expect(seen.filter((p) => p.requests === 0).every((p) => p.p95Ms === null)).toBe(true);

    // Disconnect: the server drops the stream and its timer.
    abort.abort();
    await expect.poll(() => streams.open, { timeout: 5000 }).toBe(0);
    expect(streams.ticking).toBe(false);

    // The polling fallback answers the same seconds.
    const json = (await (await fetch(`${admin()}/live?format=json&seconds=900`, { headers: sample.admin })).json()) as LiveBody;
    expect(json.points).toHaveLength(900);
    const byT = new Map(json.points.map((p) => [p.t, p.requests]));
    expect(seen.map((p) => byT.get(p.t))).toEqual(seen.map((p) => p.requests));
  }

  it('routes: one row per method and route template, counts equal to the requests sent', async () => {
    const before = (await (await fetch(`${admin()}/routes`, { headers: sample.admin })).json()) as { routes: RouteRow[] };
    const count = (rows: RouteRow[], route: string) => rows.find((r) => r.method === 'GET' && r.route === route);
    const hello0 = count(before.routes, '/api/v1/hello')?.requests ?? 0;
    const doc0 = count(before.routes, '/api/v1/documents/:id')?.requests ?? 0;
    for (let i = 0; i < 5; i++) expect(await get(`${sample.api}/hello`)).toBe(200);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (let i = 1; i <= 3; i++) expect(await get(`${sample.api}/documents/${i}`, { 'x-request-id': ids[i - 1]! })).toBe(200);
    const res = await fetch(`${admin()}/routes`, { headers: sample.admin });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { at: number; rateWindowSeconds: number; routes: RouteRow[] };
    expect(body.rateWindowSeconds).toBe(60);
    const hello = count(body.routes, '/api/v1/hello')!;
    const doc = count(body.routes, '/api/v1/documents/:id')!;
    expect(hello.requests - hello0).toBe(5);
    expect(doc.requests - doc0).toBe(3);
    expect(hello.dbQueriesPerRequest).toBe(0);
    expect(doc.dbQueriesPerRequest).toBeGreaterThanOrEqual(1);
    expect(doc.dbTimeSharePercent).toBeGreaterThan(0);
    expect(hello.status['2xx']).toBe(hello.requests);
    expect(hello.p50Ms <= hello.p95Ms && hello.p95Ms <= hello.p99Ms).toBe(true);
    expect(hello.ratePerSecond).toBeGreaterThan(0);
    // Each route's slowest requests of the last minutes, slowest first, by request id: here every request of
    // documents/:id (five in all, the three above among them), and five of hello's thirteen.
    expect(doc.requests).toBe(5);
    expect(doc.slowest).toHaveLength(5);
    expect(doc.slowest.map((r) => r.requestId)).toEqual(expect.arrayContaining(ids));
    expect(doc.slowest.find((r) => r.requestId === ids[0])!.status).toBe(200);
    expect(doc.slowest.find((r) => r.status === 404)).toBeDefined();
    expect(doc.slowest.every((r) => r.dbQueries >= 1 && r.at > Date.now() - 60_000)).toBe(true);
    expect(hello.slowest).toHaveLength(5);
    const durations = hello.slowest.map((r) => r.durationMs);
    expect(durations).toEqual([...durations].sort((a, b) => b - a));
    // The admin API and the stream are not routes of the app.
    expect(body.routes.some((r) => r.route.includes('/performance'))).toBe(false);
  });

  // Last: it shuts the app down.
  it('ends open streams when the app shuts down, so closing the server does not wait for them', async () => {
    const res = await fetch(`${admin()}/live?seconds=1`, { headers: { ...sample.admin, accept: 'text/event-stream' } });
    const stream = events(res);
    expect((await stream.next()).done).toBe(false);
    expect(sample.app.get(LiveStreams).open).toBe(1);
    closed = true;
    await sample.close();
    // The client sees the end of the stream (at most the events sent before it).
    for (let i = 0; i < 3; i++) if ((await stream.next()).done) return;
    throw new Error('the stream did not end with the app');
  });
});
