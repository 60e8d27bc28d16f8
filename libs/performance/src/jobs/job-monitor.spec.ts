import 'reflect-metadata';
import { Cron, Interval } from '@nestjs/schedule';
import { afterEach, describe, expect, it } from 'vitest';
import { JobMonitor } from './job-monitor.service';
import { findScheduleOf } from './job-schedule';
import { resolveJobsOptions } from '../core/options/schema/jobs';
import { fallbackJobRecorder, TrackJob, trackedJobOf } from './track-job.decorator';

class Worker {
  calls = 0;

  @TrackJob('sync-job')
  syncWork(value: number): number {
    this.calls++;
    if (value < 0) throw new RangeError(`negative: ${value}`);
    return value * 2;
  }

  @TrackJob('async-job', { expectedIntervalSeconds: 30 })
  async asyncWork(fail: boolean): Promise<string> {
    this.calls++;
    await Promise.resolve();
    if (fail) throw new Error('boom');
    return 'done';
  }
}

function monitor(options: Parameters<typeof resolveJobsOptions>[0] = {}): JobMonitor {
  const m = new JobMonitor(resolveJobsOptions(options));
  m.onModuleInit(); // no container: becomes the fallback recorder
  return m;
}

afterEach(() => {
  fallbackJobRecorder.current = null;
});

describe('JobMonitor', () => {
  it('records sync and async runs, passing results and errors through unchanged', async () => {
    const m = monitor();
    const w = new Worker();
    expect(w.syncWork(2)).toBe(4);
    expect(() => w.syncWork(-1)).toThrow(new RangeError('negative: -1'));
    await expect(w.asyncWork(false)).resolves.toBe('done');
    await expect(w.asyncWork(true)).rejects.toThrow('boom');
    await expect(w.asyncWork(false)).resolves.toBe('done');

    const sync = m.job('sync-job')!;
    expect(sync).toMatchObject({
      name: 'sync-job',
      schedule: { type: 'manual' },
      expectedIntervalSeconds: null,
      status: 'failure',
      runs: 2,
      successes: 1,
      failures: 1,
      successRatePercent: 50,
      lastError: { name: 'RangeError', message: 'negative: -1' },
      nextRunAt: null,
      overdue: false,
    });
    const async = m.job('async-job')!;
    expect(async).toMatchObject({ status: 'success', runs: 3, successes: 2, failures: 1, expectedIntervalSeconds: 30 });
    expect(async.lastError?.message).toBe('boom');
    expect(async.durationMs!.max).toBeGreaterThanOrEqual(async.durationMs!.mean);
    expect(async.durationMs!.p95).toBeLessThanOrEqual(async.durationMs!.max);
    expect(m.names()).toEqual(['async-job', 'sync-job']);
  });

  it('without a monitor a tracked method just runs', () => {
    const w = new Worker();
    expect(w.syncWork(3)).toBe(6);
    expect(w.calls).toBe(1);
  });

  it('shows a run in progress as running', async () => {
    const m = monitor();
    let release!: () => void;
    const pending = m.track('slow', () => new Promise<void>((resolve) => (release = resolve)));
    expect(m.job('slow')).toMatchObject({ status: 'running', running: 1, runs: 0 });
    release();
    await pending;
    expect(m.job('slow')).toMatchObject({ status: 'success', running: 0, runs: 1 });
  });

  it('computes p95 from the histogram', () => {
    const m = monitor();
    let clock = 0;
    const original = performance.now.bind(performance);
    // 100 runs lasting 1..100 ms.
    performance.now = () => clock;
    try {
      for (let ms = 1; ms <= 100; ms++) {
        m.track('timed', () => {
          clock += ms;
        });
      }
    } finally {
      performance.now = original;
    }
    const { durationMs } = m.job('timed')!;
    expect(durationMs!.mean).toBe(50.5);
    expect(durationMs!.max).toBe(100);
    expect(durationMs!.last).toBe(100);
    expect(durationMs!.p95).toBeGreaterThanOrEqual(94);
    expect(durationMs!.p95).toBeLessThanOrEqual(96);
  });

  it('counts reported retries and keeps the retry error as the last error', () => {
    const m = monitor();
    m.track('flaky', () => 1);
    m.recordRetry('flaky', new Error('timeout talking to upstream'));
    expect(m.job('flaky')).toMatchObject({ retries: 1, lastError: { message: 'timeout talking to upstream' } });
  });

  it('tracks at most maxJobs names', () => {
    const m = monitor({ maxJobs: 2 });
    for (const name of ['a', 'b', 'c', 'd']) expect(m.track(name, () => name)).toBe(name);
    expect(m.names()).toEqual(['a', 'b']);
  });

  it('cuts long error messages to maxErrorLength', () => {
    const m = monitor({ maxErrorLength: 20 });
    expect(() =>
      m.track('long', () => {
        throw new Error('x'.repeat(1000));
      }),
    ).toThrow();
    expect(m.job('long')!.lastError!.message).toBe(`${'x'.repeat(20)}…`);
  });
});

describe('@TrackJob with @nestjs/schedule', () => {
  class Scheduled {
    @Interval('every-minute', 60_000)
    @TrackJob('below-interval')
    a(): void {}

    @TrackJob('above-cron')
    @Cron('0 */5 * * * *', { name: 'five-minutes' })
    b(): void {}
  }

  it('keeps the scheduler metadata in either decorator order', () => {
    const proto = Scheduled.prototype;
    expect(trackedJobOf(proto.a)?.name).toBe('below-interval');
    expect(findScheduleOf(proto.a)).toEqual({ type: 'interval', intervalMs: 60_000, intervalName: 'every-minute' });
    expect(trackedJobOf(proto.b)?.name).toBe('above-cron');
    expect(findScheduleOf(proto.b)).toEqual({ type: 'cron', expression: '0 */5 * * * *', cronName: 'five-minutes' });
    expect(proto.b.name).toBe('b');
  });

  it('rejects a name that admin paths and metric labels cannot carry', () => {
    expect(() => TrackJob('has space')).toThrow(/@TrackJob name must be 1-128 characters/);
    expect(() => TrackJob('ok', { expectedIntervalSeconds: 0 })).toThrow(/expectedIntervalSeconds must be a positive/);
  });
});
