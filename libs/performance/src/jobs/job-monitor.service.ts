import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type * as Hdr from 'hdr-histogram-js';
import type { AppDiscovery } from '../core/discovery/app-discovery.service';
import type { ResolvedJobsOptions } from '../core/options/schema/jobs';
import { discoverTrackedJobs } from './job-discovery';
import { describeJob, jobsStatusBody } from './job-figures';
import type { ScheduleReader } from './job-schedule';
import { describeJobError, JobState } from './job-state';
import type { JobAlert, JobAlertRules, JobsStatusBody, JobStatus, ManualJobRun } from './job-status';
import { scheduleReaderFrom } from './schedule-reader';
import { fallbackJobRecorder, JOB_NAME_PATTERN, type TrackedJobDefinition } from './track-job.decorator';

/**
 * Records the runs of background jobs marked with {@link TrackJob} (or run
 * through {@link JobMonitor.track}): runs, successes, failures, durations,
 * retries, the last error, the last and next run; lists each job's alerts
 * as the rules registered with {@link JobMonitor.judgeWith} (the alerts
 * feature's failure-rate and overdue rules) find them. Bounded: at most `jobs.maxJobs` names, a fixed-size
 * histogram and outcome ring per name.
 *
 * Injectable when `jobs.enabled` (the default); `null` otherwise.
 *
 * @example
 * constructor(private readonly jobs: JobMonitor) {}
 * await this.jobs.track('nightly-import', () => this.importer.run());
 * this.jobs.recordRetry('nightly-import', error);
 */
