import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import type { QueryEvent } from '../core/context/performance-events.service';
import { RequestContext } from '../core/context/request-context';
import { RequestStats, STATEMENTS_PER_REQUEST } from './request-stats.service';

function context(id: string, route: string, startedAt = performance.now()): RequestContext {
  const ctx = new RequestContext(id, 'GET', {}, startedAt);
  ctx.routeTemplate = route;
  return ctx;
}

function query(ctx: RequestContext, n: number, durationMs = 1): QueryEvent {
  ctx.recordQuery(durationMs);
  return {
    operation: 'SELECT',
    statement: `SELECT * FROM t${n} WHERE id = ?`,
    fingerprint: n.toString(16).padStart(16, '0'),
    system: 'postgresql',
    startTime: Date.now(),
    durationMs,
    success: n % 7 !== 3,
    request: ctx,
  };
}

const response = (statusCode: number) => ({ statusCode }) as ServerResponse;

describe('RequestStats: the statements of the slowest requests', () => {
  it('keeps the first statements of a slow request, in order, and counts the rest', () => {
    const stats = new RequestStats();
    const ctx = context('req-many', '/api/items', performance.now() - 40);
    for (let n = 0; n < STATEMENTS_PER_REQUEST + 12; n++) stats.onQuery(query(ctx, n, 0.5));
    stats.responseClosed(ctx, response(200));

    const detail = stats.slowRequest('req-many')!;
    expect(detail).toMatchObject({ requestId: 'req-many', method: 'GET', route: '/api/items', status: 200, dbQueries: STATEMENTS_PER_REQUEST + 12 });
    expect(detail.statements).toHaveLength(STATEMENTS_PER_REQUEST);
    expect(detail.statementsNotKept).toBe(12);
    expect(detail.statements.map((s) => s.statement)).toEqual(Array.from({ length: STATEMENTS_PER_REQUEST }, (_, n) => `SELECT * FROM t${n} WHERE id = ?`));
    expect(detail.statements[3]!.success).toBe(false);
    expect(detail.durationMs).toBeGreaterThanOrEqual(40);
    // The route table lists it among the slowest, without the statements.
    const row = stats.routeTable().find((r) => r.route === '/api/items')!;
    expect(row.slowest.map((s) => s.requestId)).toEqual(['req-many']);
    expect(row.slowest[0]).not.toHaveProperty('statements');
  });

  it('gives each kept request its own statements; a faster request that took no slot is unknown', () => {
    const stats = new RequestStats();
    const now = performance.now();
    // Six requests of one route, 60 ms down to 10 ms: the five slowest keep a slot.
    for (let i = 0; i < 6; i++) {
      const ctx = context(`req-${i}`, '/api/a', now - 60 + i * 10);
      stats.onQuery(query(ctx, i));
      stats.responseClosed(ctx, response(200));
    }
    // A seventh, fastest one does not pass the floor.
    const fast = context('req-fast', '/api/a', now);
    stats.onQuery(query(fast, 99));
    stats.responseClosed(fast, response(200));

    for (let i = 0; i < 5; i++) expect(stats.slowRequest(`req-${i}`)!.statements.map((s) => s.fingerprint)).toEqual([i.toString(16).padStart(16, '0')]);
    expect(stats.slowRequest('req-fast')).toBeUndefined();
    expect(stats.slowRequest('never-seen')).toBeUndefined();
  });

  it('leaves out requests excluded from the figures, and statements that end after the response', () => {
    const stats = new RequestStats();
    const admin = context('req-admin', '/api/performance/routes', performance.now() - 30);
    admin.excluded = true;
    stats.onQuery(query(admin, 1));
    stats.responseClosed(admin, response(200));
    expect(stats.slowRequest('req-admin')).toBeUndefined();

    const ctx = context('req-late', '/api/b', performance.now() - 30);
    stats.onQuery(query(ctx, 1));
    stats.responseClosed(ctx, response(500));
    ctx.closed = true;
    stats.onQuery(query(ctx, 2));
    expect(stats.slowRequest('req-late')!.statements.map((s) => s.statement)).toEqual(['SELECT * FROM t1 WHERE id = ?']);
    expect(stats.slowRequest('req-late')!.status).toBe(500);
  });

  it('forgets a request once it is older than the slowest window', () => {
    let clock = Date.parse('2026-01-01T10:00:00Z');
    const stats = new RequestStats(() => clock);
    const ctx = context('req-old', '/api/c', performance.now() - 20);
    stats.onQuery(query(ctx, 1));
    stats.responseClosed(ctx, response(200));
    expect(stats.slowRequest('req-old')).toBeDefined();
    clock += 10 * 60_000 + 1;
    expect(stats.slowRequest('req-old')).toBeUndefined();
  });
});
