import { nextRunOf, type ScheduleReader, scheduledIntervalOf } from './job-schedule';
import type { JobState } from './job-state';
import type { JobAlertRules, JobsStatusBody, JobStatus } from './job-status';

const round2 = (value: number) => Math.round(value * 100) / 100;
const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);

/**
 * One job as `jobs/status` shows it at `now`: its counts and rates, duration
 * figures, last and next run, whether it is overdue (not running, and not
 * started within its expected interval × `overdueFactor`), and the alerts
 * `rules` find in its `JobFigures`. Before its first run a job's clock
 * starts when it was first seen, or at `monitorStartedAt` when that is later.
 */
export function describeJob(
  state: JobState,
  now: number,
  monitorStartedAt: number,
  overdueFactor: number,
  rules: JobAlertRules,
  schedules: ScheduleReader | null,
): JobStatus {
  const lastStart = state.lastRunAt || Math.max(state.registeredAt, monitorStartedAt);
  const next = nextRunOf(state.schedule, lastStart, schedules);
  const expected = state.expectedIntervalSeconds ?? scheduledIntervalOf(state.schedule, schedules);
  const sinceStart = (now - lastStart) / 1000;
  const overdue = expected !== undefined && state.running === 0 && sinceStart > expected * overdueFactor;
  const recentFailureRate = state.recentCount ? (state.recentFailures / state.recentCount) * 100 : null;
  const alerts = rules({
    name: state.name,
    recentRuns: state.recentCount,
    recentFailures: state.recentFailures,
    recentFailureRatePercent: recentFailureRate,
    expectedIntervalSeconds: expected,
    secondsSinceStart: sinceStart,
    overdue,
  });
  return {
    name: state.name,
    schedule: state.schedule,
    expectedIntervalSeconds: expected ?? null,
    status: state.running > 0 ? 'running' : state.runs === 0 ? 'never' : state.lastOk ? 'success' : 'failure',
    running: state.running,
    runs: state.runs,
    successes: state.successes,
    failures: state.failures,
    retries: state.retries,
    successRatePercent: state.runs ? round2((state.successes / state.runs) * 100) : null,
    recentFailureRatePercent: recentFailureRate === null ? null : round2(recentFailureRate),
    durationMs: state.runs
      ? {
          mean: round2(state.totalMs / state.runs),
          p95: round2(Math.min(state.maxMs, state.histogram.getValueAtPercentile(95) / 1000)),
          max: round2(state.maxMs),
          last: round2(state.lastMs),
        }
      : null,
    lastRunAt: iso(state.lastRunAt),
    lastFinishedAt: iso(state.lastFinishedAt),
    lastSuccessAt: iso(state.lastSuccessAt),
    lastFailureAt: iso(state.lastFailureAt),
    nextRunAt: next === null ? null : new Date(next).toISOString(),
    overdue,
    lastError: state.lastError,
    runnable: state.runnable,
    lastManualRun: state.lastManualRun,
    alerts,
  };
}

/** The body of `jobs/status`: the jobs as given, their totals, and every job's alerts, critical first. */
export function jobsStatusBody(jobs: readonly JobStatus[], now: number): JobsStatusBody {
  const alerts = jobs.flatMap((j) => j.alerts).sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  return {
    generatedAt: new Date(now).toISOString(),
    totals: {
      jobs: jobs.length,
      runs: jobs.reduce((s, j) => s + j.runs, 0),
      failures: jobs.reduce((s, j) => s + j.failures, 0),
      running: jobs.reduce((s, j) => s + j.running, 0),
    },
    jobs,
    alerts,
  };
}
