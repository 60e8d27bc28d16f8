import { describe, expect, it } from 'vitest';
import { MemoryHistoryStore } from '../monitor/memory-history.store';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { AlertDispatcher } from './alert-dispatcher';
import { AlertManager } from './alert-manager.service';
import { resolveAlertsOptions, type AlertRule } from '../core/options/schema/alerts';
import type {
  AlertEvent,
  JobAlertCondition,
  JobAlertSource,
  PerformanceAlert,
  RouteAlertCondition,
  RouteAlertSource,
  RouteJudgement,
  StoreOutage,
} from '../core/schemas/performance-alert';

/** Every metric rule off: only job and outage rules can fire; alerts fire and notify at once (no hold, no flap window). */
const options = { ...resolveAlertsOptions({ notifiers: { log: false }, forSeconds: 0, flapWindowSeconds: 0 }), rules: [] };

const snapshot = (at: number) => ({ timestamp: new Date(at).toISOString() }) as MetricsSnapshot;

class Jobs implements JobAlertSource {
  conditions: JobAlertCondition[] = [];
  jobAlerts(): readonly JobAlertCondition[] {
    return this.conditions;
  }
}

const overdue = (job: string): JobAlertCondition => ({
  rule: 'job-overdue',
  job,
  severity: 'critical',
  message: `job "${job}" is overdue`,
  value: 100,
  threshold: 90,
});

function manager(store = new MemoryHistoryStore(100, 100), jobs = new Jobs()) {
  const events: AlertEvent[] = [];
  const dispatcher = new AlertDispatcher([], options.notifiers);
  const m = new AlertManager(options, 'test', store, dispatcher, jobs);
  return { m, jobs, store, events, evaluate: (at: number) => events.push(...m.evaluate(snapshot(at))) };
}

describe('AlertManager with job rules', () => {
  it('keeps one open alert per rule and job', () => {
    const { m, jobs, events, evaluate } = manager();
    jobs.conditions = [overdue('a'), overdue('b')];
    evaluate(1_000);
    evaluate(2_000);
    expect(events.map((e) => [e.kind, e.alert.job])).toEqual([
      ['fired', 'a'],
      ['fired', 'b'],
    ]);
    expect(m.firing().map((a) => [a.metric, a.job, a.count])).toEqual([
      ['job-overdue', 'a', 2],
      ['job-overdue', 'b', 2],
    ]);
    jobs.conditions = [overdue('b')];
    evaluate(3_000);
    expect(events.at(-1)).toMatchObject({ kind: 'resolved', alert: { job: 'a', status: 'resolved', resolvedAt: new Date(3_000).toISOString() } });
    expect(m.firingBySeverity()).toEqual({ critical: 1, warning: 0, info: 0 });
  });

  it('continues a job alert that was firing before a restart, and resolves it when the condition is gone', async () => {
    const store = new MemoryHistoryStore(100, 100);
    const before = manager(store);
    before.jobs.conditions = [overdue('nightly')];
    before.evaluate(1_000);
    await before.m.flush();
    const id = before.m.firing()[0]!.id;

    const after = manager(store);
    await after.m.restore();
    after.jobs.conditions = [overdue('nightly')];
    after.evaluate(2_000);
    expect(after.events).toEqual([]); // the same alert, updated
    expect(after.m.firing()).toMatchObject([{ id, job: 'nightly', count: 2 }]);
    after.jobs.conditions = [];
    after.evaluate(3_000);
    expect(after.events).toMatchObject([{ kind: 'resolved', alert: { id, job: 'nightly' } }]);
  });

  it('resolves a restored job alert when job monitoring is off after the restart', async () => {
    const store = new MemoryHistoryStore(100, 100);
    const before = manager(store);
    before.jobs.conditions = [overdue('nightly')];
    before.evaluate(1_000);
    await before.m.flush();

    const m = new AlertManager(options, 'test', store, new AlertDispatcher([], options.notifiers), null);
    await m.restore();
    expect(m.firing()).toHaveLength(1);
    expect(m.evaluate(snapshot(2_000))).toMatchObject([{ kind: 'resolved', alert: { job: 'nightly' } }]);
    expect(m.firing()).toEqual([]);
  });

  it('goes on with the metric rules when the job source throws', () => {
    const jobs = new Jobs();
    jobs.jobAlerts = () => {
      throw new Error('broken');
    };
    const { m, evaluate } = manager(undefined, jobs);
    expect(() => evaluate(1_000)).not.toThrow();
    expect(m.firing()).toEqual([]);
  });
});

