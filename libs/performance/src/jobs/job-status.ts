import type { JobSchedule } from './job-schedule';

/** Outcome of a job's latest finished run, or what it is doing now. */
export type JobRunStatus = 'never' | 'running' | 'success' | 'failure';

/** An alert about one job, evaluated whenever the status is read. */
export interface JobAlert {
  /** `job-failure-rate`: too many of the latest runs failed. `job-overdue`: the job has not started within its expected interval. */
  readonly rule: 'job-failure-rate' | 'job-overdue';
  readonly job: string;
  readonly severity: 'warning' | 'critical';
  /** What is wrong, with the numbers. */
  readonly message: string;
  /** The measured value: failure percent, or seconds since the last start. */
  readonly value: number;
  /** The level it crossed: percent, or seconds. */
  readonly threshold: number;
}

/**
 * What the job alert rules read of one job, each time its status is read.
 * The rules themselves belong to the alerts feature, which registers them
 * with `JobMonitor.judgeWith`.
 */
export interface JobFigures {
  readonly name: string;
  /** Finished runs in the failure-rate window (the latest `jobs.failureRateWindow`). */
  readonly recentRuns: number;
  /** Failures among them. */
  readonly recentFailures: number;
  /** `recentFailures` as a percent of `recentRuns`, unrounded; null before the first run. */
  readonly recentFailureRatePercent: number | null;
  /** Expected seconds between two starts (declared, or from the schedule); undefined when unknown. */
  readonly expectedIntervalSeconds: number | undefined;
  /** Seconds since the job last started (or since it was first seen, before its first start). */
  readonly secondsSinceStart: number;
  /** Not running, and not started within `expectedIntervalSeconds` × `jobs.overdueFactor`. */
  readonly overdue: boolean;
}

/** The job alert rules: the alerts one job raises now, in the order shown. */
export type JobAlertRules = (job: JobFigures) => readonly JobAlert[];

/** The last error of a job. */
export interface JobError {
  /** The error's class name (`Error`, `QueryFailedError`, …). */
  readonly name: string;
  /** Its message, cut to `jobs.maxErrorLength` characters. */
  readonly message: string;
  /** ISO time of the failure. */
  readonly at: string;
}

/** One job as `jobs/status` and `jobs/:name` show it. */
/** A run started on demand with `POST jobs/:name/run`. */
export interface ManualJobRun {
  readonly runId: string;
  /** ISO time the run was requested (and started). */
  readonly requestedAt: string;
  /** ISO time it finished; null while it runs. */
  readonly finishedAt: string | null;
  readonly status: 'running' | 'success' | 'failure';
}

export interface JobStatus {
  readonly name: string;
  /** Where the runs come from, as far as the scheduler says. */
  readonly schedule: JobSchedule;
  /** Expected seconds between two starts, or null when unknown (no alert then). */
  readonly expectedIntervalSeconds: number | null;
  readonly status: JobRunStatus;
  /** Runs in progress now. */
  readonly running: number;
  /** Finished runs since start. */
  readonly runs: number;
  readonly successes: number;
  readonly failures: number;
  /** Retries the job reported with `JobMonitor.recordRetry`. */
  readonly retries: number;
  /** Successes as a percent of runs, 2 decimals; null before the first run. */
  readonly successRatePercent: number | null;
  /** Failures among the latest `jobs.failureRateWindow` runs, percent, 2 decimals; null before the first run. */
  readonly recentFailureRatePercent: number | null;
  /** Run durations in ms, 2 decimals; null before the first run. p95 from an HDR histogram (2 significant digits). */
  readonly durationMs: { readonly mean: number; readonly p95: number; readonly max: number; readonly last: number } | null;
  /** ISO times; null when it has not happened. */
  readonly lastRunAt: string | null;
  readonly lastFinishedAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastFailureAt: string | null;
  /** Next start the scheduler plans (cron: its next date; interval: last start + period), else null. */
  readonly nextRunAt: string | null;
  readonly overdue: boolean;
  readonly lastError: JobError | null;
  readonly alerts: readonly JobAlert[];
  /** Whether `POST jobs/:name/run` may start it (`@TrackJob(name, { runnable: true })`). */
  readonly runnable: boolean;
  /** The latest run started with `POST jobs/:name/run`; null when none was. */
  readonly lastManualRun: ManualJobRun | null;
}

/** Body of `jobs/status`. */
export interface JobsStatusBody {
  readonly generatedAt: string;
  readonly totals: { readonly jobs: number; readonly runs: number; readonly failures: number; readonly running: number };
  readonly jobs: readonly JobStatus[];
  /** Every job's alerts, critical first. */
  readonly alerts: readonly JobAlert[];
}
