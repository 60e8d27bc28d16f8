import { Command, Option } from 'commander';
import { fetchSections } from '../admin-sections';
import { EXIT, type ExitCode } from '../cli-error';
import { contextOf, finish, integerFlag, print } from '../cli-context';
import { cell, field, listIn, renderTable } from '../table-renderer';

/** The classes of failure `check` tells apart, in the order they decide the exit code. */
export const CHECK_CLASSES = ['kpis', 'jobs', 'alerts', 'resources', 'logs'] as const;
/** One of {@link CHECK_CLASSES}. */
export type CheckClass = (typeof CHECK_CLASSES)[number];

/** The exit code of each class of failure (documented in docs/cli.md). */
export const CHECK_EXIT: Readonly<Record<CheckClass, ExitCode>> = {
  kpis: EXIT.CHECK_FAILED,
  jobs: EXIT.JOBS_FAILING,
  alerts: EXIT.ALERTS_FIRING,
  resources: EXIT.RESOURCES,
  logs: EXIT.ERRORS_LOGGED,
};

/** The outcome of one class. */
export interface CheckResult {
  readonly check: CheckClass;
  /** `pass`; `fail`; `unavailable` (the app does not offer it: feature off, older version); `error` (the app failed to answer). */
  readonly status: 'pass' | 'fail' | 'unavailable' | 'error';
  /** The exit code this class gives when it fails. */
  readonly exitCode: ExitCode;
  /** What failed, or what was checked. */
  readonly details: readonly string[];
}

/** The body of `check --json`. */
export interface CheckReport {
  readonly checkedAt: string;
  readonly baseUrl: string;
  readonly hours: number;
  readonly verdict: 'pass' | 'fail';
  /** The process exit code: the first failing class in {@link CHECK_CLASSES} order, else 5 when a section failed, else 0. */
  readonly exitCode: number;
  readonly checks: readonly CheckResult[];
}

/** Limits of `check`, from its flags. */
export interface CheckLimits {
  readonly hours: number;
  readonly maxErrorsLogged: number;
  readonly maxWarningsLogged: number | undefined;
  readonly maxMemoryGrowthPercent: number;
  readonly maxDiskPercent: number | undefined;
  readonly alertSeverity: 'info' | 'warning' | 'critical';
}

const SEVERITY_RANK = { info: 0, warning: 1, critical: 2 } as const;
const JOB_RULES = new Set(['job-failure-rate', 'job-overdue']);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** KPIs about jobs (failure rate, jobs per minute): judged with the jobs, so a failing job exits 6, not 1. */
const isJobKpi = (k: unknown): boolean => /^jobs?[A-Z]/.test(String(field(k, 'metric'))) || /^job[A-Z]/.test(String(field(k, 'name')));

/** KPIs: any KPI with status `fail`, those about jobs left to the jobs check. */
export function checkKpis(kpis: unknown): Omit<CheckResult, 'check' | 'exitCode'> {
  const list = listIn(kpis, 'kpis').filter((k) => !isJobKpi(k));
  const failing = list.filter((k) => field(k, 'status') === 'fail');
  if (failing.length === 0) {
    return { status: 'pass', details: [`${list.length} KPIs, none failing`] };
  }
  return {
    status: 'fail',
    details: failing.map(
      (k) =>
        `${cell(field(k, 'name'))} ${cell(field(k, 'current'))} ${cell(field(k, 'unit'))}, target ${cell(field(k, 'comparison'))} ${String(field(k, 'target'))}`,
    ),
  };
}

/** Jobs: overdue jobs, jobs whose last run failed, job alerts firing, and failing job KPIs. */
export function checkJobs(jobs: unknown, kpis?: unknown): Omit<CheckResult, 'check' | 'exitCode'> {
  const list = listIn(jobs, 'jobs');
  const details: string[] = [];
  for (const job of list) {
    const name = cell(field(job, 'name'));
    if (field(job, 'status') === 'failure') details.push(`${name}: last run failed at ${cell(field(job, 'lastFailureAt'))}`);
    if (field(job, 'overdue') === true) details.push(`${name}: overdue, last started ${cell(field(job, 'lastRunAt') ?? 'never')}`);
  }
  for (const alert of listIn(jobs, 'alerts')) {
    const line = `${cell(field(alert, 'job'))}: ${cell(field(alert, 'severity'))} ${cell(field(alert, 'rule'))}: ${cell(field(alert, 'message'))}`;
    if (field(alert, 'rule') !== 'job-overdue' || !details.some((d) => d.startsWith(`${cell(field(alert, 'job'))}: overdue`))) details.push(line);
  }
  for (const k of listIn(kpis, 'kpis').filter((k) => isJobKpi(k) && field(k, 'status') === 'fail')) {
    details.push(
      `KPI ${cell(field(k, 'name'))} ${cell(field(k, 'current'))} ${cell(field(k, 'unit'))}, target ${cell(field(k, 'comparison'))} ${String(field(k, 'target'))}`,
    );
  }
  return details.length ? { status: 'fail', details } : { status: 'pass', details: [`${list.length} jobs, none failing or overdue`] };
}

