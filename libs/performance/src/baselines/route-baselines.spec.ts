import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RequestContext } from '../core/context/request-context';
import { resolveBaselinesOptions } from '../core/options/schema/baselines';
import type { BaselinesOptions } from '../core/options/baselines.options';
import { RouteBaselines } from './route-baselines.service';

const MIN = 60_000;
const DAY = 86_400_000;
/** Monday 2026-03-02 00:00 UTC. */
const T0 = Date.UTC(2026, 2, 2);

/** A deterministic generator (mulberry32), so the history is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How each route usually answers: a typical time, how much it varies, and errors. */
interface Usual {
  readonly method: string;
  readonly route: string;
  /** Typical time, ms, at a UTC hour. */
  readonly ms: (hour: number) => number;
  /** Relative variation: each response is `ms × (1 ± jitter)` (exponential tail on the slow side). */
  readonly jitter: number;
  readonly errorShare: number;
  readonly perWindow: number;
}

const ROUTES: readonly Usual[] = [
  { method: 'GET', route: '/api/documents/:id', ms: () => 40, jitter: 0.3, errorShare: 0, perWindow: 60 },
  { method: 'GET', route: '/api/documents', ms: () => 90, jitter: 0.5, errorShare: 0.002, perWindow: 40 },
  // A nightly-ish report: slow every day between 09:00 and 10:00 UTC, by design.
  { method: 'GET', route: '/api/reports/daily', ms: (h) => (h === 9 ? 900 : 120), jitter: 0.2, errorShare: 0, perWindow: 25 },
  // Tiny and noisy: from 3 to 8 ms is not worth an alert.
  { method: 'GET', route: '/api/ping', ms: () => 3, jitter: 0.8, errorShare: 0, perWindow: 100 },
  { method: 'POST', route: '/api/orders', ms: () => 150, jitter: 0.4, errorShare: 0.01, perWindow: 30 },
];

/** Feeds one response to the baselines as the request tracker would. */
function respond(b: RouteBaselines, method: string, route: string, ms: number, status: number): void {
  const ctx = { method, route, excluded: false, elapsedMs: () => ms } as unknown as RequestContext;
  b.responseClosed(ctx, { statusCode: status } as ServerResponse);
}

function feedWindow(b: RouteBaselines, rnd: () => number, at: number, override?: { route: string; factor: number; errorShare?: number }): void {
  const hour = new Date(at).getUTCHours();
  for (const u of ROUTES) {
    const slow = override?.route === u.route;
    for (let i = 0; i < u.perWindow; i++) {
      const r = rnd();
      const variation = r < 0.5 ? 1 - u.jitter * r : 1 - Math.log(2 * (1 - r)) * u.jitter;
      const ms = u.ms(hour) * variation * (slow ? override.factor : 1);
      const errorShare = slow && override.errorShare !== undefined ? override.errorShare : u.errorShare;
      respond(b, u.method, u.route, ms, rnd() < errorShare ? 503 : 200);
    }
  }
}

/** Three days of 10-minute windows of the usual traffic, then the baselines. */
function withHistory(options: BaselinesOptions = {}): { b: RouteBaselines; rnd: () => number; end: number } {
  const b = new RouteBaselines(resolveBaselinesOptions({ minSamples: 10, ...options }), () => T0);
  const rnd = random(17);
  let at = T0;
  for (; at < T0 + 3 * DAY;) {
    at += 10 * MIN;
    feedWindow(b, rnd, at);
    b.close(at);
  }
  return { b, rnd, end: at };
}

