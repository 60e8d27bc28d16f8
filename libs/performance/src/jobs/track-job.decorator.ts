import { PerformanceError } from '../core/performance-errors';

/** Options of {@link TrackJob}. */
export interface TrackJobOptions {
  /**
   * How often the job is expected to start, in seconds. A job that has not
   * started for this long (times `jobs.overdueFactor`) raises the
   * `job-overdue` alert. Leave it out for `@Interval` and `@Cron` handlers:
   * it is read from their schedule.
   */
  expectedIntervalSeconds?: number;
}

/** What `@TrackJob` fixed for one method, resolved once when the class is defined. */
export interface TrackedJobDefinition {
  readonly name: string;
  readonly expectedIntervalSeconds: number | undefined;
}

/** Records one run of a job; implemented by `JobMonitor`. */
export interface JobRunRecorder {
  /** Runs `fn` as one run of the job, recording its outcome; returns what `fn` returns. */
  run<T>(job: TrackedJobDefinition, fn: () => T): T;
}

/** Job names: what admin paths and metric labels accept. */
export const JOB_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Metadata key of the {@link TrackedJobDefinition} on a decorated method. */
export const TRACK_JOB_METADATA = 'nestjs-performance:track-job';

/**
 * The recorder of each provider instance with tracked methods, set by
 * `JobMonitor` when the app starts; a plain property lookup per run.
 */
export const JOB_RECORDER = Symbol('nestjs-performance:job-recorder');

type RecorderHolder = { [JOB_RECORDER]?: JobRunRecorder };

/**
 * The recorder of the most recently started app, for instances the app did
 * not create (a worker object made with `new`). Cleared when that app stops.
 */
export const fallbackJobRecorder: { current: JobRunRecorder | null } = { current: null };

/**
 * Tracks each call of a method as one run of a background job: runs,
 * successes, failures, durations (mean, max, p95), the last error, the last
 * and next run. Works on `@Cron()`, `@Interval()` and `@Timeout()` handlers of
 * `@nestjs/schedule` (in either decorator order) and on plain sync or async
 * methods a queue worker calls. The method's result and errors pass through
 * unchanged; recording never throws into the job.
 *
 * @param name the job's name in `jobs/status`, metrics and alerts: 1-128
 *   letters, digits, `.`, `_`, `:` or `-`.
 *
 * @example
 * @Cron(CronExpression.EVERY_5_MINUTES, { name: 'report-refresh' })
 * @TrackJob('report-refresh')
 * async refreshReports(): Promise<void> { … }
 *
 * @example
 * @TrackJob('invoice-worker', { expectedIntervalSeconds: 60 })
 * async handle(message: InvoiceMessage): Promise<void> { … }
 */
export function TrackJob(name: string, options: TrackJobOptions = {}): MethodDecorator {
  if (typeof name !== 'string' || !JOB_NAME_PATTERN.test(name)) {
    throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', `@TrackJob name must be 1-128 characters of letters, digits, . _ : - (got ${JSON.stringify(name)})`);
  }
  const interval = options.expectedIntervalSeconds;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    throw new PerformanceError(
      'PERF_ERR_INVALID_OPTIONS',
      `@TrackJob('${name}') expectedIntervalSeconds must be a positive number of seconds (got ${String(interval)})`,
    );
  }
  const definition: TrackedJobDefinition = Object.freeze({ name, expectedIntervalSeconds: interval });

  return <T>(_target: object, _key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const original: unknown = descriptor.value;
    if (typeof original !== 'function') {
      throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', `@TrackJob('${name}') must decorate a method`);
    }
    const method = original as (...args: unknown[]) => unknown;
    const tracked = function (this: unknown, ...args: unknown[]): unknown {
      const recorder = (this as RecorderHolder | null | undefined)?.[JOB_RECORDER] ?? fallbackJobRecorder.current;
      if (!recorder) return method.apply(this, args);
      return recorder.run(definition, () => method.apply(this, args));
    };
    Object.defineProperty(tracked, 'name', { value: method.name });
    // Decorators applied before this one (listed below it, like @Cron) set
    // their metadata on the original function: carry it to the wrapper.
    for (const key of Reflect.getOwnMetadataKeys?.(method) ?? []) {
      Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, method), tracked);
    }
    Reflect.defineMetadata(TRACK_JOB_METADATA, definition, tracked);
    descriptor.value = tracked as T;
    return descriptor;
  };
}

/** The job a method was marked with, if any. */
export function trackedJobOf(method: unknown): TrackedJobDefinition | undefined {
  return typeof method === 'function' ? (Reflect.getMetadata(TRACK_JOB_METADATA, method) as TrackedJobDefinition | undefined) : undefined;
}
