import type { Type } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { JobSchedule, ScheduleReader } from './job-schedule';

/** Reads next cron dates from @nestjs/schedule's registry, when the app uses it; null when it does not. */
export function scheduleReaderFrom(moduleRef: ModuleRef): ScheduleReader | null {
  try {
    // Loaded only when a tracked job carries @nestjs/schedule metadata.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded on demand
    const { SchedulerRegistry } = require('@nestjs/schedule') as { SchedulerRegistry: Type<SchedulerRegistryLike> };
    return new SchedulerRegistryReader(moduleRef.get(SchedulerRegistry, { strict: false }));
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

class SchedulerRegistryReader implements ScheduleReader {
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
        return this.registry.doesExist('cron', schedule.cronName) ? (this.registry.getCronJob(schedule.cronName) as CronJobLike) : undefined;
      }
      // An unnamed @Cron is registered under a random name: match its expression when only one job has it.
      const matches = [...this.registry.getCronJobs().values()].filter((job) => String((job as CronJobLike).cronTime?.source) === schedule.expression);
      return matches.length === 1 ? (matches[0] as CronJobLike) : undefined;
    } catch {
      return undefined;
    }
  }
}
