import { describe, expect, it } from 'vitest';
import { MemoryHistoryStore } from '../monitor/memory-history.store';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { AlertDispatcher } from './alert-dispatcher';
import { AlertManager } from './alert-manager.service';
import { resolveAlertsOptions } from './alerts.options';
import type { AlertEvent, JobAlertCondition, JobAlertSource } from './performance-alert';

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