export class JobMonitor implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance');
  private readonly jobs = new Map<string, JobState>();
  /** How to start each runnable job (its method, called on its instance). */
  private readonly starters = new Map<string, () => unknown>();
  private readonly overLimitLogged = new Set<string>();
  private readonly startedAt = Date.now();
  private scheduleReader: ScheduleReader | null = null;
  private readonly hdr: typeof Hdr;
  private rules: JobAlertRules = () => [];

  /** @internal */
  constructor(
    private readonly options: ResolvedJobsOptions,
    private readonly discovery?: AppDiscovery,
    private readonly moduleRef?: ModuleRef,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only once a job is tracked
    this.hdr = require('hdr-histogram-js') as typeof Hdr;
  }

  /** Lists each job's alerts with `rules` from now on (the alerts feature calls it at start-up). @internal */
  judgeWith(rules: JobAlertRules): void {
    this.rules = rules;
  }

  /** Finds every provider and controller with tracked methods, lists their jobs and hands them this recorder. */
  onModuleInit(): void {
    fallbackJobRecorder.current = this;
    if (!this.discovery) return;
    discoverTrackedJobs(this.discovery, this, (job, schedule, start) => {
      const state = this.stateOf(job);
      if (state && schedule) state.schedule = schedule;
      if (state && job.runnable) {
        state.runnable = true;
        this.starters.set(job.name, start);
      }
    });
    if (this.moduleRef && [...this.jobs.values()].some((j) => j.schedule.type !== 'manual')) {
      this.scheduleReader = scheduleReaderFrom(this.moduleRef);
    }
  }

  onApplicationShutdown(): void {
    if (fallbackJobRecorder.current === this) fallbackJobRecorder.current = null;
  }

  /** @internal Called by `@TrackJob` wrappers: one run of `job`. */
  run<T>(job: TrackedJobDefinition, fn: () => T): T {
    const state = this.stateOf(job);
    if (!state) return fn();
    state.running++;
    state.lastRunAt = Date.now();
    const started = performance.now();
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.finish(state, started, error, true);
      throw error;
    }
    if (isPromiseLike(result)) {
      return result.then(
        (value) => {
          this.finish(state, started, undefined, false);
          return value;
        },
        (error: unknown) => {
          this.finish(state, started, error, true);
          throw error;
        },
      ) as T;
    }
    this.finish(state, started, undefined, false);
    return result;
  }

  /**
   * Runs `fn` as one run of the job `name` (for workers without the
   * decorator) and returns its result.
   */
  track<T>(name: string, fn: () => T, options: { expectedIntervalSeconds?: number } = {}): T {
    if (!JOB_NAME_PATTERN.test(name)) return fn();
    return this.run({ name, expectedIntervalSeconds: options.expectedIntervalSeconds }, fn);
  }

  /**
   * Counts one retry of the job `name`, as the job reports it (its own
   * retry loop, a queue's redelivery). `error` becomes the last error when given.
   */
  recordRetry(name: string, error?: unknown): void {
    const state = JOB_NAME_PATTERN.test(name) ? this.stateOf({ name, expectedIntervalSeconds: undefined }) : null;
    if (!state) return;
    state.retries++;
    if (error !== undefined) state.lastError = describeJobError(error, Date.now(), this.options.maxErrorLength);
  }

  /**
   * Starts one run of the runnable job `name` now, recorded like any other
   * run, and returns without waiting for it: `unknown` when no job of that
   * name is tracked, `not-runnable` when it was not marked
   * `@TrackJob(name, { runnable: true })`, `busy` while a run is in progress.
   * @internal
   */
  runNow(name: string): { started: ManualJobRun } | { refused: 'unknown' | 'not-runnable' | 'busy' } {
    const state = this.jobs.get(name);
    if (!state) return { refused: 'unknown' };
    const start = this.starters.get(name);
    if (!start) return { refused: 'not-runnable' };
    if (state.running > 0) return { refused: 'busy' };
    const run: ManualJobRun = { runId: randomUUID(), requestedAt: new Date().toISOString(), finishedAt: null, status: 'running' };
    state.lastManualRun = run;
    const settle = (status: 'success' | 'failure') => {
      if (state.lastManualRun?.runId === run.runId) state.lastManualRun = { ...run, finishedAt: new Date().toISOString(), status };
    };
    try {
      const result = start();
      if (isPromiseLike(result)) {
        // The outcome is recorded by the run itself; nothing here rethrows it.
        result.then(
          () => settle('success'),
          () => settle('failure'),
        );
      } else settle('success');
    } catch {
      settle('failure');
    }
    // A sync job has finished already: answer its outcome.
    return { started: state.lastManualRun?.runId === run.runId ? state.lastManualRun : run };
  }

  /** Names of the tracked jobs, sorted. @internal */
  names(): string[] {
    return [...this.jobs.keys()].sort();
  }

  /**
   * The job alerts breaching at `now`: the alert manager reads them with
   * each snapshot, so they fire, notify and resolve like the metric rules.
   * @internal
   */
  jobAlerts(now = Date.now()): readonly JobAlert[] {
    return this.status(now).alerts;
  }

  /** Runs and failures since start over every tracked job; null while none is tracked. */
  jobRunTotals(): { runs: number; failures: number } | null {
    if (this.jobs.size === 0) return null;
    let runs = 0;
    let failures = 0;
    for (const state of this.jobs.values()) {
      runs += state.runs;
      failures += state.failures;
    }
    return { runs, failures };
  }

  /** Every job, sorted by name, with the alerts; what `jobs/status` answers. @internal */
  status(now = Date.now()): JobsStatusBody {
    return jobsStatusBody(
      this.names().map((name) => this.describe(this.jobs.get(name)!, now)),
      now,
    );
  }

  /** One job, or undefined when no job of that name is tracked. @internal */
  job(name: string, now = Date.now()): JobStatus | undefined {
    const state = this.jobs.get(name);
    return state ? this.describe(state, now) : undefined;
  }

  /** The alerts of every job now, critical first. @internal */
  alerts(now = Date.now()): JobAlert[] {
    return [...this.status(now).alerts];
  }

  private stateOf(job: TrackedJobDefinition): JobState | null {
    let state = this.jobs.get(job.name);
    if (state) {
      if (state.expectedIntervalSeconds === undefined && job.expectedIntervalSeconds !== undefined) {
        state.expectedIntervalSeconds = job.expectedIntervalSeconds;
      }
      return state;
    }
    if (this.jobs.size >= this.options.maxJobs) {
      if (this.overLimitLogged.size < 10 && !this.overLimitLogged.has(job.name)) {
        this.overLimitLogged.add(job.name);
        this.logger.warn(`job "${job.name}" is not tracked: jobs.maxJobs (${this.options.maxJobs}) names are tracked already`);
      }
      return null;
    }
    state = new JobState(job.name, job.expectedIntervalSeconds, Date.now(), this.options.failureRateWindow, this.hdr);
    this.jobs.set(job.name, state);
    return state;
  }

  private finish(state: JobState, started: number, error: unknown, failed: boolean): void {
    // Recording must never turn a job's success into a failure (fail open).
    try {
      state.finish(performance.now() - started, Date.now(), error, failed, this.options.maxErrorLength);
    } catch (recordError) {
      this.logger.warn(`recording a run of job "${state.name}" failed: ${String(recordError)}`);
    }
  }

  private describe(state: JobState, now: number): JobStatus {
    return describeJob(state, now, this.startedAt, this.options.overdueFactor, this.rules, this.scheduleReader);
  }
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}
