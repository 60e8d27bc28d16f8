import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { sloBurnRateRule } from './slo-burn-rate.rule';
import type { RequestContext } from '../../core/context/request-context';
import { slosOptionSchema } from '../../core/options/schema/slos';
import { compileSloRoute, SloMonitor } from '../../slo/slo-monitor.service';

const MIN = 60_000;
const HOUR = 60 * MIN;

function monitorAt(start: number, slos: unknown) {
  let now = start;
  const monitor = new SloMonitor(slosOptionSchema.parse(slos), [0.1, 0.25, 0.5], () => now);
  monitor.judgeWith(sloBurnRateRule);
  const request = (route: string | undefined, status: number, ms = 10, method = 'GET') =>
    monitor.responseClosed({ route, method, excluded: false, elapsedMs: () => ms } as unknown as RequestContext, { statusCode: status } as ServerResponse);
  return {
    monitor,
    request,
    many: (n: number, status: number, ms = 10) => {
      for (let i = 0; i < n; i++) request('/api/orders/:id', status, ms);
    },
    advance: (ms: number) => (now += ms),
  };
}

const API = [{ name: 'api', routes: ['GET /api/orders/*'], availability: 99.9, latency: { thresholdMs: 250, percent: 99 } }];

describe('SloMonitor', () => {
  it('matches `[METHOD ]template` patterns: `*` spans segments, a trailing `/*` covers the bare path, no method means any', () => {
    const r = compileSloRoute('GET /api/orders/*');
    expect(r.method).toBe('GET');
    expect(['/api/orders', '/api/orders/:id', '/api/orders/:id/lines'].map((p) => r.path.test(p))).toEqual([true, true, true]);
    expect(r.path.test('/api/ordersx')).toBe(false);
    expect(compileSloRoute('/a.b/*/c').path.test('/a.b/x/y/c')).toBe(true);
    expect(compileSloRoute('/a.b/*/c').path.test('/axb/x/c')).toBe(false);
    expect(compileSloRoute('* /x').method).toBeNull();
  });

  it('leaves out other routes, other methods, unmatched requests and admin (excluded) requests', () => {
    const t = monitorAt(Date.UTC(2026, 0, 1), API);
    t.request('/api/users/:id', 500);
    t.request('/api/orders/:id', 500, 10, 'POST');
    t.request(undefined, 500);
    t.monitor.responseClosed(
      { route: '/api/orders/:id', method: 'GET', excluded: true, elapsedMs: () => 1 } as unknown as RequestContext,
      {
        statusCode: 500,
      } as ServerResponse,
    );
    const [slo] = t.monitor.list().slos;
    expect(slo!.objectives.map((o) => o.requests)).toEqual([0, 0]);
  });

  it('keeps the window by the hour: a request 31 days old is out of a 30-day SLO, burn windows age out by the minute', () => {
    const t = monitorAt(Date.UTC(2026, 0, 1), API);
    t.many(10, 500);
    t.advance(31 * 24 * HOUR);
    t.many(1000, 200);
    t.many(1, 500);
    let availability = t.monitor.list().slos[0]!.objectives[0]!;
    expect(availability).toMatchObject({ requests: 1001, badRequests: 1 });
    expect(availability.errorBudget.remainingPercent).toBeCloseTo(100 * (1 - 1 / 1.001), 2);
    t.advance(6 * MIN);
    t.many(100, 200);
    availability = t.monitor.list().slos[0]!.objectives[0]!;
    expect(availability.windowRequests['5m']).toBe(100);
    expect(availability.burnRates['5m']).toBe(0);
    expect(availability.windowRequests['1h']).toBe(1101);
  });

  it('fast burn (1h and 5m above 14.4x) is critical; a burn only in the past hour is not, once the last 5 minutes are clean', () => {
    const t = monitorAt(Date.UTC(2026, 0, 1), API);
    t.many(980, 200);
    t.many(20, 500); // 2 % bad: 20x the 0.1 % budget
    expect(t.monitor.sloAlerts()).toEqual([expect.objectContaining({ rule: 'slo-burn-rate', slo: 'api', severity: 'critical', threshold: 14.4, value: 20 })]);
    t.advance(10 * MIN);
    t.many(100, 200);
    // 1h still burns (20 of 1100: 18x) but the last 5 minutes are clean: no fast burn; 6h and 30m are above 6x: slow burn.
    expect(t.monitor.sloAlerts()).toEqual([expect.objectContaining({ severity: 'warning', threshold: 6 })]);
    t.advance(31 * MIN);
    t.many(100, 200);
    expect(t.monitor.sloAlerts()).toEqual([]);
  });

  it('slow latency burns the latency budget; a quiet short window (under alertMinRequests) raises nothing', () => {
    const t = monitorAt(Date.UTC(2026, 0, 1), [{ ...API[0], availability: undefined, alertMinRequests: 50 }]);
    t.many(40, 200, 400);
    expect(t.monitor.sloAlerts()).toEqual([]);
    t.many(60, 200, 10);
    const [alert] = t.monitor.sloAlerts();
    expect(alert).toMatchObject({ severity: 'critical', value: 40 });
    expect(alert!.message).toContain('SLO "api" (latency 99% within 250 ms) fast burn');
    expect(t.monitor.list().slos[0]!.objectives[0]).toMatchObject({ objective: 'latency', badRequests: 40, metricsBucketSeconds: 0.25 });
  });

  it('refuses an SLO without objective, a duplicate name, a bad route or a 100 % target', () => {
    const bad = (slos: unknown) => slosOptionSchema.safeParse(slos).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(bad([{ name: 'a', routes: ['/x'] }])).toEqual(['0: needs an availability or a latency objective (or both)']);
    expect(bad([...API, ...API])).toEqual(['1.name: "api" is used by another SLO']);
    expect(bad([{ name: 'a', routes: ['orders'], availability: 99 }])![0]).toContain('0.routes.0: must be "[METHOD ]/route/template"');
    expect(bad([{ name: 'a', routes: ['/x'], availability: 100 }])![0]).toContain('0.availability');
  });
});
