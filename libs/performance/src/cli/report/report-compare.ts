import { field, listIn } from '../table-renderer';
import { dataOf, type PerformanceReport } from './report-sections';

/** One thing that changed since the previous report. */
export interface ReportChange {
  /** The section it concerns: `health`, `kpis`, `alerts`, `recommendations`, `routes`, `queries`, `jobs`, `optimizations`, `logs`. */
  readonly section: string;
  readonly change: string;
}

/** What changed between two reports. */
export interface ReportComparison {
  /** When the previous report was generated. */
  readonly previousAt: string;
  readonly changes: readonly ReportChange[];
}

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
const round = (n: number): number => Math.round(n * 100) / 100;
const str = (value: unknown): string => (value === null || value === undefined ? '-' : String(value));

/** `12.5 -> 30.1 ms (+141 %)`. */
function delta(before: number, after: number, unit: string): string {
  const pct = before !== 0 ? ` (${after >= before ? '+' : ''}${Math.round(((after - before) / before) * 100)} %)` : '';
  return `${round(before)} -> ${round(after)}${unit ? ` ${unit}` : ''}${pct}`;
}

/** Values keyed by `key(row)` for the rows of a section's list. */
function byKey(body: unknown, list: string, key: (row: unknown) => string): Map<string, unknown> {
  return new Map(listIn(body, list).map((row) => [key(row), row]));
}

/**
 * Reads a previous report (as `report` writes it) and says what changed:
 * health score, KPI verdicts, alerts opened and closed, recommendations new
 * and gone, routes and statements whose p95 or mean moved by 20 % or more,
 * job failures, optimizations applied since, errors logged.
 */