/** Alerts: firing alerts at or above the severity, job alerts left to the jobs check. */
export function checkAlerts(alerts: unknown, severity: CheckLimits['alertSeverity']): Omit<CheckResult, 'check' | 'exitCode'> {
  const firing = listIn(alerts, 'alerts').filter(
    (a) =>
      field(a, 'status') === 'firing' &&
      !JOB_RULES.has(String(field(a, 'metric'))) &&
      (SEVERITY_RANK[field(a, 'severity') as keyof typeof SEVERITY_RANK] ?? 0) >= SEVERITY_RANK[severity],
  );
  if (firing.length === 0) return { status: 'pass', details: [`no ${severity} or worse alert firing`] };
  return { status: 'fail', details: firing.map((a) => `${cell(field(a, 'severity'))} ${cell(field(a, 'metric'))}: ${cell(field(a, 'message'))}`) };
}

/** Resources: the app's disk and memory checks, disk use against `--max-disk-percent`, RSS growth over the window. */
export function checkResources(
  health: unknown,
  history: unknown,
  limits: CheckLimits,
): Omit<CheckResult, 'check' | 'exitCode'> & { readonly checked: readonly string[] } {
  const details: string[] = [];
  const checked: string[] = [];
  const checks = field(field(health, 'checks'), 'details');
  if (checks && typeof checks === 'object') {
    for (const key of ['disk', 'memory_rss', 'memory_heap']) {
      const check = field(checks, key);
      if (!check) continue;
      checked.push(key);
      if (field(check, 'status') === 'down') details.push(`${key}: down (${cell(field(check, 'message') ?? field(check, 'error') ?? 'the app says down')})`);
    }
    const disk = num(field(field(checks, 'disk'), 'usedPercent'));
    if (disk !== undefined && limits.maxDiskPercent !== undefined && disk > limits.maxDiskPercent) {
      details.push(`disk ${disk} % used, above --max-disk-percent ${limits.maxDiskPercent}`);
    }
  }
  const points = listIn(history, 'points');
  const rss = points.map((p) => num(field(p, 'rssMb'))).filter((v): v is number => v !== undefined && v > 0);
  if (rss.length >= 2) {
    checked.push('memory growth');
    const growth = Math.round(((rss[rss.length - 1]! - rss[0]!) / rss[0]!) * 1000) / 10;
    if (growth > limits.maxMemoryGrowthPercent) {
      details.push(
        `RSS grew ${growth} % in ${limits.hours} h (${rss[0]} MiB to ${rss[rss.length - 1]} MiB), above --max-memory-growth ${limits.maxMemoryGrowthPercent}`,
      );
    }
  }
  if (details.length) return { status: 'fail', details, checked };
  return { status: 'pass', details: [checked.length ? `${checked.join(', ')}: ok` : 'nothing to check yet'], checked };
}

/** Logs: fatal and error lines logged in the window above `--max-errors-logged`, warnings above `--max-warnings-logged`. */
export function checkLogs(logs: unknown, limits: CheckLimits): Omit<CheckResult, 'check' | 'exitCode'> {
  const totals = field(logs, 'totals');
  const errors = (num(field(totals, 'fatal')) ?? 0) + (num(field(totals, 'error')) ?? 0);
  const warnings = num(field(totals, 'warn')) ?? 0;
  const contexts = listIn(logs, 'contexts');
  const top = (level: 'error' | 'warn'): string =>
    contexts
      .filter((c) => (level === 'error' ? (num(field(c, 'fatal')) ?? 0) + (num(field(c, 'error')) ?? 0) : (num(field(c, 'warn')) ?? 0)) > 0)
      .slice(0, 5)
      .map((c) => `${cell(field(c, 'context'))} ${level === 'error' ? (num(field(c, 'fatal')) ?? 0) + (num(field(c, 'error')) ?? 0) : cell(field(c, 'warn'))}`)
      .join(', ');
  const details: string[] = [];
  if (errors > limits.maxErrorsLogged) details.push(`${errors} errors logged in ${limits.hours} h (allowed ${limits.maxErrorsLogged}): ${top('error')}`);
  if (limits.maxWarningsLogged !== undefined && warnings > limits.maxWarningsLogged) {
    details.push(`${warnings} warnings logged in ${limits.hours} h (allowed ${limits.maxWarningsLogged}): ${top('warn')}`);
  }
  if (details.length) return { status: 'fail', details };
  return { status: 'pass', details: [`${errors} errors, ${warnings} warnings logged in ${limits.hours} h`] };
}

/** The exit code of a set of results: the first failing class, else 5 when a section failed, else 0. */
export function checkExitCode(results: readonly CheckResult[]): ExitCode {
  for (const name of CHECK_CLASSES) {
    if (results.some((r) => r.check === name && r.status === 'fail')) return CHECK_EXIT[name];
  }
  return results.some((r) => r.status === 'error') ? EXIT.APP_ERROR : EXIT.OK;
}

