import { performance } from 'node:perf_hooks';
import { Logger, type OnApplicationShutdown, type OnModuleInit, type Type } from '@nestjs/common';
import { MetadataScanner, type ModuleRef } from '@nestjs/core';
import type * as Hdr from 'hdr-histogram-js';
import type { AppDiscovery } from '../core/discovery/app-discovery.service';
import type { JobAlertSource } from '../core/schemas/performance-alert';
import type { ResolvedJobsOptions } from '../core/options/jobs.options';
import {
  fallbackJobRecorder,
  JOB_NAME_PATTERN,
  JOB_RECORDER,
  trackedJobOf,
  type JobRunRecorder,
  type TrackedJobDefinition,
} from './track-job.decorator';
import { findScheduleOf, type JobSchedule, type ScheduleReader } from './job-schedule';

/** Lists own and inherited methods (Nest's own scanner, which caches per prototype). */
const METADATA_SCANNER = new MetadataScanner();

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
 * with {@link JobMonitor.judgeWith}.
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
}

/** Body of `jobs/status`. */
export interface JobsStatusBody {
  readonly generatedAt: string;
  readonly totals: { readonly jobs: number; readonly runs: number; readonly failures: number; readonly running: number };
  readonly jobs: readonly JobStatus[];
  /** Every job's alerts, critical first. */
  readonly alerts: readonly JobAlert[];
}

const HISTOGRAM_MAX_US = 24 * 3600 * 1_000_000;
const round2 = (value: number) => Math.round(value * 100) / 100;
const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);

/** Everything recorded about one job; one shape for all jobs. */
class JobState {
  running = 0;
  runs = 0;
  successes = 0;
  failures = 0;
  retries = 0;
  totalMs = 0;
  maxMs = 0;
  lastMs = 0;
  lastRunAt = 0;
  lastFinishedAt = 0;
  lastSuccessAt = 0;
  lastFailureAt = 0;
  lastOk = true;
  lastError: JobError | null = null;
  /** Outcomes of the latest runs as a ring of 0 (ok) / 1 (failed). */
  readonly recent: Uint8Array;
  recentNext = 0;
  recentCount = 0;
  recentFailures = 0;
  schedule: JobSchedule = { type: 'manual' };
  readonly histogram: Hdr.Histogram;

  constructor(
    readonly name: string,
    public expectedIntervalSeconds: number | undefined,
    readonly registeredAt: number,
    window: number,
    hdr: typeof Hdr,
  ) {
    this.recent = new Uint8Array(window);
    // Packed buckets: a few KB per job whatever the spread of durations.
    this.histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: HISTOGRAM_MAX_US,
      numberOfSignificantValueDigits: 2,
      bitBucketSize: 'packed',
    });
  }

  pushOutcome(failed: boolean): void {
    const bit = failed ? 1 : 0;
    if (this.recentCount === this.recent.length) this.recentFailures -= this.recent[this.recentNext]!;
    else this.recentCount++;
    this.recent[this.recentNext] = bit;
    this.recentFailures += bit;
    this.recentNext = (this.recentNext + 1) % this.recent.length;
  }
}

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
export class JobMonitor implements JobRunRecorder, JobAlertSource, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance');
  private readonly jobs = new Map<string, JobState>();
  private readonly overLimitLogged = new Set<string>();
  private readonly startedAt = Date.now();
  private scheduleReader: ScheduleReader | null = null;
  private readonly hdr: typeof Hdr;
  private rules: JobAlertRules = () => [];

  constructor(
    private readonly options: ResolvedJobsOptions,
    private readonly discovery?: AppDiscovery,
    private readonly moduleRef?: ModuleRef,
  ) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    this.hdr = require('hdr-histogram-js') as typeof Hdr;
  }

  /** Lists each job's alerts with `rules` from now on (the alerts feature calls it at start-up). */
  judgeWith(rules: JobAlertRules): void {
    this.rules = rules;
  }

  /** Finds every provider and controller with tracked methods, lists their jobs and hands them this recorder. */
  onModuleInit(): void {
    fallbackJobRecorder.current = this;
    if (!this.discovery) return;
    for (const { instance: found } of this.discovery.instances({ controllers: true })) {
      const instance = found as Record<PropertyKey, unknown>;
      let tracked = false;
      for (const key of METADATA_SCANNER.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const method = instance[key];
        const job = trackedJobOf(method);
        if (!job) continue;
        tracked = true;
        const state = this.stateOf(job);
        const schedule = findScheduleOf(method);
        if (state && schedule) state.schedule = schedule;
      }
      if (tracked && !Object.prototype.hasOwnProperty.call(instance, JOB_RECORDER)) {
        Object.defineProperty(instance, JOB_RECORDER, { value: this, enumerable: false, configurable: true });
      }
    }
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
    if (error !== undefined) state.lastError = this.describeError(error, Date.now());
  }

  /** Names of the tracked jobs, sorted. */
  names(): string[] {
    return [...this.jobs.keys()].sort();
  }

  /**
   * The job alerts breaching at `now`: the alert manager reads them with
   * each snapshot, so they fire, notify and resolve like the metric rules.
   */
  jobAlerts(now = Date.now()): readonly JobAlert[] {
    return this.status(now).alerts;
  }

  /** Every job, sorted by name, with the alerts; what `jobs/status` answers. */
  status(now = Date.now()): JobsStatusBody {
    const jobs = this.names().map((name) => this.describe(this.jobs.get(name)!, now));
    const alerts = jobs
      .flatMap((j) => j.alerts)
      .sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
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

  /** One job, or undefined when no job of that name is tracked. */
  job(name: string, now = Date.now()): JobStatus | undefined {
    const state = this.jobs.get(name);
    return state ? this.describe(state, now) : undefined;
  }

  /** The alerts of every job now, critical first. */
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
      const ms = performance.now() - started;
      const now = Date.now();
      state.running--;
      state.runs++;
      state.totalMs += ms;
      state.lastMs = ms;
      if (ms > state.maxMs) state.maxMs = ms;
      state.histogram.recordValue(Math.min(HISTOGRAM_MAX_US, Math.max(1, Math.round(ms * 1000))));
      state.lastFinishedAt = now;
      state.lastOk = !failed;
      state.pushOutcome(failed);
      if (failed) {
        state.failures++;
        state.lastFailureAt = now;
        state.lastError = this.describeError(error, now);
      } else {
        state.successes++;
        state.lastSuccessAt = now;
      }
    } catch (recordError) {
      this.logger.warn(`recording a run of job "${state.name}" failed: ${String(recordError)}`);
    }
  }

  private describeError(error: unknown, at: number): JobError {
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    return {
      name,
      message: message.length > this.options.maxErrorLength ? `${message.slice(0, this.options.maxErrorLength)}…` : message,
      at: new Date(at).toISOString(),
    };
  }

  private describe(state: JobState, now: number): JobStatus {
    const next = this.nextRunOf(state);
    const expected = state.expectedIntervalSeconds ?? this.scheduledIntervalOf(state);
    const sinceStart = (now - (state.lastRunAt || Math.max(state.registeredAt, this.startedAt))) / 1000;
    const overdue =
      expected !== undefined && state.running === 0 && sinceStart > expected * this.options.overdueFactor;
    const recentFailureRate = state.recentCount ? (state.recentFailures / state.recentCount) * 100 : null;
    const alerts = this.rules({
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
      alerts,
    };
  }

  private nextRunOf(state: JobState): number | null {
    const schedule = state.schedule;
    if (schedule.type === 'interval') {
      return (state.lastRunAt || Math.max(state.registeredAt, this.startedAt)) + schedule.intervalMs;
    }
    if (schedule.type === 'cron') return this.scheduleReader?.nextCronRun(schedule) ?? null;
    return null;
  }

  private scheduledIntervalOf(state: JobState): number | undefined {
    const schedule = state.schedule;
    if (schedule.type === 'interval') return schedule.intervalMs / 1000;
    if (schedule.type === 'cron') return this.scheduleReader?.cronPeriodSeconds(schedule);
    return undefined;
  }
}

