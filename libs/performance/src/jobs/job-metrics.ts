import type * as PromClient from 'prom-client';
import { requireOptional } from '../core/performance-errors';
import type { PerformanceMetrics } from '../metrics/performance-metrics.service';
import type { JobMonitor } from './job-monitor.service';
import type { JobsStatusBody } from './job-status';

/** Token of the job metrics registration (resolves to the metric names, or null when metrics or jobs are off). */
export const JOB_METRICS = Symbol('JOB_METRICS');

/** One scrape reads every gauge: the status is computed once for all of them. */
const SNAPSHOT_MS = 250;

/**
 * Registers the job metrics on the module's Prometheus registry. Every value
 * is read from {@link JobMonitor} at scrape time (`collect()`), so a job run
 * costs nothing extra when metrics are on.
 *
 * | metric | type | labels |
 * |---|---|---|
 * | job_runs_total | counter | job, status (success, failure) |
 * | job_retries_total | counter | job |
 * | job_duration_seconds | gauge | job, stat (mean, p95, max, last) |
 * | job_running | gauge | job |
 * | job_last_run_timestamp_seconds | gauge | job |
 * | job_last_success_timestamp_seconds | gauge | job |
 * | job_next_run_timestamp_seconds | gauge | job |
 * | job_overdue | gauge (0/1) | job |
 * | job_alerts_firing | gauge | job, rule, severity |
 */
export function registerJobMetrics(monitor: JobMonitor, metrics: PerformanceMetrics): readonly string[] {
  const prom = requireOptional<typeof PromClient>('prom-client', 'Prometheus metrics', 'metrics: { enabled: false }');
  const registers = [metrics.registry as unknown as PromClient.Registry];
  let snapshot: JobsStatusBody | null = null;
  let snapshotAt = 0;
  const read = (): JobsStatusBody => {
    const now = Date.now();
    if (!snapshot || now - snapshotAt > SNAPSHOT_MS) {
      snapshot = monitor.status(now);
      snapshotAt = now;
    }
    return snapshot;
  };
  const seconds = (iso: string | null) => (iso === null ? undefined : Date.parse(iso) / 1000);

  new prom.Counter({
    name: 'job_runs_total',
    help: 'Finished runs of tracked background jobs, by job and outcome.',
    labelNames: ['job', 'status'],
    registers,
    collect() {
      this.reset();
      for (const job of read().jobs) {
        this.inc({ job: job.name, status: 'success' }, job.successes);
        this.inc({ job: job.name, status: 'failure' }, job.failures);
      }
    },
  });
  new prom.Counter({
    name: 'job_retries_total',
    help: 'Retries that tracked background jobs reported.',
    labelNames: ['job'],
    registers,
    collect() {
      this.reset();
      for (const job of read().jobs) this.inc({ job: job.name }, job.retries);
    },
  });
  new prom.Gauge({
    name: 'job_duration_seconds',
    help: 'Run duration of tracked background jobs in seconds: mean, p95, max and last since start.',
    labelNames: ['job', 'stat'],
    registers,
    collect() {
      this.reset();
      for (const job of read().jobs) {
        if (!job.durationMs) continue;
        for (const stat of ['mean', 'p95', 'max', 'last'] as const) {
          this.set({ job: job.name, stat }, job.durationMs[stat] / 1000);
        }
      }
    },
  });
  const perJob = (name: string, help: string, value: (job: JobsStatusBody['jobs'][number]) => number | undefined) =>
    new prom.Gauge({
      name,
      help,
      labelNames: ['job'],
      registers,
      collect() {
        this.reset();
        for (const job of read().jobs) {
          const v = value(job);
          if (v !== undefined) this.set({ job: job.name }, v);
        }
      },
    });
  perJob('job_running', 'Runs of the job in progress now.', (j) => j.running);
  perJob('job_last_run_timestamp_seconds', 'Unix time of the latest start of the job.', (j) => seconds(j.lastRunAt));
  perJob('job_last_success_timestamp_seconds', 'Unix time of the latest successful run of the job.', (j) => seconds(j.lastSuccessAt));
  perJob('job_next_run_timestamp_seconds', 'Unix time of the next run the scheduler plans.', (j) => seconds(j.nextRunAt));
  perJob('job_overdue', '1 when the job has not started within its expected interval (times jobs.overdueFactor).', (j) => (j.overdue ? 1 : 0));
  new prom.Gauge({
    name: 'job_alerts_firing',
    help: 'Job alerts firing now (job-failure-rate, job-overdue), by job, rule and severity.',
    labelNames: ['job', 'rule', 'severity'],
    registers,
    collect() {
      this.reset();
      for (const alert of read().alerts) this.set({ job: alert.job, rule: alert.rule, severity: alert.severity }, 1);
    },
  });
  return [
    'job_runs_total',
    'job_retries_total',
    'job_duration_seconds',
    'job_running',
    'job_last_run_timestamp_seconds',
    'job_last_success_timestamp_seconds',
    'job_next_run_timestamp_seconds',
    'job_overdue',
    'job_alerts_firing',
  ];
}