describe('AlertManager with outage rules', () => {
  const redisDown: StoreOutage = { kind: 'cache', name: 'two-tier', reason: 'connect ECONNREFUSED 127.0.0.1:6390' };
  const dbDown = (name: string): StoreOutage => ({ kind: 'database', name, type: 'postgres', reason: 'Connection terminated unexpectedly' });

  it('fires one alert per store while it is down (cache a warning, a database critical) and resolves each when it answers', () => {
    const { m } = manager();
    const at = (ms: number, outages?: StoreOutage[]) => m.evaluate(snapshot(ms), outages);
    expect(at(1_000, [redisDown, dbDown('default'), dbDown('reports')]).map((e) => [e.kind, e.alert.metric, e.alert.dependency, e.alert.severity])).toEqual([
      ['fired', 'cache-store-down', 'two-tier', 'warning'],
      ['fired', 'database-down', 'default', 'critical'],
      ['fired', 'database-down', 'reports', 'critical'],
    ]);
    expect(m.firing().find((a) => a.dependency === 'two-tier')!.message).toBe(
      'Cache store "two-tier" is down (requests go on without the cache): connect ECONNREFUSED 127.0.0.1:6390',
    );
    expect(m.firing().find((a) => a.dependency === 'default')!.message).toBe('Database "default" (postgres) is down: Connection terminated unexpectedly');
    // Not checked this time: nothing changes.
    expect(at(2_000)).toEqual([]);
    expect(at(3_000, [redisDown, dbDown('reports')]).map((e) => [e.kind, e.alert.dependency])).toEqual([['resolved', 'default']]);
    expect(m.firing().map((a) => [a.dependency, a.count])).toEqual([
      ['two-tier', 2],
      ['reports', 2],
    ]);
    expect(at(4_000, []).map((e) => [e.kind, e.alert.dependency])).toEqual([
      ['resolved', 'two-tier'],
      ['resolved', 'reports'],
    ]);
    expect(m.firing()).toEqual([]);
  });

  it('masks the password of any URL in the reason', () => {
    const { m } = manager();
    const [fired] = m.evaluate(snapshot(1_000), [{ kind: 'cache', name: 'redis', reason: 'cannot reach redis://admin:s3cr3t@cache.internal:6379/0' }]);
    expect(fired!.alert.message).toBe('Cache store "redis" is down (requests go on without the cache): cannot reach redis://admin:***@cache.internal:6379/0');
    expect(fired!.alert.message).not.toContain('s3cr3t');
  });

  it('follows alerts.outages: a rule set to false stays silent, a severity is used as given', () => {
    const custom = { ...resolveAlertsOptions({ outages: { cacheStore: false, database: 'warning' }, forSeconds: 0 }), rules: [] };
    const m = new AlertManager(custom, 'test', new MemoryHistoryStore(100, 100), new AlertDispatcher([], options.notifiers));
    expect(m.evaluate(snapshot(1_000), [redisDown, dbDown('default')]).map((e) => [e.alert.metric, e.alert.severity])).toEqual([['database-down', 'warning']]);
  });

  it('continues an outage alert that was firing before a restart', async () => {
    const store = new MemoryHistoryStore(100, 100);
    const before = manager(store);
    before.m.evaluate(snapshot(1_000), [dbDown('default')]);
    await before.m.flush();
    const after = manager(store);
    await after.m.restore();
    expect(after.m.evaluate(snapshot(2_000), [dbDown('default')])).toEqual([]);
    expect(after.m.firing()).toMatchObject([{ metric: 'database-down', dependency: 'default', count: 2 }]);
  });
});