function isPromiseLike<T>(value: T): value is T & PromiseLike<Awaited<T>> {
  return value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';
}


/** Reads next cron dates from @nestjs/schedule's registry, when the app uses it. */
function scheduleReaderFrom(moduleRef: ModuleRef): ScheduleReader | null {
  try {
    // Loaded only when a tracked job carries @nestjs/schedule metadata.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SchedulerRegistry } = require('@nestjs/schedule') as { SchedulerRegistry: Type<SchedulerRegistryLike> };
    return new ScheduleReaderImpl(moduleRef.get(SchedulerRegistry, { strict: false }));
  } catch {
    return null;
  }
}

interface CronJobLike {
  nextDate(): { toMillis(): number };
  nextDates(count: number): { toMillis(): number }[];
  isActive: boolean;
  cronTime: { source: unknown };
}

/** The part of @nestjs/schedule's SchedulerRegistry read here. */
interface SchedulerRegistryLike {
  getCronJobs(): Map<string, unknown>;
  doesExist(type: 'cron', name: string): boolean;
  getCronJob(name: string): unknown;
}

class ScheduleReaderImpl implements ScheduleReader {
  constructor(private readonly registry: SchedulerRegistryLike) {}

  nextCronRun(schedule: Extract<JobSchedule, { type: 'cron' }>): number | null {
    const job = this.cronJob(schedule);
    if (!job || !job.isActive) return null;
    try {
      return job.nextDate().toMillis();
    } catch {
      return null;
    }
  }

  cronPeriodSeconds(schedule: Extract<JobSchedule, { type: 'cron' }>): number | undefined {
    const job = this.cronJob(schedule);
    if (!job) return undefined;
    try {
      const [a, b] = job.nextDates(2);
      return a && b ? (b.toMillis() - a.toMillis()) / 1000 : undefined;
    } catch {
      return undefined;
    }
  }

  private cronJob(schedule: Extract<JobSchedule, { type: 'cron' }>): CronJobLike | undefined {
    try {
      if (schedule.cronName) {
        return this.registry.doesExist('cron', schedule.cronName)
          ? (this.registry.getCronJob(schedule.cronName) as CronJobLike)
          : undefined;
      }
      // An unnamed @Cron is registered under a random name: match its expression when only one job has it.
      const matches = [...this.registry.getCronJobs().values()].filter(
        (job) => String((job as CronJobLike).cronTime?.source) === schedule.expression,
      );
      return matches.length === 1 ? (matches[0] as CronJobLike) : undefined;
    } catch {
      return undefined;
    }
  }
}
