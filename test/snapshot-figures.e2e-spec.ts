import { statfsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobMonitor } from '../libs/performance/src/jobs/job-monitor.service';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { startSample, type RunningSample } from './support/sample-app';

/** The figures each snapshot gained, read on the real sample app: mean latency, disk, load, network, slow queries, cache, jobs, stores. */
describe('snapshot figures on the sample app', () => {
  let sample: RunningSample;
  let sampler: MetricsSampler;

  beforeAll(async () => {
    // Every statement counts as slow: the slow-query figures must then equal the statement count.
    sample = await startSample('express', { seedDocuments: 200, env: { DB_SLOW_QUERY_THRESHOLD_MS: '0' } });
    sampler = sample.app.get(MetricsSampler);
  });
  afterAll(() => sample?.close());

  it('has the mean latency, slow statements, disk use, load average and network bytes of its window', async () => {
    await sampler.collect();
    for (let i = 0; i < 5; i++) await (await fetch(`${sample.api}/documents/${i + 1}`)).arrayBuffer();
    for (let i = 0; i < 5; i++) await (await fetch(`${sample.api}/hello`)).arrayBuffer();
    const s = await sampler.collect();

    expect(s.requests).toBe(10);
    expect(s.meanMs).toBeGreaterThan(0);
    expect(s.meanMs!).toBeLessThanOrEqual(s.maxMs!);
    expect(s.dbQueries).toBeGreaterThanOrEqual(5);
    expect(s.slowQueries).toBe(s.dbQueries);
    expect(s.slowQueriesPerHour!).toBeGreaterThanOrEqual(s.slowQueries!);

    // Disk use of health.diskPath (the working directory), read as the disk health check reads it.
    const fs = statfsSync(process.cwd());
    expect(s.diskPercent!).toBeCloseTo((1 - fs.bavail / fs.blocks) * 100, 0);
    // The host's 1-minute load average, and per core.
    expect(Math.abs(s.loadAverage1m! - loadavg()[0]!)).toBeLessThan(2);
    expect(s.loadPerCore).toBeCloseTo(s.loadAverage1m! / availableParallelism(), 1);
    // Linux: /proc/net/dev is readable; loopback (where this traffic went) is left out, so only the type is sure.
    expect(typeof s.networkRxBytes).toBe('number');
    expect(s.networkRxBytes!).toBeGreaterThanOrEqual(0);
    expect(s.networkTxBytes!).toBeGreaterThanOrEqual(0);
    // The health checks saw every store answer.
    expect(s.databasesDown).toBe(0);
    expect(s.cacheStoreDown).toBe(0);
    expect(s.healthScore).toBe(sampler.judgment()!.health.score);
  });

  it('counts the cache lookups the store answered and their time', async () => {
    await sampler.collect();
    for (let i = 0; i < 3; i++) await (await fetch(`${sample.api}/analytics/overview`)).arrayBuffer();
    const s = await sampler.collect();
    expect(s.cacheLookups).toBe(3);
    expect(s.cacheHitRatePercent).toBeCloseTo((2 / 3) * 100, 1);
    expect(s.cacheAvailabilityPercent).toBe(100);
    expect(s.cacheMeanMs!).toBeGreaterThanOrEqual(0);
  });

  it('counts the job runs of its window, their failures, per minute and as a rate', async () => {
    const jobs = sample.app.get(JobMonitor);
    await sampler.collect();
    const before = jobs.jobRunTotals()!;
    for (const fail of [false, true, false, false]) {
      try {
        jobs.track('snapshot-figures', () => {
          if (fail) throw new Error('refused');
        });
      } catch {
        // recorded as a failure
      }
    }
    const after = jobs.jobRunTotals()!;
    const s = await sampler.collect();
    // The sample's own interval jobs may run meanwhile: the window holds at least these four.
    expect(after.runs - before.runs).toBeGreaterThanOrEqual(4);
    expect(s.jobRuns).toBe(after.runs - before.runs);
    expect(s.jobFailures).toBe(after.failures - before.failures);
    expect(s.jobFailures!).toBeGreaterThanOrEqual(1);
    expect(s.jobFailureRatePercent).toBeCloseTo((s.jobFailures! / s.jobRuns!) * 100, 1);
    // Per minute over the window. intervalSeconds is the window rounded to the millisecond (at least 1 ms), and
    // jobsPerMinute is rounded to 2 decimals: the window was within half a millisecond of intervalSeconds, so the
    // rate lies between the runs over the longest and over the shortest such window. Exact for any window length
    // (a window of a few milliseconds, as here on a busy machine, leaves a few percent between the two).
    const longest = s.intervalSeconds + 0.0005;
    const shortest = Math.max(0.001, s.intervalSeconds - 0.0005);
    expect(s.jobsPerMinute!).toBeGreaterThanOrEqual((s.jobRuns! / longest) * 60 - 0.005);
    expect(s.jobsPerMinute!).toBeLessThanOrEqual((s.jobRuns! / shortest) * 60 + 0.005);
    // One failure in four runs is past the 5 % critical level: the KPI fails, critical.
    const kpis = (await (await fetch(`${sample.api}/performance/kpis`, { headers: sample.admin })).json()) as {
      kpis: { metric: string; status: string; level: string }[];
    };
    expect(kpis.kpis.find((k) => k.metric === 'jobFailureRatePercent')).toMatchObject({ status: 'fail', level: 'critical' });
  });
});