describe('AlertManager on windows without data', () => {
  const p95Only = {
    ...resolveAlertsOptions({ notifiers: { log: false }, forSeconds: 0, flapWindowSeconds: 0 }),
    rules: [
      { metric: 'p95Ms', direction: 'above', levels: { warning: 200, critical: 5000 } },
      { metric: 'errorRatePercent', direction: 'above', levels: { warning: 1 } },
    ] as AlertRule[],
  };
  /** A window: busy and slow, busy and fast, or empty (no requests: p95 null, error rate 0). */
  const window = (at: number, kind: 'slow' | 'fast' | 'empty') =>
    ({
      timestamp: new Date(at).toISOString(),
      requests: kind === 'empty' ? 0 : 500,
      errorRatePercent: 0,
      p95Ms: kind === 'slow' ? 2500 : kind === 'fast' ? 40 : null,
    }) as MetricsSnapshot;

  it('gives one alert, not many, when busy-slow and empty windows alternate (no data is not healthy)', () => {
    const m = new AlertManager(p95Only, 'test', new MemoryHistoryStore(100, 100), new AlertDispatcher([], p95Only.notifiers));
    const events: AlertEvent[] = [];
    let t = 0;
    for (let cycle = 0; cycle < 9; cycle++) {
      events.push(...m.evaluate(window((t += 60_000), 'slow')));
      events.push(...m.evaluate(window((t += 60_000), 'empty')));
      events.push(...m.evaluate(window((t += 60_000), 'empty')));
    }
    expect(events.map((e) => [e.kind, e.alert.metric])).toEqual([['fired', 'p95Ms']]);
    expect(m.firing()).toMatchObject([{ metric: 'p95Ms', status: 'firing', count: 9 }]);
    // A window with requests, fast enough, is what resolves it.
    expect(m.evaluate(window(t + 60_000, 'fast')).map((e) => [e.kind, e.alert.metric])).toEqual([['resolved', 'p95Ms']]);
  });

  it('counts only windows with data towards resolveAfterSamples', () => {
    const twice = { ...p95Only, resolveAfterSamples: 2 };
    const m = new AlertManager(twice, 'test', new MemoryHistoryStore(100, 100), new AlertDispatcher([], twice.notifiers));
    expect(m.evaluate(window(1_000, 'slow'))).toHaveLength(1);
    expect(m.evaluate(window(2_000, 'fast'))).toEqual([]);
    expect(m.evaluate(window(3_000, 'empty'))).toEqual([]);
    expect(m.evaluate(window(4_000, 'empty'))).toEqual([]);
    expect(m.evaluate(window(5_000, 'fast')).map((e) => e.kind)).toEqual(['resolved']);
  });
});

