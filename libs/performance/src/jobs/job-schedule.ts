/**
 * How a tracked job is scheduled, read from the `@nestjs/schedule`
 * decorators on its method (their metadata keys are plain strings, so
 * nothing of the package is loaded to read them).
 */
export type JobSchedule =
  | {
      readonly type: 'cron';
      /** The cron expression (or date) given to `@Cron`. */
      readonly expression: string;
      /** The `name` option of `@Cron`, under which the scheduler registry holds the job. */
      readonly cronName: string | null;
    }
  | { readonly type: 'interval'; readonly intervalMs: number; readonly intervalName: string | null }
  | { readonly type: 'timeout'; readonly timeoutMs: number }
  /** Called by the app itself (a worker, a queue consumer). */
  | { readonly type: 'manual' };

/** Reads what only the live scheduler knows: the next cron date. */
export interface ScheduleReader {
  /** Epoch ms of the cron job's next run, or null when unknown or stopped. */
  nextCronRun(schedule: Extract<JobSchedule, { type: 'cron' }>): number | null;
  /** Seconds between the cron job's next two runs. */
  cronPeriodSeconds(schedule: Extract<JobSchedule, { type: 'cron' }>): number | undefined;
}

// @nestjs/schedule's metadata keys and SchedulerType values (1 cron, 2 timeout, 3 interval).
const SCHEDULER_TYPE = 'SCHEDULER_TYPE';
const SCHEDULER_NAME = 'SCHEDULER_NAME';
const SCHEDULE_CRON_OPTIONS = 'SCHEDULE_CRON_OPTIONS';
const SCHEDULE_INTERVAL_OPTIONS = 'SCHEDULE_INTERVAL_OPTIONS';
const SCHEDULE_TIMEOUT_OPTIONS = 'SCHEDULE_TIMEOUT_OPTIONS';

/** The schedule a method's `@Cron`/`@Interval`/`@Timeout` declares, or undefined. */
export function findScheduleOf(method: unknown): JobSchedule | undefined {
  if (typeof method !== 'function') return undefined;
  const type = Reflect.getMetadata(SCHEDULER_TYPE, method) as unknown;
  const name = (Reflect.getMetadata(SCHEDULER_NAME, method) as string | undefined) ?? null;
  if (type === 1) {
    const cron = Reflect.getMetadata(SCHEDULE_CRON_OPTIONS, method) as { cronTime?: unknown; name?: string } | undefined;
    const time = cron?.cronTime;
    return {
      type: 'cron',
      expression: time instanceof Date ? time.toISOString() : String(time),
      cronName: cron?.name ?? name,
    };
  }
  if (type === 3) {
    const interval = Reflect.getMetadata(SCHEDULE_INTERVAL_OPTIONS, method) as { timeout?: number } | undefined;
    return typeof interval?.timeout === 'number' && interval.timeout > 0 ? { type: 'interval', intervalMs: interval.timeout, intervalName: name } : undefined;
  }
  if (type === 2) {
    const timeout = Reflect.getMetadata(SCHEDULE_TIMEOUT_OPTIONS, method) as { timeout?: number } | undefined;
    return { type: 'timeout', timeoutMs: timeout?.timeout ?? 0 };
  }
  return undefined;
}

/**
 * The next start the scheduler plans, epoch ms: an interval's last start
 * (`lastStart`) plus its period, a cron job's next date as `reader` knows it;
 * null otherwise.
 */
export function nextRunOf(schedule: JobSchedule, lastStart: number, reader: ScheduleReader | null): number | null {
  if (schedule.type === 'interval') return lastStart + schedule.intervalMs;
  if (schedule.type === 'cron') return reader?.nextCronRun(schedule) ?? null;
  return null;
}

/** Seconds between two starts the schedule plans (an interval's period, a cron job's), or undefined. */
export function scheduledIntervalOf(schedule: JobSchedule, reader: ScheduleReader | null): number | undefined {
  if (schedule.type === 'interval') return schedule.intervalMs / 1000;
  if (schedule.type === 'cron') return reader?.cronPeriodSeconds(schedule);
  return undefined;
}
