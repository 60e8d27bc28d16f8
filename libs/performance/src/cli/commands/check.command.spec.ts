import { describe, expect, it } from 'vitest';
import { checkAlerts, checkExitCode, checkJobs, checkKpis, checkLogs, checkResources, type CheckLimits, type CheckResult } from './check.command';

const limits: CheckLimits = {
  hours: 24,
  maxErrorsLogged: 0,
  maxWarningsLogged: undefined,
  maxMemoryGrowthPercent: 50,
  maxDiskPercent: undefined,
  alertSeverity: 'warning',
};

const result = (check: CheckResult['check'], status: CheckResult['status']): CheckResult => ({ check, status, exitCode: 0, details: [] });

describe('check', () => {
  it('exits with the first failing class in the order KPIs 1, jobs 6, alerts 7, resources 8, logs 9; 5 when only a section failed', () => {
    expect(checkExitCode([result('logs', 'fail'), result('alerts', 'fail')])).toBe(7);
    expect(checkExitCode([result('logs', 'fail'), result('kpis', 'fail'), result('jobs', 'fail')])).toBe(1);
    expect(checkExitCode([result('resources', 'fail'), result('logs', 'error')])).toBe(8);
    expect(checkExitCode([result('kpis', 'pass'), result('logs', 'error')])).toBe(5);
    expect(checkExitCode([result('kpis', 'pass'), result('jobs', 'unavailable')])).toBe(0);
  });

  it('leaves the KPIs about jobs to the jobs check', () => {
    const kpis = {
      kpis: [
        { name: 'responseTimeP95', metric: 'p95Ms', status: 'pass', current: 10, target: 200, comparison: '<=', unit: 'ms' },
        { name: 'jobFailureRate', metric: 'jobFailureRatePercent', status: 'fail', current: 50, target: 1, comparison: '<=', unit: '%' },
      ],
    };
    expect(checkKpis(kpis).status).toBe('pass');
    expect(checkJobs({ jobs: [] }, kpis)).toEqual({ status: 'fail', details: ['KPI jobFailureRate 50 %, target <= 1'] });
  });

  it('counts firing alerts at the severity or above, and not job alerts', () => {
    const alerts = {
      alerts: [
        { status: 'firing', severity: 'info', metric: 'cpuPercent', message: 'cpu' },
        { status: 'resolved', severity: 'critical', metric: 'p95Ms', message: 'old' },
        { status: 'firing', severity: 'critical', metric: 'job-overdue', message: 'job' },
        { status: 'firing', severity: 'warning', metric: 'p95Ms', message: 'slow' },
      ],
    };
    expect(checkAlerts(alerts, 'warning')).toEqual({ status: 'fail', details: ['warning p95Ms: slow'] });
    expect(checkAlerts(alerts, 'critical').status).toBe('pass');
  });

  it('fails resources on RSS growth above the limit, a down check, or disk above --max-disk-percent', () => {
    const history = (first: number, last: number) => ({ points: [{ rssMb: first }, { rssMb: 150 }, { rssMb: last }] });
    const health = (disk: object) => ({ checks: { details: { disk: { status: 'up', usedPercent: 60, ...disk } } } });
    expect(checkResources(health({}), history(100, 149), limits).status).toBe('pass');
    expect(checkResources(health({}), history(100, 151), limits).details).toEqual(['RSS grew 51 % in 24 h (100 MiB to 151 MiB), above --max-memory-growth 50']);
    expect(checkResources(health({ status: 'down', message: 'disk 97% used' }), { points: [] }, limits).details).toEqual(['disk: down (disk 97% used)']);
    expect(checkResources(health({}), { points: [] }, { ...limits, maxDiskPercent: 50 }).details).toEqual(['disk 60 % used, above --max-disk-percent 50']);
  });

  it('fails logs on errors above --max-errors-logged, warnings only with --max-warnings-logged', () => {
    const logs = {
      totals: { fatal: 1, error: 2, warn: 5 },
      contexts: [
        { context: 'A', fatal: 1, error: 1, warn: 0 },
        { context: 'B', fatal: 0, error: 1, warn: 5 },
      ],
    };
    expect(checkLogs(logs, limits).details).toEqual(['3 errors logged in 24 h (allowed 0): A 2, B 1']);
    expect(checkLogs(logs, { ...limits, maxErrorsLogged: 3 }).status).toBe('pass');
    expect(checkLogs(logs, { ...limits, maxErrorsLogged: 3, maxWarningsLogged: 4 }).details).toEqual(['5 warnings logged in 24 h (allowed 4): B 5']);
  });
});