describe('AlertManager lifecycle: hold, flapping, durations', () => {
  const MIN = 60_000;
  const rules = [{ metric: 'p95Ms', direction: 'above', levels: { warning: 200, critical: 5000 } }] as AlertRule[];
  const lifecycle = (o: { forSeconds?: number; flapWindowSeconds?: number; resolveAfterSamples?: number } = {}) => ({
    ...resolveAlertsOptions({ notifiers: { log: false }, ...o }),
    rules,
  });
  const window = (at: number, kind: 'slow' | 'very-slow' | 'fast' | 'empty') =>
    ({
      timestamp: new Date(at).toISOString(),
      intervalSeconds: 60,
      requests: kind === 'empty' ? 0 : 300,
      errorRatePercent: 0,
      p95Ms: { slow: 900, 'very-slow': 6000, fast: 40, empty: null }[kind],
    }) as MetricsSnapshot;
  function run(o: Parameters<typeof lifecycle>[0] = {}) {
    const m = new AlertManager(lifecycle(o), 'test', new MemoryHistoryStore(100, 100), new AlertDispatcher([], options.notifiers));
    const events: AlertEvent[] = [];
    return { m, events, at: (ms: number, kind: Parameters<typeof window>[1]) => events.push(...m.evaluate(window(ms, kind))) };
  }

  it('fires only once the rule has breached for forSeconds; windows without data do not interrupt the hold, a healthy one restarts it', () => {
    const { m, events, at } = run({ forSeconds: 120 });
    at(1 * MIN, 'slow');
    at(2 * MIN, 'empty');
    expect(events).toEqual([]);
    expect(m.pending()).toMatchObject([{ metric: 'p95Ms', severity: 'warning', since: new Date(MIN).toISOString(), heldSeconds: 60, forSeconds: 120 }]);
    at(3 * MIN, 'fast'); // healthy, with data: starts over
    expect(m.pending()).toEqual([]);
    at(4 * MIN, 'slow');
    at(5 * MIN, 'empty');
    at(6 * MIN, 'slow'); // 120 s since 4 min
    expect(events.map((e) => e.kind)).toEqual(['fired']);
    expect(events[0]!.alert).toMatchObject({
      firstSeen: new Date(4 * MIN).toISOString(),
      firedAt: new Date(6 * MIN).toISOString(),
      durationSeconds: 0,
      flapping: false,
      transitions: 0,
    });
    expect(m.pending()).toEqual([]);
    at(8 * MIN, 'slow');
    expect(m.firing()).toMatchObject([{ count: 2, durationSeconds: 120 }]);
  });

  it('keeps a rule that resolves and fires again within the flap window as one alert: one fired, one flapping, one resolved once stable', () => {
    const { m, events, at } = run({ forSeconds: 0, flapWindowSeconds: 300 });
    at(1 * MIN, 'slow'); // fires
    at(2 * MIN, 'fast'); // resolves: the list says so, the notification waits
    expect(m.firing()).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['fired']);
    for (let t = 3; t <= 11; t += 2) {
      at(t * MIN, 'slow');
      at((t + 1) * MIN, 'fast');
    }
    expect(events.map((e) => e.kind)).toEqual(['fired', 'flapping']);
    const ids = new Set(events.map((e) => e.alert.id));
    expect(ids.size).toBe(1);
    // Stable: RESOLVED goes out once the flap window passed without the rule firing again.
    at(13 * MIN, 'fast');
    at(16 * MIN, 'fast');
    expect(events.map((e) => e.kind)).toEqual(['fired', 'flapping']);
    at(17 * MIN, 'fast'); // 300 s after the last resolve at 12 min
    expect(events.map((e) => [e.kind, e.alert.id])).toEqual([
      ['fired', [...ids][0]],
      ['flapping', [...ids][0]],
      ['resolved', [...ids][0]],
    ]);
    expect(events[2]!.alert).toMatchObject({
      status: 'resolved',
      flapping: true,
      transitions: 11, // 6 resolves, 5 re-fires
      firedAt: new Date(MIN).toISOString(),
      resolvedAt: new Date(12 * MIN).toISOString(),
      durationSeconds: 660,
      count: 6,
    });
  });

  it('notifies a fresh breach after the window as a new alert', () => {
    const { events, at } = run({ forSeconds: 0, flapWindowSeconds: 300 });
    at(1 * MIN, 'slow');
    at(2 * MIN, 'fast');
    at(8 * MIN, 'fast'); // 360 s later: RESOLVED goes out
    at(9 * MIN, 'slow');
    expect(events.map((e) => e.kind)).toEqual(['fired', 'resolved', 'fired']);
    expect(events[2]!.alert.id).not.toBe(events[0]!.alert.id);
    expect(events[1]!.alert).toMatchObject({ flapping: false, transitions: 1, durationSeconds: 60 });
  });

  it('with flapWindowSeconds 0 notifies each resolve at once and opens a new alert on each re-fire', () => {
    const { events, at } = run({ forSeconds: 0, flapWindowSeconds: 0 });
    at(1 * MIN, 'slow');
    at(2 * MIN, 'fast');
    at(3 * MIN, 'slow');
    expect(events.map((e) => e.kind)).toEqual(['fired', 'resolved', 'fired']);
    expect(new Set(events.map((e) => e.alert.id)).size).toBe(2);
  });

  it('says escalated when a flapping alert comes back at a higher level', () => {
    const { events, at } = run({ forSeconds: 0, flapWindowSeconds: 300 });
    at(1 * MIN, 'slow');
    at(2 * MIN, 'fast');
    at(3 * MIN, 'slow');
    at(4 * MIN, 'fast');
    at(5 * MIN, 'very-slow');
    expect(events.map((e) => [e.kind, e.alert.severity])).toEqual([
      ['fired', 'warning'],
      ['flapping', 'warning'],
      ['escalated', 'critical'],
    ]);
  });

  it('sends the RESOLVED still waiting when the sampler stops', async () => {
    const delivered: AlertEvent[] = [];
    const dispatcher = new AlertDispatcher([{ name: 'memory', send: async (e) => void delivered.push(e) }], options.notifiers);
    const m = new AlertManager(lifecycle({ forSeconds: 0 }), 'test', new MemoryHistoryStore(100, 100), dispatcher);
    m.evaluate(window(MIN, 'slow'));
    m.evaluate(window(2 * MIN, 'fast'));
    await dispatcher.idle();
    expect(delivered.map((e) => e.kind)).toEqual(['fired']);
    await m.samplerStopped();
    expect(delivered.map((e) => e.kind)).toEqual(['fired', 'resolved']);
  });

  it('on clear, sends the RESOLVED still waiting and opens a new alert on the next breach (the old one is deleted)', async () => {
    const delivered: AlertEvent[] = [];
    const dispatcher = new AlertDispatcher([{ name: 'memory', send: async (e) => void delivered.push(e) }], options.notifiers);
    const m = new AlertManager(lifecycle({ forSeconds: 0 }), 'test', new MemoryHistoryStore(100, 100), dispatcher);
    const t = Date.now() - 10 * MIN;
    const [fired] = m.evaluate(window(t, 'slow'));
    m.evaluate(window(t + MIN, 'fast'));
    expect(await m.clear()).toEqual({ cleared: 1, firing: 0 });
    await dispatcher.idle();
    expect(delivered.map((e) => e.kind)).toEqual(['fired', 'resolved']);
    const [again] = m.evaluate(window(t + 2 * MIN, 'slow'));
    expect(again).toMatchObject({ kind: 'fired' });
    expect(again!.alert.id).not.toBe(fired!.alert.id);
    expect((await m.list(1)).map((a) => a.id)).toEqual([again!.alert.id]);
  });

  it('lists alerts saved before the lifecycle fields with them filled in', async () => {
    const store = new MemoryHistoryStore(100, 100);
    const old = {
      id: 'a1',
      instanceId: 'test',
      metric: 'p95Ms',
      severity: 'warning',
      status: 'resolved',
      message: 'm',
      value: 900,
      threshold: 200,
      firstSeen: new Date(Date.now() - 120_000).toISOString(),
      lastSeen: new Date(Date.now() - 60_000).toISOString(),
      resolvedAt: new Date(Date.now() - 60_000).toISOString(),
      count: 1,
    } as unknown as PerformanceAlert;
    await store.saveAlert(old);
    const m = new AlertManager(lifecycle(), 'test', store, new AlertDispatcher([], options.notifiers));
    expect(await m.list(1)).toMatchObject([{ id: 'a1', firedAt: old.firstSeen, durationSeconds: 60, flapping: false, transitions: 1 }]);
  });
});