export function compareReports(previous: PerformanceReport, current: PerformanceReport): ReportComparison {
  const changes: ReportChange[] = [];
  const add = (section: string, change: string): void => void changes.push({ section, change });

  const scoreBefore = num(field(dataOf(previous, 'health'), 'score'));
  const scoreNow = num(field(dataOf(current, 'health'), 'score'));
  if (scoreBefore !== undefined && scoreNow !== undefined && scoreBefore !== scoreNow) {
    add(
      'health',
      `health score ${scoreBefore} -> ${scoreNow} (${str(field(dataOf(previous, 'health'), 'status'))} -> ${str(field(dataOf(current, 'health'), 'status'))})`,
    );
  }

  const kpisBefore = byKey(dataOf(previous, 'kpis'), 'kpis', (k) => str(field(k, 'name')));
  for (const kpi of listIn(dataOf(current, 'kpis'), 'kpis')) {
    const name = str(field(kpi, 'name'));
    const before = kpisBefore.get(name);
    if (!before) continue;
    const [was, is] = [field(before, 'status'), field(kpi, 'status')];
    if (was !== is)
      add('kpis', `${name} ${str(was)} -> ${str(is)} (${str(field(before, 'current'))} -> ${str(field(kpi, 'current'))} ${str(field(kpi, 'unit'))})`);
  }

  const alertKey = (a: unknown): string =>
    `${str(field(a, 'metric'))}|${str(field(a, 'job') ?? field(a, 'route') ?? field(a, 'slo') ?? field(a, 'dependency') ?? '')}`;
  const firing = (report: PerformanceReport): Map<string, unknown> =>
    new Map(
      listIn(dataOf(report, 'alerts'), 'alerts')
        .filter((a) => field(a, 'status') === 'firing')
        .map((a) => [alertKey(a), a]),
    );
  const [firingBefore, firingNow] = [firing(previous), firing(current)];
  for (const [key, alert] of firingNow) if (!firingBefore.has(key)) add('alerts', `opened: ${str(field(alert, 'severity'))} ${str(field(alert, 'message'))}`);
  for (const [key, alert] of firingBefore) if (!firingNow.has(key)) add('alerts', `no longer firing: ${str(field(alert, 'message'))}`);

  const recsBefore = byKey(dataOf(previous, 'recommendations'), 'recommendations', (r) => str(field(r, 'id')));
  const recsNow = byKey(dataOf(current, 'recommendations'), 'recommendations', (r) => str(field(r, 'id')));
  if (dataOf(previous, 'recommendations') !== undefined && dataOf(current, 'recommendations') !== undefined) {
    for (const [id, r] of recsNow) if (!recsBefore.has(id)) add('recommendations', `new: ${str(field(r, 'title'))} (${str(field(r, 'severity'))})`);
    for (const [id, r] of recsBefore) if (!recsNow.has(id)) add('recommendations', `gone: ${str(field(r, 'title'))}`);
  }

  const routeKey = (r: unknown): string => `${str(field(r, 'method'))} ${str(field(r, 'route'))}`;
  const routesBefore = byKey(dataOf(previous, 'routes'), 'routes', routeKey);
  for (const route of listIn(dataOf(current, 'routes'), 'routes')) {
    const before = routesBefore.get(routeKey(route));
    const [was, is] = [num(field(before, 'p95Ms')), num(field(route, 'p95Ms'))];
    if (was !== undefined && is !== undefined && was > 0 && Math.abs(is - was) / was >= 0.2 && Math.abs(is - was) >= 1) {
      add('routes', `${routeKey(route)} p95 ${delta(was, is, 'ms')}`);
    }
  }

  const statementsBefore = byKey(dataOf(previous, 'queries'), 'statements', (s) => str(field(s, 'fingerprint')));
  for (const statement of listIn(dataOf(current, 'queries'), 'statements')) {
    const before = statementsBefore.get(str(field(statement, 'fingerprint')));
    const [was, is] = [num(field(before, 'meanMs')), num(field(statement, 'meanMs'))];
    if (was !== undefined && is !== undefined && was > 0 && Math.abs(is - was) / was >= 0.2 && Math.abs(is - was) >= 1) {
      add('queries', `statement ${str(field(statement, 'fingerprint'))} mean ${delta(was, is, 'ms')}`);
    }
  }

  const jobsBefore = byKey(dataOf(previous, 'jobs'), 'jobs', (j) => str(field(j, 'name')));
  for (const job of listIn(dataOf(current, 'jobs'), 'jobs')) {
    const before = jobsBefore.get(str(field(job, 'name')));
    if (!before) continue;
    const failures = (num(field(job, 'failures')) ?? 0) - (num(field(before, 'failures')) ?? 0);
    const runs = (num(field(job, 'runs')) ?? 0) - (num(field(before, 'runs')) ?? 0);
    if (failures > 0 || field(job, 'status') !== field(before, 'status')) {
      add(
        'jobs',
        `${str(field(job, 'name'))}: ${runs >= 0 ? `${runs} run${runs === 1 ? '' : 's'}, ${failures} failed since` : 'restarted since'}; last run ${str(field(before, 'status'))} -> ${str(field(job, 'status'))}`,
      );
    }
  }

  const since = Date.parse(previous.generatedAt);
  for (const o of listIn(dataOf(current, 'optimizations'), 'optimizations')) {
    if (Date.parse(str(field(o, 'appliedAt'))) > since) add('optimizations', `applied: ${str(field(o, 'title'))} (${str(field(o, 'result'))})`);
  }

  const errors = (report: PerformanceReport): number | undefined => {
    const totals = field(dataOf(report, 'logs'), 'totalsSinceStart');
    return totals === undefined ? undefined : (num(field(totals, 'fatal')) ?? 0) + (num(field(totals, 'error')) ?? 0);
  };
  const [errorsBefore, errorsNow] = [errors(previous), errors(current)];
  if (errorsBefore !== undefined && errorsNow !== undefined && errorsNow !== errorsBefore) {
    add(
      'logs',
      errorsNow > errorsBefore
        ? `${errorsNow - errorsBefore} more errors logged`
        : `errors logged since start ${errorsBefore} -> ${errorsNow} (the app restarted)`,
    );
  }
  return { previousAt: previous.generatedAt, changes };
}
