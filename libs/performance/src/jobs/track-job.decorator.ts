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
  /**
   * Whether an operator may start a run on demand with
   * `POST <admin>/jobs/:name/run` (202 with a run id; 409 while a run is in
   * progress). Only on a method without parameters: the admin API has
   * nothing to pass it. Default false.
   */
  runnable?: boolean;
}

/** What `@TrackJob` fixed for one method, resolved once when the class is defined. */
export interface TrackedJobDefinition {
  readonly name: string;
  readonly expectedIntervalSeconds: number | undefined;
  /** Whether `POST <admin>/jobs/:name/run` may start it (a method without parameters). */
  readonly runnable?: boolean;
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
 * // Also startable on demand: POST <admin>/jobs/documents-reindex/run
 * @TrackJob('documents-reindex', { runnable: true })
 * async reindex(): Promise<void> { … }
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
  if (options.runnable !== undefined && typeof options.runnable !== 'boolean') {
    throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', `@TrackJob('${name}') runnable must be true or false (got ${String(options.runnable)})`);
  }
  const runnable = options.runnable === true;
  const definition: TrackedJobDefinition = Object.freeze({ name, expectedIntervalSeconds: interval, runnable });

  return <T>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const original: unknown = descriptor.value;
    if (typeof original !== 'function') {
      throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', `@TrackJob('${name}') must decorate a method`);
    }
    if (runnable && (original as (...args: unknown[]) => unknown).length > 0) {
      const where = `${(target as { constructor?: { name?: string } }).constructor?.name ?? 'a class'}.${String(key)}`;
      throw new PerformanceError(
        'PERF_ERR_INVALID_OPTIONS',
        `@TrackJob('${name}', { runnable: true }) needs a method without parameters (${where} takes ${(original as () => unknown).length}): ` +
          'POST jobs/:name/run has nothing to pass it. Move the arguments into the method, or leave runnable out.',
      );
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
