import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConsoleLogger, Logger, type LoggerService } from '@nestjs/common';
import { afterEach, describe, expect, it } from 'vitest';
import { SearchIndexSyncJob } from '../apps/sample/src/jobs/search-index-sync.job';
import type { CheckReport } from '../libs/performance/src/cli/commands/check.command';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

/**
 * `check`, the daily check, against the sample app: each class of failure
 * gives its exit code, and the errors it counts are the lines the app logged
 * through Nest's Logger. Each case starts its own app, so no case sees
 * another's alerts, job runs or log lines.
 */
describe('nestjs-performance check against the sample app', () => {
  let sample: RunningSample | undefined;
  afterEach(async () => {
    await sample?.close();
    sample = undefined;
  });
  const start = async (env: Record<string, string> = {}, logger?: LoggerService): Promise<RunningSample> =>
    (sample = await startSample('express', {
      seedDocuments: 50,
      // CPU and event-loop lag over the first snapshot include the app's start on a shared machine: not what these cases test.
      env: { ALERT_LOG: 'false', THRESHOLD_CPU_PERCENT: 'false', THRESHOLD_EVENT_LOOP_LAG_P99_MS: 'false', ...env },
      ...(logger ? { logger } : {}),
    }));
  const check = async (...args: string[]) => {
    const run = await runCli(['check', ...args, '--json'], { PERFORMANCE_URL: sample!.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.exitCode).toBe(run.code);
    const byClass = Object.fromEntries(report.checks.map((c) => [c.check, c]));
    return { run, report, byClass };
  };
  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${sample!.api}/performance/${path}`, { headers: sample!.admin });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  it('passes (exit 0) on a healthy app, every class checked, and prints one verdict', async () => {
    await start();
    await sample!.app.get(MetricsSampler).collect();
    const { run, report, byClass } = await check();
    expect(run.code, run.stdout).toBe(0);
    expect(report.verdict).toBe('pass');
    expect(report.checks.map((c) => [c.check, c.status, c.exitCode])).toEqual([
      ['kpis', 'pass', 1],
      ['jobs', 'pass', 6],
      ['alerts', 'pass', 7],
      ['resources', 'pass', 8],
      ['logs', 'pass', 9],
    ]);
    expect(byClass.jobs!.details).toEqual(['3 jobs, none failing or overdue']);
    expect(byClass.logs!.details).toEqual(['0 errors, 0 warnings logged in 24 h']);
    const table = await runCli(['check'], { PERFORMANCE_URL: sample!.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^Daily check of http:\/\/127\.0\.0\.1:\d+\/api\/v1, last 24 h\nCHECK +RESULT +DETAILS\nkpis +PASS /);
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe('verdict: PASS (exit 0)');
  });

  it('a failing KPI exits 1', async () => {
    await start({ THRESHOLD_MEMORY_PERCENT: JSON.stringify({ good: 0.001, critical: 95 }) });
    await sample!.app.get(MetricsSampler).collect();
    const { run, byClass } = await check();
    expect(run.code).toBe(1);
    expect(byClass.kpis!.status).toBe('fail');
    expect(byClass.kpis!.details).toHaveLength(1);
    expect(byClass.kpis!.details[0]).toMatch(/^memoryUsage \d+(\.\d+)? %, target <= 0\.001$/);
  });

  it('a job whose last run failed exits 6, naming the job', async () => {
    await start();
    const job = sample!.app.get(SearchIndexSyncJob);
    // The sample's flaky index: of every three runs the third fails.
    await job.sync();
    await job.sync();
    await expect(job.sync()).rejects.toThrow('search index unavailable (run 3, attempt 2)');
    const { run, byClass } = await check();
    expect(run.code).toBe(6);
    expect(byClass.jobs!.status).toBe('fail');
    expect(byClass.jobs!.details[0]).toMatch(/^search-index-sync: last run failed at \d{4}-\d\d-\d\dT/);
    expect(byClass.kpis!.status).toBe('pass');
  });

  /** Failed checkout quotes burn the sample's checkout SLO: an alert, while no KPI judges the error rate. */
  const burnCheckout = async (): Promise<void> => {
    await start({ THRESHOLD_ERROR_RATE_PERCENT: 'false', ALERT_FOR_SECONDS: '0' });
    for (let i = 0; i < 20; i++) await (await fetch(`${sample!.api}/checkout/quote?simulate=error`)).arrayBuffer();
    await sample!.app.get(MetricsSampler).collect();
    const { alerts } = await admin<{ alerts: { status: string; metric: string }[] }>('alerts?hours=1');
    expect(alerts.filter((a) => a.status === 'firing').map((a) => a.metric)).toContain('slo-burn-rate');
  };

  it('an open alert exits 7', async () => {
    await burnCheckout();
    const { run, byClass } = await check();
    expect(run.code).toBe(7);
    expect(byClass.kpis!.status).toBe('pass');
    expect(byClass.alerts!.status).toBe('fail');
    expect(byClass.alerts!.details.some((d) => /^(warning|critical) slo-burn-rate: /.test(d))).toBe(true);
  });

  it('disk above --max-disk-percent exits 8', async () => {
    await start();
    const health = await admin<{ checks: { details: { disk: { usedPercent: number } } } }>('health-overview');
    const used = health.checks.details.disk.usedPercent;
    expect(used).toBeGreaterThan(1);
    const { run, byClass } = await check('--max-disk-percent', '1');
    expect(run.code).toBe(8);
    expect(byClass.resources!.details).toContain(`disk ${used} % used, above --max-disk-percent 1`);
  });

  it("errors logged through Nest's Logger exit 9, counted per context, in logs/counts and /metrics, and still reach the app's logger", async () => {
    const lines: [string, unknown[]][] = [];
    const appLogger = new (class extends ConsoleLogger {
      override error(message: unknown, ...rest: unknown[]) {
        lines.push(['error', [message, ...rest]]);
      }
      override warn(message: unknown, ...rest: unknown[]) {
        lines.push(['warn', [message, ...rest]]);
      }
      override log() {}
    })();
    await start({}, appLogger);
    const payments = new Logger('PaymentsService');
    payments.error('card declined', 'Error: card declined\n    at charge (payments.ts:1:1)');
    payments.error('card declined again');
    Logger.warn('stock low', 'InventoryService');
    Logger.error('no context at all');
    // The app's logger got every line, with its context, untouched.
    expect(lines).toEqual([
      ['error', ['card declined', 'Error: card declined\n    at charge (payments.ts:1:1)', 'PaymentsService']],
      ['error', ['card declined again', undefined, 'PaymentsService']],
      ['warn', ['stock low', 'InventoryService']],
      ['error', ['no context at all']],
    ]);

    const counts = await admin<{ totals: Record<string, number>; contexts: { context: string; error: number; warn: number }[] }>('logs/counts?hours=1');
    expect(counts.totals).toEqual({ fatal: 0, error: 3, warn: 1 });
    expect(counts.contexts.map((c) => [c.context, c.error, c.warn])).toEqual([
      ['PaymentsService', 2, 0],
      ['<none>', 1, 0],
      ['InventoryService', 0, 1],
    ]);
    const metrics = await (await fetch(`${sample!.url}/metrics`)).text();
    expect(metrics).toContain('log_messages_total{level="error",context="PaymentsService"} 2');
    expect(metrics).toContain('log_messages_total{level="warn",context="InventoryService"} 1');

    const { run, byClass } = await check();
    expect(run.code).toBe(9);
    expect(byClass.logs!.details).toEqual(['3 errors logged in 24 h (allowed 0): PaymentsService 2, <none> 1']);
    expect((await check('--max-errors-logged', '3')).run.code).toBe(0);
    const warnings = await check('--max-errors-logged', '3', '--max-warnings-logged', '0');
    expect(warnings.run.code).toBe(9);
    expect(warnings.byClass.logs!.details).toEqual(['1 warnings logged in 24 h (allowed 0): InventoryService 1']);

    // An app that swaps its logger later (app.useLogger) is still counted, and the new logger gets the lines.
    const later: unknown[][] = [];
    sample!.app.useLogger({ log() {}, warn() {}, error: (...args: unknown[]) => void later.push(args) });
    payments.error('after the swap');
    expect(later).toEqual([['after the swap', undefined, 'PaymentsService']]);
    expect((await admin<{ totals: Record<string, number> }>('logs/counts')).totals.error).toBe(4);
  });

  it('several classes failing exit with the first in order (alerts 7 before errors logged 9)', async () => {
    await burnCheckout();
    new Logger('ReportsService').error('export failed');
    const { run, report } = await check();
    expect(run.code).toBe(7);
    expect(report.checks.filter((c) => c.status === 'fail').map((c) => c.check)).toEqual(['alerts', 'logs']);
    const table = await runCli(['check'], { PERFORMANCE_URL: sample!.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
    expect(table.code).toBe(7);
    expect(table.stdout.trimEnd().split('\n').at(-1)).toBe('verdict: FAIL (exit 7): alerts (exit 7), logs (exit 9)');
  });

  it.each([
    [['--hours', '0'], '--hours must be an integer from 1 to 720 (got "0")'],
    [['--max-errors-logged', '-1'], '--max-errors-logged must be an integer'],
    [['--alert-severity', 'loud'], "option '--alert-severity <severity>' argument 'loud' is invalid"],
  ])('bad flags %j exit 2 before asking the app', async (args, message) => {
    const run = await runCli(['check', '--url', 'http://127.0.0.1:9/api/v1', '--token', 't', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });

  it('an app that cannot be reached exits 3', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCli(['check', '--url', `http://127.0.0.1:${port}/api/v1`, '--token', 't']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`^error: cannot connect to http://127\\.0\\.0\\.1:${port}: connection refused`));
  });
});
