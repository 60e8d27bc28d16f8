import { afterEach, describe, expect, it } from 'vitest';
import type { ResolvedLevels } from '../../core/judgment/judgment';
import { resolveJobsOptions } from '../../core/options/schema/jobs';
import { JobMonitor } from '../../jobs/job-monitor.service';
import { fallbackJobRecorder } from '../../jobs/track-job.decorator';
import { jobAlertRules } from '../alerts.providers';

/** A job monitor judged by the job rules, as the alerts feature wires it in the module. */
function monitor(options: Parameters<typeof resolveJobsOptions>[0] = {}, failureRate: ResolvedLevels = { good: 1, critical: 5 }): JobMonitor {
  const resolved = resolveJobsOptions(options);
  const m = new JobMonitor(resolved);
  m.judgeWith(jobAlertRules(resolved, failureRate));
  m.onModuleInit(); // no container: becomes the fallback recorder
  return m;
}

afterEach(() => {
  fallbackJobRecorder.current = null;
});

describe('job alert rules', () => {
  it('lists no alerts for a job monitor no rules judge', () => {
    const m = new JobMonitor(resolveJobsOptions({ overdueFactor: 2 }));
    m.track('nightly', () => 1, { expectedIntervalSeconds: 60 });
    const started = Date.parse(m.job('nightly')!.lastRunAt!);
    expect(m.job('nightly', started + 121_000)).toMatchObject({ overdue: true, alerts: [] });
  });

  it('raises the failure-rate alert over the latest runs only', () => {
    const m = monitor({ failureRateWindow: 4, failureRateMinRuns: 3 }, { good: 25, critical: 70 });
    const run = (fail: boolean) => {
      try {
        m.track('batch', () => {
          if (fail) throw new Error('no');
        });
      } catch {
        /* recorded */
      }
    };
    run(true);
    run(false);
    expect(m.job('batch')!.alerts).toEqual([]); // 2 runs: below failureRateMinRuns
    run(false);
    expect(m.job('batch')!.alerts).toEqual([
      {
        rule: 'job-failure-rate',
        job: 'batch',
        severity: 'warning',
        message: 'job "batch" failed 1 of its last 3 runs (33.33%, warning above 25%)',
        value: 33.33,
        threshold: 25,
      },
    ]);
    run(true);
    run(true);
    run(true);
    expect(m.job('batch')).toMatchObject({ recentFailureRatePercent: 75, alerts: [{ severity: 'critical', value: 75 }] });
    for (let i = 0; i < 4; i++) run(false);
    expect(m.job('batch')).toMatchObject({ recentFailureRatePercent: 0, alerts: [], failures: 4, runs: 10 });
  });

  it('raises the overdue alert when a job has not started within its expected interval times the factor', () => {
    const m = monitor({ overdueFactor: 2 });
    m.track('nightly', () => 1, { expectedIntervalSeconds: 60 });
    const started = Date.parse(m.job('nightly')!.lastRunAt!);
    expect(m.job('nightly', started + 120_000)!.overdue).toBe(false);
    const late = m.job('nightly', started + 121_000)!;
    expect(late.overdue).toBe(true);
    expect(late.alerts).toEqual([
      {
        rule: 'job-overdue',
        job: 'nightly',
        severity: 'critical',
        message: 'job "nightly" has not started for 121s (expected every 60s; overdue after 120s): is its scheduler stuck or stopped?',
        value: 121,
        threshold: 120,
      },
    ]);
    expect(m.status(started + 121_000).alerts).toEqual(late.alerts);
  });
});