describe('route baselines learned from a synthetic history', () => {
  it('detects the one route made slow and leaves the others alone, a daily slow hour included', () => {
    const { b, rnd, end } = withHistory();
    // Day 4, 09:10 UTC: the report is slow as every morning; documents/:id is five times slower than usual.
    const at = end + 9 * 60 * MIN + 10 * MIN;
    feedWindow(b, rnd, at, { route: '/api/documents/:id', factor: 5 });
    const judgement = b.routeAlerts(at);
    expect(judgement.measured).toHaveLength(ROUTES.length);
    expect(judgement.breaching.map((c) => [c.rule, c.route])).toEqual([['route-anomaly', 'GET /api/documents/:id']]);
    const [alert] = judgement.breaching;
    expect(alert!.value).toBeGreaterThan(150);
    expect(alert!.message).toMatch(/^GET \/api\/documents\/:id: p95 \d+(\.\d+)? ms over the last \d+ s, far above its usual \d+(\.\d+)? ms ± /);

    const report = b.report();
    const status = Object.fromEntries(report.routes.map((r) => [r.route, r.status]));
    expect(status).toEqual({
      'GET /api/documents/:id': 'anomalous',
      'GET /api/documents': 'normal',
      'GET /api/reports/daily': 'normal',
      'GET /api/ping': 'normal',
      'POST /api/orders': 'normal',
    });
    expect(report.routes[0]!.route).toBe('GET /api/documents/:id'); // anomalous first
    const reports = report.routes.find((r) => r.route === 'GET /api/reports/daily')!;
    // Its own 09:00 baseline: the slow hour is its normal.
    expect(reports.source).toBe('hour-of-day');
    expect(reports.latency.mean).toBeGreaterThan(700);
    expect(reports.hoursLearned).toContain(9);
    const docs = report.routes.find((r) => r.route === 'GET /api/documents/:id')!;
    expect(docs.live).toMatchObject({ at: new Date(at).toISOString(), requests: 60 });
    expect(docs.latency.mean).toBeGreaterThan(30);
    expect(docs.latency.mean).toBeLessThan(80);
    expect(docs.live!.p95Ms).toBeGreaterThan(docs.latency.threshold);
    // Three days of windows, and the live one (it teaches after it is judged, at its threshold).
    expect(docs.learnedFrom).toMatchObject({ from: new Date(T0).toISOString(), to: new Date(at).toISOString(), windows: 3 * 144 + 1 });
  });

  it('would have flagged the slow hour without the hour-of-day baseline: the same history judged on its first day is learning or anomalous', () => {
    // After one day only, 09:00 has been seen once: the moving average is used, and 900 ms is far from it.
    const b = new RouteBaselines(resolveBaselinesOptions({ minSamples: 10 }), () => T0);
    const rnd = random(17);
    let at = T0;
    for (let i = 0; i < 60; i++) {
      at += 10 * MIN;
      feedWindow(b, rnd, at);
      b.close(at);
    }
    // 10:00 to 10:10 UTC of day 1 is past the slow hour; go to day 2, 09:10.
    at = T0 + DAY + 9 * 60 * MIN + 10 * MIN;
    feedWindow(b, rnd, at);
    expect(b.routeAlerts(at).breaching.map((c) => c.route)).toEqual(['GET /api/reports/daily']);
  });

  it('flags a route whose error rate jumps, not one within its usual errors', () => {
    const { b, rnd, end } = withHistory();
    const at = end + 10 * MIN;
    feedWindow(b, rnd, at, { route: '/api/orders', factor: 1, errorShare: 0.4 });
    const [c, ...rest] = b.routeAlerts(at).breaching;
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ rule: 'route-anomaly', route: 'POST /api/orders' });
    expect(c!.message).toMatch(/^POST \/api\/orders: error rate \d+(\.\d+)?% over the last 600 s, far above its usual/);
  });

  it('says learning and judges nothing before minSamples windows', () => {
    const b = new RouteBaselines(resolveBaselinesOptions({ minSamples: 30 }), () => T0);
    const rnd = random(3);
    for (let i = 1; i <= 29; i++) {
      feedWindow(b, rnd, T0 + i * MIN, i === 29 ? { route: '/api/documents/:id', factor: 20 } : undefined);
      expect(b.routeAlerts(T0 + i * MIN).breaching).toEqual([]);
    }
    expect(b.report().routes.every((r) => r.status === 'learning')).toBe(true);
  });

  it('raises route-target for a route over the target set by hand, from its first window', () => {
    const b = new RouteBaselines(resolveBaselinesOptions({ routeTargets: { 'GET /api/documents': { p95Ms: 50 }, 'GET /api/ping': { p95Ms: 50 } } }), () => T0);
    feedWindow(b, random(5), T0 + MIN);
    const judgement = b.routeAlerts(T0 + MIN);
    expect(judgement.breaching.map((c) => [c.rule, c.route, c.threshold])).toEqual([['route-target', 'GET /api/documents', 50]]);
    expect(judgement.breaching[0]!.message).toMatch(/^GET \/api\/documents: p95 \d+(\.\d+)? ms over the last 60 s is over its target of 50 ms$/);
    const rows = Object.fromEntries(b.report().routes.map((r) => [r.route, r.target]));
    expect(rows['GET /api/documents']).toEqual({ p95Ms: 50, met: false });
    expect(rows['GET /api/ping']).toEqual({ p95Ms: 50, met: true });
  });

  it('lists a route with a target that has not been seen, without a live figure', () => {
    const b = new RouteBaselines(resolveBaselinesOptions({ routeTargets: { 'GET /api/health': { p95Ms: 50 } } }));
    expect(b.report().routes).toMatchObject([
      { route: 'GET /api/health', method: 'GET', template: '/api/health', status: 'learning', live: null, target: { p95Ms: 50, met: null } },
    ]);
  });

  it('leaves windows with fewer than minRequests requests of a route unjudged: the route is not measured', () => {
    const b = new RouteBaselines(resolveBaselinesOptions({ minRequests: 20 }), () => T0);
    for (let i = 0; i < 19; i++) respond(b, 'GET', '/api/x', 10, 200);
    expect(b.routeAlerts(T0 + MIN)).toEqual({ measured: [], breaching: [] });
    // Excluded requests (the admin API, probes) and requests that matched no route never count.
    for (let i = 0; i < 50; i++) {
      b.responseClosed({ method: 'GET', route: '/x', excluded: true, elapsedMs: () => 1 } as unknown as RequestContext, { statusCode: 200 } as ServerResponse);
      b.responseClosed(
        { method: 'GET', route: undefined, excluded: false, elapsedMs: () => 1 } as unknown as RequestContext,
        { statusCode: 404 } as ServerResponse,
      );
    }
    expect(b.routeAlerts(T0 + 2 * MIN).measured).toEqual([]);
  });
});