describe('AlertManager with route rules', () => {
  class Routes implements RouteAlertSource {
    judgement: RouteJudgement = { measured: [], breaching: [] };
    routeAlerts(): RouteJudgement {
      return this.judgement;
    }
  }
  const slowRoute = (route: string): RouteAlertCondition => ({
    rule: 'route-anomaly',
    route,
    severity: 'warning',
    message: `${route} p95 800 ms is far above its baseline`,
    value: 800,
    threshold: 150,
  });

  it('opens one alert per route after the hold, keeps it through windows that did not measure the route, resolves it on a measured healthy one', () => {
    const routes = new Routes();
    const o = { ...resolveAlertsOptions({ notifiers: { log: false }, forSeconds: 60, flapWindowSeconds: 0 }), rules: [] };
    const m = new AlertManager(o, 'test', new MemoryHistoryStore(100, 100), new AlertDispatcher([], o.notifiers), null, null, null, routes);
    const at = (ms: number) => m.evaluate(snapshot(ms));
    routes.judgement = { measured: ['GET /a', 'GET /b'], breaching: [slowRoute('GET /a')] };
    expect(at(0)).toEqual([]);
    expect(m.pending()).toMatchObject([{ metric: 'route-anomaly', route: 'GET /a' }]);
    expect(at(60_000).map((e) => [e.kind, e.alert.metric, e.alert.route])).toEqual([['fired', 'route-anomaly', 'GET /a']]);
    routes.judgement = { measured: ['GET /b'], breaching: [] }; // /a had too few requests: no data
    expect(at(120_000)).toEqual([]);
    expect(m.firing()).toHaveLength(1);
    routes.judgement = { measured: ['GET /a', 'GET /b'], breaching: [] };
    expect(at(180_000).map((e) => [e.kind, e.alert.route])).toEqual([['resolved', 'GET /a']]);
  });
});
