import type * as Hdr from 'hdr-histogram-js';
import type { JobSchedule } from './job-schedule';
import type { JobError, ManualJobRun } from './job-status';

/** The longest run the duration histogram holds, in µs (a day); longer runs count as this. */
const HISTOGRAM_MAX_US = 24 * 3600 * 1_000_000;

/** Everything recorded about one job; one shape for all jobs. */
export class JobState {
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
  /** Whether `POST jobs/:name/run` may start it. */
  runnable = false;
  /** The latest run started through `POST jobs/:name/run`. */
  lastManualRun: ManualJobRun | null = null;
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

  /** Records a run that took `ms` and finished at `now`; `error` (cut to `maxErrorLength`) becomes the last error when `failed`. */
  finish(ms: number, now: number, error: unknown, failed: boolean, maxErrorLength: number): void {
    this.running--;
    this.runs++;
    this.totalMs += ms;
    this.lastMs = ms;
    if (ms > this.maxMs) this.maxMs = ms;
    this.histogram.recordValue(Math.min(HISTOGRAM_MAX_US, Math.max(1, Math.round(ms * 1000))));
    this.lastFinishedAt = now;
    this.lastOk = !failed;
    this.pushOutcome(failed);
    if (failed) {
      this.failures++;
      this.lastFailureAt = now;
      this.lastError = describeJobError(error, now, maxErrorLength);
    } else {
      this.successes++;
      this.lastSuccessAt = now;
    }
  }

  private pushOutcome(failed: boolean): void {
    const bit = failed ? 1 : 0;
    if (this.recentCount === this.recent.length) this.recentFailures -= this.recent[this.recentNext]!;
    else this.recentCount++;
    this.recent[this.recentNext] = bit;
    this.recentFailures += bit;
    this.recentNext = (this.recentNext + 1) % this.recent.length;
  }
}

/** A job's error as `jobs/status` shows it: class name, message cut to `maxLength` characters, ISO time. */
export function describeJobError(error: unknown, at: number, maxLength: number): JobError {
  const name = error instanceof Error ? error.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return {
    name,
    message: message.length > maxLength ? `${message.slice(0, maxLength)}…` : message,
    at: new Date(at).toISOString(),
  };
}
