import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSample, startSample } from './support/sample-app';

interface SlowRequest {
  requestId: string;
  at: number;
  durationMs: number;
  status: number;
  dbQueries: number;
  dbTimeMs: number;
}
interface RouteRow {
  method: string;
  route: string;
  requests: number;
  slowest: SlowRequest[];
}
interface RequestDetail extends SlowRequest {
  method: string;
  route: string;
  statements: { fingerprint: string; statement: string; durationMs: number; success: boolean }[];
  statementsNotKept: number;
}

describe('GET <admin>/requests/:id: a slow request of a route and the statements it ran (sample app, SQLite)', () => {
  let sample: RunningSample;
  const admin = (path: string) => fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 50 });
  });
  afterAll(() => sample?.close());

  it('lists the fingerprinted statements of each slowest request, never the values the client sent', async () => {
    // A distinctive value, bound as a parameter of the search statement.
    const category = 'zebra-category-7391';
    const sent: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = `req-search-${i}`;
      const res = await fetch(`${sample.api}/documents/search?category=${category}&minViews=4242`, { headers: { 'x-request-id': id } });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      sent.push(id);
    }
    const routes = (await (await admin('routes')).json()) as { routes: RouteRow[] };
    const row = routes.routes.find((r) => r.route === '/api/v1/documents/search')!;
    expect(row.requests).toBe(3);
    expect(row.slowest.map((s) => s.requestId).sort()).toEqual(sent);

    for (const slow of row.slowest) {
      const res = await admin(`requests/${slow.requestId}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as RequestDetail;
      expect(body).toMatchObject({ requestId: slow.requestId, method: 'GET', route: '/api/v1/documents/search', status: 200, dbQueries: slow.dbQueries });
      expect(body.dbQueries).toBeGreaterThan(0);
      expect(body.statements).toHaveLength(body.dbQueries);
      expect(body.statementsNotKept).toBe(0);
      const text = JSON.stringify(body.statements);
      expect(text).not.toContain(category);
      expect(text).not.toContain('4242');
      expect(body.statements.some((s) => /SELECT/i.test(s.statement) && /"?category"?\s*=\s*(\?|\$\d|:)/i.test(s.statement))).toBe(true);
      for (const s of body.statements) {
        expect(s.fingerprint).toMatch(/^[0-9a-f]{16}$/);
        expect(s.success).toBe(true);
        expect(s.durationMs).toBeGreaterThanOrEqual(0);
      }
      const summed = body.statements.reduce((n, s) => n + s.durationMs, 0);
      expect(Math.abs(summed - body.dbTimeMs)).toBeLessThan(0.05 * body.statements.length + 0.01);
    }
  });

  it('answers 404 for a request not kept and 400 naming a malformed id; a request without SQL has no statements', async () => {
    const res = await fetch(`${sample.api}/hello`, { headers: { 'x-request-id': 'hello-one' } });
    await res.arrayBuffer();
    const hello = (await (await admin('requests/hello-one')).json()) as RequestDetail;
    expect(hello).toMatchObject({ requestId: 'hello-one', route: '/api/v1/hello', dbQueries: 0, statements: [], statementsNotKept: 0 });

    const missing = await admin('requests/never-seen-request');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toContain('never-seen-request');
    const bad = await admin(`requests/${encodeURIComponent('bad id!')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^id must be a request id/);
    const extra = await admin('requests/hello-one?x=1');
    expect(extra.status).toBe(400);
  });
});
