import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadTestRun } from '../libs/performance/src/core/schemas/load-test-run';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

/** `load --sweep` against the sample app: each level measured, the highest level meeting the KPIs, the knee, reported to the app. */
describe('nestjs-performance load --sweep against the sample app', () => {
  let sample: RunningSample;
  const env = (): Record<string, string> => ({ PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };
  /** Requests the app counted for GET <route>, from its routes table. */
  const counted = async (route: string): Promise<number> => {
    const body = await admin<{ routes: { method: string; route: string; requests: number }[] }>('routes');
    return body.routes.find((r) => r.method === 'GET' && r.route === route)?.requests ?? 0;
  };

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 200 });
  });
  afterAll(() => sample?.close());

  it('runs each level for --duration, reports req/s and p50/p95/p99 per level, and the app counted every request', async () => {
    const before = await counted('/api/v1/hello');
    const run = await runCli(['load', '-e', '/hello', '--sweep', '1,2,4', '-d', '1', '--json'], env(), 60_000);
    const body = JSON.parse(run.stdout) as LoadTestRun;
    expect(run.code, run.stderr).toBe(body.status === 'passed' ? 0 : 1);
    expect(body.config).toEqual({
      baseUrl: sample.api,
      endpoints: [{ method: 'GET', path: '/hello' }],
      connections: 4,
      durationSeconds: 1,
      amount: null,
      sweepLevels: [1, 2, 4],
    });
    const sweep = body.sweep!;
    expect(sweep.levels.map((l) => l.connections)).toEqual([1, 2, 4]);
    for (const level of sweep.levels) {
      expect(level.totalRequests).toBeGreaterThan(0);
      expect(level.successfulRequests).toBe(level.totalRequests);
      expect(level.failedRequests).toBe(0);
      expect(level.requestsPerSecond).toBeGreaterThan(0);
      expect(level.latencyMs.p50).toBeLessThanOrEqual(level.latencyMs.p95);
      expect(level.latencyMs.p95).toBeLessThanOrEqual(level.latencyMs.p99);
      expect(level.latencyMs.p99).toBeLessThanOrEqual(level.latencyMs.max);
      expect(level.meetsKpis).toBe(level.failedKpis.length === 0);
    }
    // The run's totals are the levels' totals; the app saw those requests, plus at most one per
    // connection still in flight when each level stopped (answered by the app after the level ended).
    const total = sweep.levels.reduce((n, l) => n + l.totalRequests, 0);
    expect(body.result!.totalRequests).toBe(total);
    expect(body.result!.endpoints).toEqual([{ method: 'GET', path: '/hello', responses: total, failed: 0 }]);
    const seen = (await counted('/api/v1/hello')) - before;
    expect(seen).toBeGreaterThanOrEqual(total);
    expect(seen).toBeLessThanOrEqual(total + 1 + 2 + 4);

    // The highest level meeting the KPIs: every level up to it passed, the next one (if any) did not.
    const passedUpTo = sweep.levels.findIndex((l) => !l.meetsKpis);
    const expected = passedUpTo === 0 ? null : sweep.levels[(passedUpTo === -1 ? sweep.levels.length : passedUpTo) - 1]!.connections;
    expect(sweep.maxLevelMeetingKpis).toBe(expected);
    expect(sweep.kneeRule).toMatch(/^the first level whose p95 is above 1\.5x the p95 of the lowest level/);
    if (sweep.knee) {
      const i = sweep.levels.findIndex((l) => l.connections === sweep.knee!.connections);
      expect(i).toBeGreaterThan(0);
      expect(sweep.knee.p95Ms).toBe(sweep.levels[i]!.latencyMs.p95);
      expect(sweep.knee.p95Ms).toBeGreaterThan(1.5 * sweep.levels[0]!.latencyMs.p95);
      const bestBelow = Math.max(...sweep.levels.slice(0, i).map((l) => l.requestsPerSecond));
      for (const above of sweep.levels.slice(i)) expect(above.requestsPerSecond).toBeLessThan(bestBelow * 1.1);
    }

    // Reported to the app: the latest run and the latest sweep.
    const status = await admin<{ running: unknown; latest: Record<string, unknown>; latestSweep: Record<string, unknown> }>('load-test/status');
    expect(status.running).toBeNull();
    const { receivedAt, ...latest } = status.latestSweep;
    expect(typeof receivedAt).toBe('string');
    expect(latest).toEqual(body);
    expect(status.latest.id).toBe(body.id);
    // Progress names the level on stderr.
    expect(run.stderr).toMatch(/load 1 user \[=+>\] 100%/);
    expect(run.stderr).toMatch(/load 4 users \[=+>\] 100%/);
  });

  it('prints a table per level and names the highest level meeting the KPIs and the knee', async () => {
    const run = await runCli(['load', '-e', '/hello', '--sweep', '1,3', '-d', '1', '--no-progress'], env(), 60_000);
    expect(run.stderr).toBe('');
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^USERS +REQ\/S +P50 MS +P95 MS +P99 MS +REQUESTS +ERRORS +ERROR % +KPIS$/);
    expect(lines[1]).toMatch(/^1 +\d/);
    expect(lines[2]).toMatch(/^3 +\d/);
    expect(run.stdout).toMatch(/\nmeets the KPIs up to {2}(3 users at once|1 user at once|none: the lowest level already misses them)\n/);
    expect(run.stdout).toMatch(/\nknee {18}(none within these levels|3 users at once: p95 )/);
    expect(run.stdout).toContain('KPIs                  p95Ms <= 200, p99Ms <= 500, errorRatePercent <= 0.1 (targets from the app)');
    expect(run.stdout).toContain('knee rule: the first level whose p95 is above 1.5x');
  });

  it('fails (exit 1) naming no level when the lowest level already misses the KPIs', async () => {
    const run = await runCli(['load', '-e', '/documents/999999999', '--sweep', '1,2', '-d', '1', '--no-progress', '--json'], env(), 60_000);
    expect(run.code).toBe(1);
    const body = JSON.parse(run.stdout) as LoadTestRun;
    expect(body.status).toBe('failed');
    expect(body.sweep!.maxLevelMeetingKpis).toBeNull();
    expect(body.sweep!.levels.map((l) => [l.connections, l.meetsKpis, l.failedKpis])).toEqual([
      [1, false, ['errorRatePercent', 'no-answer']],
      [2, false, ['errorRatePercent', 'no-answer']],
    ]);
    expect(body.verdict).toMatchObject({ passed: false, targetsFrom: 'app' });
  });

  it.each([
    ['0', '--sweep level "0" is not a concurrency level: each must be an integer from 1 to 1000'],
    ['-5', '--sweep level "-5" is not a concurrency level'],
    ['1,abc', '--sweep level "abc" is not a concurrency level'],
    ['1,1001', '--sweep level "1001" is not a concurrency level'],
    ['1.5', '--sweep level "1.5" is not a concurrency level'],
    ['5,1', '--sweep levels must rise, each above the one before (got 1 after 5)'],
    ['1,2,2', '--sweep levels must rise, each above the one before (got 2 after 2)'],
    ['1,,2', '--sweep must be a comma-separated list of concurrency levels'],
    [Array.from({ length: 21 }, (_, i) => i + 1).join(','), '--sweep takes at most 20 levels (got 21)'],
  ])('--sweep %s is refused (exit 2) before any request, naming the bad value', async (levels, message) => {
    const before = await admin('load-test/status');
    const run = await runCli(['load', '-e', '/hello', '--sweep', levels, '-d', '1'], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${message}`);
    expect(run.stdout).toBe('');
    expect(await admin('load-test/status')).toEqual(before);
  });

  it.each([
    ['1,2,3', ['-c', '5'], '--sweep sets the concurrency of each level: leave out --connections'],
    ['1,2,3', ['--amount', '100'], '--sweep runs each level for --duration seconds: leave out --amount'],
    ['1,2,3,4,5,6,7', ['-d', '600'], 'the sweep would run 4200 s (7 levels x 600 s), above 3600 s: use fewer levels or a shorter --duration'],
  ])('--sweep %s with %j is refused (exit 2)', async (levels, extra, message) => {
    const run = await runCli(['load', '-e', '/hello', '--sweep', levels, ...extra], env());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: ${message}`);
  });
});
