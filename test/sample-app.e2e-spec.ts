import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

type Json = any;
const json = async (res: Response | Promise<Response>): Promise<Json> => (await res).json();

describe.each(ADAPTERS)('the sample app on %s (SQLite)', (adapter) => {
  let sample: RunningSample;

  beforeAll(async () => {
    sample = await startSample(adapter);
  });
  afterAll(() => sample?.close());

  it('answers the overhead baseline with every performance header', async () => {
    const res = await fetch(`${sample.api}/hello`);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('x-response-time')).toMatch(/^\d+\.\d{2}ms$/);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-cache')).toMatch(/^(BYPASS|MISS|HIT)$/);
    expect(res.headers.get('x-db-queries')).toBe('0');
    expect(res.headers.get('server-timing')).toMatch(/^total;dur=\d+\.\d{2}, db;dur=0\.00;desc="0 queries", cache;desc=\w+$/);
  });

  it('serves one seeded document', async () => {
    const res = await fetch(`${sample.api}/documents/1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 1, workspaceId: 1, authorId: 1 });
  });

  it('lists documents with authors, naive and joined, with the same result', async () => {
    const naive = await json(fetch(`${sample.api}/documents?limit=20&include=author&strategy=naive`));
    const joined = await json(fetch(`${sample.api}/documents?limit=20&include=author&strategy=join`));
    expect(naive).toEqual(joined);
    expect(naive.count).toBe(20);
    expect(naive.items[4].author).toEqual({ id: 5, name: 'User 5', email: 'user5@example.test' });
  });

  it('searches on the unindexed columns', async () => {
    const body = await json(fetch(`${sample.api}/documents/search?category=legal&status=published&limit=5`));
    expect(body.count).toBe(5);
    for (const item of body.items) expect(item).toMatchObject({ category: 'legal', status: 'published' });
    const views = body.items.map((i: { views: number }) => i.views);
    expect(views).toEqual([...views].sort((a, b) => b - a));
  });

  it('computes the analytics overview over the 10,000 seeded documents', async () => {
    const body = await json(fetch(`${sample.api}/analytics/overview`));
    expect(body.totals.documents).toBeGreaterThanOrEqual(10_000);
    expect(body.byWorkspace).toHaveLength(5);
    expect(body.byStatus.map((s: { status: string }) => s.status)).toEqual(['archived', 'draft', 'published', 'review']);
    expect(body.chat.messages).toBe(5000);
  });

  it('creates a document from the documented JSON body', async () => {
    const res = await fetch(`${sample.api}/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workspaceId: 1, title: 'Release notes', content: 'three words here' }),
    });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created).toMatchObject({ workspaceId: 1, title: 'Release notes', wordCount: 3, authorId: null });
    const read = await json(fetch(`${sample.api}/documents/${created.id}`));
    expect(read.title).toBe('Release notes');
  });

  it.each([
    ['a malformed id', 'GET', '/documents/abc', undefined, 400],
    ['a missing document', 'GET', '/documents/99999999', undefined, 404],
    ['limit=-1', 'GET', '/documents?limit=-1', undefined, 400],
    ['limit too large', 'GET', '/documents?limit=1000', undefined, 400],
    ['an unknown strategy', 'GET', '/documents?strategy=magic', undefined, 400],
    ['an unknown query parameter', 'GET', '/documents?limt=5', undefined, 400],
    ['a body without title', 'POST', '/documents', { workspaceId: 1, content: 'x' }, 400],
    ['a body with a negative workspace', 'POST', '/documents', { workspaceId: -1, title: 't', content: 'x' }, 400],
  ])('refuses %s with a clear error', async (_what, method, path, body, status) => {
    const res = await fetch(`${sample.api}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    expect(res.status).toBe(status);
    const error = await json(res);
    expect(JSON.stringify(error.message)).toMatch(/\w/);
    expect(res.headers.get('x-response-time')).toBeTruthy();
  });

  it('names the bad parameter in its 400', async () => {
    const res = await fetch(`${sample.api}/documents?limit=-1`);
    expect((await json(res)).message).toEqual(['limit: must be a whole number']);
  });

  it('shows chat sessions and their messages', async () => {
    const sessions = await json(fetch(`${sample.api}/chat/sessions?workspaceId=1&limit=3`));
    expect(sessions).toHaveLength(3);
    const { messages } = await json(fetch(`${sample.api}/chat/sessions/${sessions[0].id}/messages`));
    expect(messages.length).toBeGreaterThan(0);
  });

  it('keeps /status at the root, outside the global prefix', async () => {
    expect((await fetch(`${sample.url}/status`)).status).toBe(200);
    expect((await fetch(`${sample.api}/status`)).status).toBe(404);
  });
});