interface CheckFlags {
  hours: number;
  maxErrorsLogged: number;
  maxWarningsLogged?: number;
  maxMemoryGrowth: number;
  maxDiskPercent?: number;
  alertSeverity: CheckLimits['alertSeverity'];
}

/** `check`: the daily check for cron or CI, one verdict and an exit code per class of failure. */
export function checkCommand(): Command {
  return new Command('check')
    .description(
      'the daily check for cron or CI: KPIs, jobs failing or overdue, open alerts, disk and memory, errors logged; one verdict, exit 0 or the code of the first failing class (1 KPIs, 6 jobs, 7 alerts, 8 resources, 9 errors logged)',
    )
    .option('--hours <n>', 'window for alerts, memory growth and errors logged, 1-720 hours', integerFlag('--hours', 1, 720), 24)
    .option('--max-errors-logged <n>', 'fatal and error lines allowed in the window', integerFlag('--max-errors-logged', 0, 1_000_000_000), 0)
    .option('--max-warnings-logged <n>', 'warn lines allowed in the window (default: not checked)', integerFlag('--max-warnings-logged', 0, 1_000_000_000))
    .option('--max-memory-growth <percent>', 'RSS growth allowed over the window, percent', integerFlag('--max-memory-growth', 0, 100_000), 50)
    .option('--max-disk-percent <percent>', "disk use allowed, percent (default: the app's own disk check)", integerFlag('--max-disk-percent', 1, 100))
    .addOption(
      new Option('--alert-severity <severity>', 'the least severity of a firing alert that fails the check')
        .choices(['info', 'warning', 'critical'])
        .default('warning'),
    )
    .action(async (flags: CheckFlags, command: Command) => {
      const ctx = contextOf(command);
      const limits: CheckLimits = {
        hours: flags.hours,
        maxErrorsLogged: flags.maxErrorsLogged,
        maxWarningsLogged: flags.maxWarningsLogged,
        maxMemoryGrowthPercent: flags.maxMemoryGrowth,
        maxDiskPercent: flags.maxDiskPercent,
        alertSeverity: flags.alertSeverity,
      };
      const paths = {
        kpis: 'kpis',
        jobs: 'jobs/status',
        alerts: `alerts?hours=${flags.hours}`,
        health: 'health-overview',
        history: `metrics/history?hours=${flags.hours}`,
        logs: `logs/counts?hours=${flags.hours}`,
      };
      const { bodies, unavailable, failed } = await fetchSections(ctx.client, paths, { keepGoing: true });
      const missing = (sections: readonly (keyof typeof paths)[]): Omit<CheckResult, 'check' | 'exitCode'> | undefined => {
        const errors = sections.filter((s) => s in failed).map((s) => `${s}: ${failed[s]}`);
        if (errors.length) return { status: 'error', details: errors };
        if (sections.every((s) => !(s in bodies))) return { status: 'unavailable', details: sections.map((s) => unavailable[s] ?? `${s}: not available`) };
        return undefined;
      };
      const results: CheckResult[] = [
        { check: 'kpis' as const, ...(missing(['kpis']) ?? checkKpis(bodies.kpis)) },
        { check: 'jobs' as const, ...(missing(['jobs']) ?? checkJobs(bodies.jobs, bodies.kpis)) },
        { check: 'alerts' as const, ...(missing(['alerts']) ?? checkAlerts(bodies.alerts, limits.alertSeverity)) },
        { check: 'resources' as const, ...(missing(['health', 'history']) ?? checkResources(bodies.health, bodies.history, limits)) },
        { check: 'logs' as const, ...(missing(['logs']) ?? checkLogs(bodies.logs, limits)) },
      ].map(({ check, status, details }) => ({ check, status, details, exitCode: CHECK_EXIT[check] }));
      const exitCode = checkExitCode(results);
      const report: CheckReport = {
        checkedAt: new Date().toISOString(),
        baseUrl: ctx.client.target.baseUrl.href,
        hours: flags.hours,
        verdict: exitCode === EXIT.OK ? 'pass' : 'fail',
        exitCode,
        checks: results,
      };
      print(ctx, report, () => {
        const rows = results.flatMap((r) => r.details.map((d, i) => ({ check: i === 0 ? r.check : '', status: i === 0 ? r.status.toUpperCase() : '', d })));
        const table = renderTable(rows, [
          { heading: 'check', value: (r) => r.check },
          { heading: 'result', value: (r) => r.status },
          { heading: 'details', value: (r) => r.d, max: 160 },
        ]);
        const failing = results.filter((r) => r.status === 'fail').map((r) => `${r.check} (exit ${r.exitCode})`);
        const verdict =
          exitCode === EXIT.OK
            ? 'verdict: PASS (exit 0)'
            : failing.length
              ? `verdict: FAIL (exit ${exitCode}): ${failing.join(', ')}`
              : `verdict: INCOMPLETE (exit ${exitCode}): the app failed to answer a section`;
        return `Daily check of ${ctx.client.target.baseUrl.href}, last ${flags.hours} h\n${table}\n\n${verdict}`;
      });
      finish(exitCode);
    });
}
