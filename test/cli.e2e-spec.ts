import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SECTIONS } from '../libs/performance/src/cli/commands/report.command';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

/** The CLI against the real sample app (Express), every command on real data. */
describe('nestjs-performance CLI against the sample app', () => {
  let sample: RunningSample;
  const dir = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
  const env = (): Record<string, string> => ({ PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
  const admin = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    const response = await fetch(`${sample.api}/performance/${path}`, { ...init, headers: sample.admin });
    expect(response.status, path).toBeLessThan(300);
    return response.json();
  };
  const json = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;
  /** Index advice carries a TypeORM migration named with the time it was generated: the one part that differs per call. */
  const stable = (value: unknown): unknown => JSON.parse(JSON.stringify(value).replace(/\d{13}(?= implements MigrationInterface)/g, '<time>'));

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 3000 });
    // Traffic for the advisors: the unindexed search and the N+1 demo.
    for (let i = 0; i < 6; i++) {
      await fetch(`${sample.api}/documents/search?category=legal&status=published&minViews=100`);
      await fetch(`${sample.api}/documents?limit=20&include=author&strategy=naive`);
    }
  });
  afterAll(() => sample?.close());

  it('--help lists every command and the exit codes', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['analyze', 'recommendations', 'optimize-db', 'optimize-cache', 'optimize-all', 'optimizations', 'report', 'alerts', 'load']) {
      expect(run.stdout).toContain(`  ${command} `);
    }
    expect(run.stdout).toContain('Exit codes:');
    expect(run.stdout).toContain('4  no admin token, or the app refused it (401/403)');
  });

  it('analyze --json returns the health score, the KPIs, bottlenecks and history as the app reports them', async () => {
    const run = await runCli(['analyze', '--hours', '2', '--json'], env());
    expect(run.stderr).toBe('');
    const body = json(run.stdout);
    expect(Object.keys(body).sort()).toEqual(['bottlenecks', 'health', 'history', 'hours', 'kpis', 'unavailable']);
    expect(body.hours).toBe(2);
    expect(body.unavailable).toEqual({});
    expect(body.kpis).toEqual(await admin('kpis'));
    expect(body.bottlenecks).toEqual(await admin('bottlenecks'));
    expect(body.health).toMatchObject({ parts: { database: { weight: 40 }, system: { weight: 35 }, cache: { weight: 25 } } });
    // The verdict is the app's own: 0 while its KPIs pass and it is not unhealthy, 1 otherwise (a seeding,
    // busy machine may well fail a KPI; test/judgment.e2e-spec.ts drives each boundary on purpose).
    const { passing } = body.kpis as { passing: boolean };
    const { status } = body.health as { status: string };
    expect(['healthy', 'degraded', 'unhealthy', 'no-data']).toContain(status);
    expect(run.code).toBe(passing && status !== 'unhealthy' ? 0 : 1);
  });

  it('analyze prints tables by default', async () => {
    const run = await runCli(['--url', sample.api, '--token', SAMPLE_ADMIN_TOKEN, 'analyze']);
    const { passing } = (await admin('kpis')) as { passing: boolean };
    const { status } = (await admin('health-overview')) as { status: string };
    expect(run.code).toBe(passing && status !== 'unhealthy' ? 0 : 1);
    expect(run.stdout).toMatch(new RegExp(`^Health\\nscore +\\d+(\\.\\d+)?\\/100 ${status}\\n`));
    expect(run.stdout).toMatch(
      new RegExp(
        `\\nKPIs: ${passing ? 'passing' : 'FAILING'} \\(data at \\S+ \\([\\d.]+ s window\\)\\)\\nKPI +TARGET +CRITICAL +CURRENT +STATUS +LEVEL\\nresponseTimeP50 +<= 100 ms +500 ms `,
      ),
    );
    expect(run.stdout).toMatch(/\nresponseTimeP95 +<= 200 ms +500 ms +[\d.]+ +(pass|fail) +(good|warning|critical)\n/);
    expect(run.stdout).toContain('History (24 h):');
  });

  it("recommendations --json is the app's list, and the table shows each id", async () => {
    const direct = (await admin('recommendations')) as { recommendations: { id: string; category: string }[] };
    expect(direct.recommendations.map((r) => r.category)).toContain('database');
    const run = await runCli(['recommendations', '--json'], env());
    expect(run.code).toBe(0);
    expect(stable(json(run.stdout))).toEqual(stable(direct));
    const table = await runCli(['recommendations'], env());
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +CATEGORY +SEVERITY +TITLE$/);
    for (const r of direct.recommendations) expect(table.stdout).toContain(r.id);
  });

  it('optimize-db is a dry run: it lists index suggestions and plans, and changes nothing', async () => {
    const before = await admin('suggest-indexes');
    const run = await runCli(['optimize-db', '--json'], env());
    expect(run.code).toBe(0);
    const body = json(run.stdout);
    expect(body.apply).toBe(false);
    expect(stable(body.indexes)).toEqual(stable(before));
    const database = ((await admin('recommendations')) as { recommendations: { id: string; category: string }[] }).recommendations.filter(
      (r) => r.category === 'database',
    );
    expect((body.outcomes as { id: string; outcome: string }[]).map((o) => [o.id, o.outcome])).toEqual(database.map((r) => [r.id, 'planned']));
    expect(stable(await admin('suggest-indexes'))).toEqual(stable(before));
    const table = await runCli(['optimize-db'], env());
    expect(table.stdout).toContain('Index suggestions\nTABLE');
    expect(table.stdout).toContain('CREATE INDEX');
    expect(table.stdout).toContain('dry run: nothing was changed. Pass --apply-changes to apply these.');
  });

  it('optimize-db --apply-changes reports a schema change the app does not allow as manual (409), not applied', async () => {
    const run = await runCli(['optimize-db', '--apply-changes', '--json'], env());
    expect(run.code).toBe(0);
    const outcomes = json(run.stdout).outcomes as { id: string; outcome: string; detail: { manualSteps?: string[] } }[];
    const index = outcomes.find((o) => o.id.startsWith('missing-index-'));
    expect(index?.outcome).toBe('manual');
    expect(index?.detail.manualSteps?.length).toBeGreaterThan(0);
    expect(JSON.stringify(await admin('suggest-indexes'))).toContain('CREATE INDEX');
  });

  it('optimize-cache --clear-cache --namespace analytics empties that namespace', async () => {
    await fetch(`${sample.api}/analytics/overview`);
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('HIT');
    const run = await runCli(['optimize-cache', '--clear-cache', '--namespace', 'analytics', '--json'], env());
    expect(run.code).toBe(0);
    const body = json(run.stdout);
    expect(body.cleared).toEqual({ cleared: 'analytics', removed: 1, queryCaches: [] });
    expect(body.cache).toMatchObject({ namespaces: { analytics: { hits: 1 } } });
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('MISS');
    const table = await runCli(['optimize-cache'], env());
    expect(table.stdout).toMatch(/NAMESPACE +HITS +MISSES +STALE +BYPASSES +HIT RATE %\n\(all\)/);
    expect(table.stdout).toMatch(/\nanalytics +1 +2 /);
  });

  it('optimize-cache --clear-cache without --namespace empties every namespace and the query result cache (all=true)', async () => {
    await fetch(`${sample.api}/analytics/overview`);
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('HIT');
    const run = await runCli(['optimize-cache', '--clear-cache', '--json'], env());
    expect(run.code).toBe(0);
    expect(json(run.stdout).cleared).toEqual({ cleared: '*', removed: expect.any(Number), queryCaches: ['typeorm.default'] });
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('MISS');
  });

  it('optimize-all is a dry run over every recommendation', async () => {
    const direct = (await admin('recommendations')) as { recommendations: { id: string }[] };
    const run = await runCli(['optimize-all', '--json'], env());
    expect(run.code).toBe(0);
    const body = json(run.stdout) as { apply: boolean; outcomes: { id: string; outcome: string }[] };
    expect(body.apply).toBe(false);
    expect(body.outcomes.map((o) => [o.id, o.outcome])).toEqual(direct.recommendations.map((r) => [r.id, 'planned']));
  });

  it('report --output writes every admin section into one JSON file, each marked ok', async () => {
    const file = join(dir, 'report.json');
    const run = await runCli(['report', '--output', file], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Report written to ${file}`);
    const report = JSON.parse(readFileSync(file, 'utf8')) as {
      baseUrl: string;
      partial: boolean;
      sections: Record<string, { status: string; data?: unknown }>;
    };
    expect(Object.keys(report.sections)).toEqual(Object.keys(REPORT_SECTIONS));
    expect(Object.values(report.sections).map((s) => s.status)).toEqual(Object.keys(REPORT_SECTIONS).map(() => 'ok'));
    expect(report.partial).toBe(false);
    expect(report.baseUrl).toBe(sample.api);
    expect(report.sections.kpis!.data).toEqual(await admin('kpis'));
    expect(stable(report.sections.indexes!.data)).toEqual(stable(await admin('suggest-indexes')));
  });

  it("alerts --json is the app's alert list; --clear clears first", async () => {
    const run = await runCli(['alerts', '--hours', '2', '--json'], env());
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toEqual(await admin('alerts?hours=2'));
    const cleared = await runCli(['alerts', '--clear', '--json'], env());
    expect(cleared.code).toBe(0);
    const { cleared: counts, ...rest } = json(cleared.stdout);
    // alerts/clear deletes resolved alerts; firing ones stay until they resolve.
    expect(counts).toEqual({ cleared: expect.any(Number), firing: expect.any(Number) });
    expect(rest).toEqual(await admin('alerts?hours=24'));
    const table = await runCli(['alerts'], env());
    const alerts = ((await admin('alerts?hours=24')) as { alerts: { severity: string; metric: string; message: string }[] }).alerts;
    expect(table.code).toBe(alerts.some((a) => a.severity === 'critical') ? 1 : 0);
    expect(table.stdout.split('\n')[0]).toBe('Alerts of the last 24 h');
    if (alerts.length === 0) expect(table.stdout).toBe('Alerts of the last 24 h\n(none)\n');
    for (const a of alerts) expect(table.stdout).toMatch(new RegExp(`\\n${a.severity} +(firing|resolved) +${a.metric} `));
  });

  it('load runs several endpoints, writes the run as JSON, and the app shows it as the latest run', async () => {
    const file = join(dir, 'load.json');
    const run = await runCli(['load', '-e', '/hello', '-e', 'documents/1', '-c', '2', '-d', '1', '--output', file, '--json'], env());
    expect(run.code).toBe(0);
    const result = json(run.stdout) as {
      id: string;
      status: string;
      config: object;
      result: {
        totalRequests: number;
        successfulRequests: number;
        failedRequests: number;
        statusCodes: object;
        endpoints: { path: string; responses: number }[];
        latencyMs: Record<string, number>;
      };
      verdict: { passed: boolean; targetsFrom: string; checks: { kpi: string; target: number }[] };
    };
    expect(result.status).toBe('passed');
    expect(result.config).toEqual({
      baseUrl: sample.api,
      endpoints: [
        { method: 'GET', path: '/hello' },
        { method: 'GET', path: '/documents/1' },
      ],
      connections: 2,
      durationSeconds: 1,
      amount: null,
    });
    const r = result.result;
    expect(r.totalRequests).toBeGreaterThan(50);
    expect(r.successfulRequests).toBe(r.totalRequests);
    expect(r.failedRequests).toBe(0);
    expect(r.statusCodes).toEqual({ 200: r.totalRequests });
    expect(r.endpoints.map((e) => e.path)).toEqual(['/hello', '/documents/1']);
    expect(r.endpoints[0]!.responses + r.endpoints[1]!.responses).toBe(r.totalRequests);
    expect(r.endpoints[1]!.responses).toBeGreaterThan(0);
    expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p95);
    expect(r.latencyMs.p95).toBeLessThanOrEqual(r.latencyMs.p99);
    expect(r.latencyMs.p99).toBeLessThanOrEqual(r.latencyMs.max);
    expect(result.verdict).toMatchObject({ passed: true, targetsFrom: 'app' });
    expect(result.verdict.checks.map((c) => [c.kpi, c.target])).toEqual([
      ['p95Ms', 200],
      ['p99Ms', 500],
      ['errorRatePercent', 0.1],
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(result);
    expect(run.stderr).toMatch(/load \[=+>\] 100%/);
    const status = (await admin('load-test/status')) as { running: unknown; latest: Record<string, unknown> };
    expect(status.running).toBeNull();
    const { receivedAt, ...latest } = status.latest;
    expect(typeof receivedAt).toBe('string');
    expect(latest).toEqual(result);
  });

  it('load --amount stops after that many requests', async () => {
    const run = await runCli(['load', '-e', '/hello', '-c', '2', '--amount', '40', '--no-progress', '--json'], env());
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const body = json(run.stdout) as { config: { amount: number; durationSeconds: number }; result: { totalRequests: number } };
    expect(body.config).toMatchObject({ amount: 40, durationSeconds: 600 });
    expect(body.result.totalRequests).toBe(40);
  });

  it('load fails (exit 1) when the error rate misses the KPI, and prints the table', async () => {
    const run = await runCli(['load', '-e', '/documents/999999999', '-c', '1', '--amount', '20', '--no-progress'], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^status +FAILED\n/);
    expect(run.stdout).toContain('status codes  404: 20');
    expect(run.stdout).toMatch(/errorRatePercent +<= 0\.1 +100 +FAIL/);
  });

  it('load --no-report needs no token and reports nothing', async () => {
    const before = await admin('load-test/status');
    const run = await runCli(['load', '--url', sample.api, '-e', '/hello', '--amount', '10', '-c', '1', '--no-report', '--no-progress', '--json']);
    expect(run.code).toBe(0);
    expect(json(run.stdout)).toMatchObject({ status: 'passed', verdict: { targetsFrom: 'defaults' } });
    expect(await admin('load-test/status')).toEqual(before);
  });

  it.each([
    [['-e', 'http://example.com/hello'], 'refusing to send load to http://example.com: the load command only targets the host of --url'],
    [['-e', '//example.com/hello'], 'refusing to send load to http://example.com'],
    [['-e', '/hello', '-H', 'Host: example.com'], '--header host is not allowed'],
    [['-e', '../../metrics'], 'refusing --endpoint "../../metrics": it leaves --url\'s path /api/v1'],
  ])('load refuses targets other than --url (%j), before sending anything', async (args, message) => {
    const before = await admin('load-test/status');
    const run = await runCli(['load', ...args], env());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`error: ${message}`);
    expect(await admin('load-test/status')).toEqual(before);
  });
});

/** Exit code 1 when the app misses its targets: a failing KPI, a critical alert. */
describe('nestjs-performance CLI exit code 1', () => {
  let sample: RunningSample;
  const env = (): Record<string, string> => ({ PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });

  beforeAll(async () => {
    sample = await startSample('express', {
      seedDocuments: 100,
      // A p95 target no request meets, and a memory level every process is above.
      env: {
        THRESHOLD_P95_MS: JSON.stringify({ good: 0.01 }),
        THRESHOLD_MEMORY_PERCENT: JSON.stringify({ good: 0.001, critical: 0.01 }),
        ALERT_FOR_SECONDS: '0',
      },
    });
    // One app request (admin calls are not sampled), then one snapshot, so KPIs and alerts have data.
    await (await fetch(`${sample.api}/hello`)).arrayBuffer();
    await fetch(`${sample.api}/performance/metrics/current`, { headers: sample.admin });
  });
  afterAll(() => sample?.close());

  it('analyze exits 1 and says FAILING when a KPI fails', async () => {
    const run = await runCli(['analyze'], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('KPIs: FAILING');
    expect(run.stdout).toMatch(/responseTimeP95 +<= 0\.01 ms +500 ms +\d+(\.\d+)? +fail +warning/);
  });

  it('alerts exits 1 while a critical alert is firing', async () => {
    const run = await runCli(['alerts'], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Alerts of the last 24 h \(CRITICAL firing\)\nSEVERITY +STATUS +RULE/);
    expect(run.stdout).toMatch(/\ncritical +firing +memoryPercent /);
  });
});
