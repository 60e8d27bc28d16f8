import { SchedulerRegistry } from '@nestjs/schedule';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { JobStatus, JobsStatusBody } from '../libs/performance/src/jobs/job-status';
import type { PerformanceAlert } from '../libs/performance/src/core/schemas/performance-alert';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

// setTimeout stays real: the poll below waits on it, and so do the HTTP and database clients.
const realSetTimeout = globalThis.setTimeout;

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as T };
}

describe.each(ADAPTERS)('background jobs on the sample app (%s)', (adapter) => {
  let sample: RunningSample;
  let startedAt: number;
  const job = (name: string) => getJson<JobStatus>(`${sample.api}/performance/jobs/${name}`, sample.admin);
  /** Polls (real time) until the job's finished runs reach `runs`: a run is asynchronous work. */
  async function untilRuns(name: string, runs: number): Promise<JobStatus> {
    for (let i = 0; i < 200; i++) {
      const { body } = await job(name);
      if (body.runs >= runs && body.running === 0) return body;
      await new Promise((resolve) => realSetTimeout(resolve, 25));
    }
    throw new Error(`job ${name} did not reach ${runs} runs`);
  }

  beforeAll(async () => {
    // @Interval uses setInterval; the fake clock drives it and Date, so "60 s later" takes no time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'], shouldAdvanceTime: true });
    startedAt = Date.now();
    sample = await startSample(adapter);
  });
  afterAll(async () => {
    await sample?.close();
    vi.useRealTimers();
  });

  it('lists every job before its first run, with schedules and next runs from the scheduler', async () => {
    const { status, body } = await getJson<JobsStatusBody>(`${sample.api}/performance/jobs/status`, sample.admin);
    expect(status).toBe(200);
    expect(body.jobs.map((j) => j.name)).toEqual(['analytics-refresh', 'category-stats', 'search-index-sync']);
    expect(body.totals).toEqual({ jobs: 3, runs: 0, failures: 0, running: 0 });
    const [refresh, manual, sync] = body.jobs;
    // The on-demand job: no schedule, so never overdue.
    expect(manual).toMatchObject({ schedule: { type: 'manual' }, expectedIntervalSeconds: null, status: 'never', runnable: true, lastManualRun: null });
    expect(refresh!.runnable).toBe(false);
    expect(refresh).toMatchObject({
      schedule: { type: 'interval', intervalMs: 60_000, intervalName: 'analytics-refresh' },
      expectedIntervalSeconds: 60,
      status: 'never',
      runs: 0,
      durationMs: null,
      lastRunAt: null,
      overdue: false,
    });
    const nextRefresh = Date.parse(refresh!.nextRunAt!);
    expect(nextRefresh - startedAt).toBeGreaterThanOrEqual(60_000);
    expect(nextRefresh - startedAt).toBeLessThan(90_000);

    const cron = sample.app.get(SchedulerRegistry).getCronJob('search-index-sync');
    expect(sync).toMatchObject({
      schedule: { type: 'cron', expression: '0 */10 * * * *', cronName: 'search-index-sync' },
      expectedIntervalSeconds: 600,
      status: 'never',
    });
    expect(sync!.nextRunAt).toBe(cron.nextDate().toJSDate().toISOString());
    expect(body.alerts).toEqual([]);
  });

  it('records a run of analytics-refresh when its interval fires', async () => {
    vi.advanceTimersByTime(60_000);
    const refresh = await untilRuns('analytics-refresh', 1);
    expect(refresh).toMatchObject({ status: 'success', runs: 1, successes: 1, failures: 0, successRatePercent: 100, lastError: null });
    expect(refresh.durationMs!.last).toBeGreaterThan(0);
    expect(refresh.durationMs!.max).toBe(refresh.durationMs!.last);
    expect(Date.parse(refresh.nextRunAt!)).toBe(Date.parse(refresh.lastRunAt!) + 60_000);
  });

  it('records failures, reported retries and the failure-rate alert of search-index-sync', async () => {
    const cron = sample.app.get(SchedulerRegistry).getCronJob('search-index-sync');
    // Stopped, so no real tick can add a run; each fireOnTick is one scheduled run.
    cron.stop();
    for (let run = 1; run <= 3; run++) {
      await cron.fireOnTick();
      await untilRuns('search-index-sync', run);
    }
    const sync = (await job('search-index-sync')).body;
    expect(sync).toMatchObject({
      status: 'failure',
      runs: 3,
      successes: 2,
      failures: 1,
      retries: 2,
      successRatePercent: 66.67,
      recentFailureRatePercent: 33.33,
      nextRunAt: null, // stopped: the scheduler plans no next run
      lastError: { name: 'Error', message: 'search index unavailable (run 3, attempt 2)' },
    });
    expect(sync.alerts).toEqual([
      {
        rule: 'job-failure-rate',
        job: 'search-index-sync',
        // Past thresholds.jobFailureRatePercent.critical (5 % by default; a warning above its good level, 1 %).
        severity: 'critical',
        message: 'job "search-index-sync" failed 1 of its last 3 runs (33.33%, critical above 5%)',
        value: 33.33,
        threshold: 5,
      },
    ]);
    // The same condition goes through the module's alert lifecycle, beside the metric rules: a job rule
    // fires at the first snapshot that sees it (no alerts.forSeconds hold), once, not flapping.
    await sample.app.get(MetricsSampler).collect();
    const { body: listed } = await getJson<{ alerts: PerformanceAlert[] }>(`${sample.api}/performance/alerts?hours=1`, sample.admin);
    const fired = listed.alerts.filter((a) => a.metric === 'job-failure-rate');
    expect(fired).toMatchObject([
      {
        job: 'search-index-sync',
        severity: 'critical',
        status: 'firing',
        message: 'job "search-index-sync" failed 1 of its last 3 runs (33.33%, critical above 5%)',
        value: 33.33,
        threshold: 5,
        resolvedAt: null,
        count: 1,
        flapping: false,
        transitions: 0,
      },
    ]);
    expect(fired[0]!.firedAt).toBe(fired[0]!.firstSeen);
  });

  it('exports job metrics to /metrics', async () => {
    const text = await (await fetch(`${sample.url}/metrics`)).text();
    expect(text).toContain('job_runs_total{job="search-index-sync",status="success"} 2');
    expect(text).toContain('job_runs_total{job="search-index-sync",status="failure"} 1');
    expect(text).toContain('job_retries_total{job="search-index-sync"} 2');
    expect(text).toContain('job_runs_total{job="analytics-refresh",status="success"} 1');
    expect(text).toMatch(/job_duration_seconds\{job="analytics-refresh",stat="p95"\} \d/);
    expect(text).toContain('job_alerts_firing{job="search-index-sync",rule="job-failure-rate",severity="critical"} 1');
    expect(text).toContain('job_overdue{job="analytics-refresh"} 0');
  });

  it('raises job-overdue for every job that has not started within its expected interval', async () => {
    // 20 minutes pass on the clock without a timer firing: a stuck scheduler.
    vi.setSystemTime(Date.now() + 20 * 60_000);
    const { body } = await getJson<JobsStatusBody>(`${sample.api}/performance/jobs/status`, sample.admin);
    expect(body.jobs.map((j) => [j.name, j.overdue])).toEqual([
      ['analytics-refresh', true],
      ['category-stats', false],
      ['search-index-sync', true],
    ]);
    expect(body.alerts.filter((a) => a.rule === 'job-overdue').map((a) => [a.job, a.severity, a.threshold])).toEqual([
      ['analytics-refresh', 'critical', 90],
      ['search-index-sync', 'critical', 900],
    ]);
    // The interval firing again clears it.
    vi.advanceTimersByTime(60_000);
    const refresh = await untilRuns('analytics-refresh', 2);
    expect(refresh.overdue).toBe(false);
  });

  it('answers 404 naming an unknown job, 400 for a malformed name, 401 without the token', async () => {
    expect(await job('no-such-job')).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: 'Not Found',
        message: 'job "no-such-job" is not tracked (tracked: analytics-refresh, category-stats, search-index-sync)',
      },
    });
    const bad = await job('bad%20name');
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as { message: string }).message).toMatch(/^name must be 1-128 characters/);
    expect((await fetch(`${sample.api}/performance/jobs/status`)).status).toBe(401);
  });
});
