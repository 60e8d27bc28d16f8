import { describe, expect, it } from 'vitest';
import { MemoryHistoryStore } from '../monitor/memory-history.store';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { AlertDispatcher } from './alert-dispatcher';
import { AlertManager } from './alert-manager.service';
import { resolveAlertsOptions } from '../core/options/schema/alerts';
import type { AlertEvent, JobAlertCondition, JobAlertSource, StoreOutage } from '../core/schemas/performance-alert';

/** Every metric rule off: only job rules can fire. */
const options = resolveAlertsOptions({
  rules: {
    cpuPercent: false,
    memoryPercent: false,
    p95Ms: false,
    errorRatePercent: false,
    poolUtilizationPercent: false,
    dbMeanQueryMs: false,
    eventLoopLagP99Ms: false,
    cacheHitRatePercent: false,
  },
  notifiers: { log: false },
});

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
    const custom = { ...resolveAlertsOptions({ outages: { cacheStore: false, database: 'warning' } }), rules: [] };
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
  const p95Only = resolveAlertsOptions({
    rules: {
      cpuPercent: false,
      memoryPercent: false,
      p95Ms: { warning: 200, critical: 5000 },
      errorRatePercent: { warning: 1 },
      poolUtilizationPercent: false,
      dbMeanQueryMs: false,
      eventLoopLagP99Ms: false,
      cacheHitRatePercent: false,
    },
    notifiers: { log: false },
  });
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
