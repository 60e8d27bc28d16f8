import { field, listIn } from '../table-renderer';
import type { ReportComparison } from './report-compare';
import { dataOf, type PerformanceReport } from './report-sections';

const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

/** A value as Markdown table text: numbers with at most 2 decimals, `-` for nothing, pipes and line breaks escaped. */
function md(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');
}

/** A Markdown table, or `_None._`. */
function table<R>(rows: readonly R[], columns: readonly [string, (row: R) => unknown][]): string {
  if (rows.length === 0) return '_None._';
  const head = `| ${columns.map(([h]) => h).join(' | ')} |`;
  const rule = `|${columns.map(() => '---').join('|')}|`;
  return [head, rule, ...rows.map((row) => `| ${columns.map(([, read]) => md(read(row))).join(' | ')} |`)].join('\n');
}

/** A fenced code block that no backticks inside can close. */
function code(text: string, lang = ''): string {
  const fence = '`'.repeat(Math.max(3, ...[...text.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  return `${fence}${lang}\n${text}\n${fence}`;
}

const cut = (text: unknown, max: number): string => {
  const s = String(text ?? '');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

/** Statuses of a health input that need no mention. */
const QUIET_STATUSES = new Set(['good', 'off', 'no-data', 'undefined']);

const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2, warning: 2, low: 3, info: 4 };

/** The Markdown sections of a report, in the order people read them. */
function sections(report: PerformanceReport, comparison: ReportComparison | undefined): string[] {
  const out: string[] = [];
  const missing = (name: string): string | undefined => {
    const s = report.sections[name];
    if (!s) return '_Not collected._';
    return s.status === 'ok' ? undefined : `_${s.status === 'error' ? 'Failed' : 'Not available'}: ${md(s.error)}_`;
  };
  const block = (title: string, name: string, body: (data: unknown) => string): void => {
    out.push(`## ${title}\n\n${missing(name) ?? body(dataOf(report, name))}`);
  };

  // Summary first: what a reader needs in one glance.
  const health = dataOf(report, 'health');
  const kpis = listIn(dataOf(report, 'kpis'), 'kpis');
  const failing = kpis.filter((k) => field(k, 'status') === 'fail');
  const firing = listIn(dataOf(report, 'alerts'), 'alerts').filter((a) => field(a, 'status') === 'firing');
  const recs = listIn(dataOf(report, 'recommendations'), 'recommendations');
  const jobs = listIn(dataOf(report, 'jobs'), 'jobs');
  const failingJobs = jobs.filter((j) => field(j, 'status') === 'failure' || field(j, 'overdue') === true);
  const summary = [
    health === undefined ? undefined : `- **Health score: ${md(field(health, 'score'))}/100 (${md(field(health, 'status'))})**`,
    dataOf(report, 'kpis') === undefined
      ? undefined
      : `- KPIs: ${failing.length === 0 ? 'all passing' : `**${failing.length} failing** (${failing.map((k) => md(field(k, 'name'))).join(', ')})`}`,
    dataOf(report, 'alerts') === undefined ? undefined : `- Open alerts: ${firing.length}`,
    dataOf(report, 'recommendations') === undefined ? undefined : `- Recommendations: ${recs.length}`,
    dataOf(report, 'jobs') === undefined ? undefined : `- Jobs: ${jobs.length}, ${failingJobs.length} failing or overdue`,
    comparison ? `- Changes since the previous report (${comparison.previousAt}): ${comparison.changes.length}` : undefined,
  ].filter((l): l is string => l !== undefined);
  out.push(`## Summary\n\n${summary.join('\n') || '_No section answered._'}`);

  block('Health score', 'health', (h) => {
    const parts = field(h, 'parts');
    const rows = parts && typeof parts === 'object' ? Object.entries(parts as Record<string, unknown>) : [];
    return table(rows, [
      ['part', ([name]) => name],
      ['score', ([, p]) => field(p, 'score')],
      ['weight', ([, p]) => field(p, 'weight')],
      [
        'worst input',
        ([, p]) => {
          const metrics = listIn(p, 'metrics').filter((m) => !QUIET_STATUSES.has(String(field(m, 'status'))) && field(m, 'value') !== null);
          return (
            metrics.map((m) => `${md(field(m, 'metric'))} ${md(field(m, 'value'))} ${md(field(m, 'unit'))} (${md(field(m, 'status'))})`).join(', ') ||
            'all good'
          );
        },
      ],
    ]);
  });

  block('KPIs', 'kpis', () =>
    table(kpis, [
      ['KPI', (k) => field(k, 'name')],
      ['target', (k) => `${md(field(k, 'comparison'))} ${md(field(k, 'target'))}${field(k, 'unit') ? ` ${md(field(k, 'unit'))}` : ''}`],
      ['current', (k) => field(k, 'current')],
      ['verdict', (k) => (field(k, 'status') === 'fail' ? '**FAIL**' : field(k, 'status'))],
    ]),
  );

  block('Open alerts', 'alerts', () =>
    table(firing, [
      ['severity', (a) => field(a, 'severity')],
      ['what', (a) => field(a, 'metric')],
      ['message', (a) => field(a, 'message')],
      ['since', (a) => field(a, 'firedAt') ?? field(a, 'firstSeen')],
    ]),
  );

  block('Top recommendations', 'recommendations', () => {
    const top = [...recs].sort((a, b) => (SEVERITY_ORDER[String(field(a, 'severity'))] ?? 9) - (SEVERITY_ORDER[String(field(b, 'severity'))] ?? 9)).slice(0, 5);
    if (top.length === 0) return '_None._';
    return top
      .map((r) => {
        const action = field(r, 'action');
        const sql = field(action, 'sql');
        const lines = [
          `### ${md(field(r, 'title'))}`,
          '',
          `${md(field(r, 'severity'))} · ${md(field(r, 'category'))} · \`${md(field(r, 'id'))}\``,
          '',
          String(field(r, 'description') ?? ''),
          '',
          `**Action:** ${md(field(action, 'summary'))}${field(action, 'automatic') === true ? ` (the app applies it: \`nestjs-performance optimize-db --apply-changes\`, or \`POST optimize/${md(field(r, 'id'))}\`)` : ''}`,
        ];
        if (typeof sql === 'string' && sql) lines.push('', code(sql, 'sql'));
        const revert = field(action, 'revertSql');
        if (typeof revert === 'string' && revert) lines.push('', 'To undo:', '', code(revert, 'sql'));
        return lines.join('\n');
      })
      .join('\n\n');
  });

  block('Slowest routes', 'routes', (body) => {
    const routes = [...listIn(body, 'routes')].sort((a, b) => (num(field(b, 'p95Ms')) ?? 0) - (num(field(a, 'p95Ms')) ?? 0)).slice(0, 10);
    return table(routes, [
      ['route', (r) => `${md(field(r, 'method'))} ${md(field(r, 'route'))}`],
      ['requests', (r) => field(r, 'requests')],
      ['p50 ms', (r) => field(r, 'p50Ms')],
      ['p95 ms', (r) => field(r, 'p95Ms')],
      ['p99 ms', (r) => field(r, 'p99Ms')],
      ['errors %', (r) => field(r, 'errorRatePercent')],
      ['SQL / request', (r) => field(r, 'dbQueriesPerRequest')],
    ]);
  });

  block('Slowest statements', 'queries', (body) => {
    const statements = [...listIn(body, 'statements')].sort((a, b) => (num(field(b, 'totalMs')) ?? 0) - (num(field(a, 'totalMs')) ?? 0)).slice(0, 10);
    const totals = field(body, 'totals');
    const head = totals ? `${md(field(totals, 'queries'))} statements, ${md(field(totals, 'timeMs'))} ms in all.\n\n` : '';
    return `${head}${table(statements, [
      ['statement', (s) => `\`${cut(field(s, 'statement'), 120).replace(/`/g, "'")}\``],
      ['database', (s) => field(s, 'database')],
      ['calls', (s) => field(s, 'calls')],
      ['mean ms', (s) => field(s, 'meanMs')],
      ['p95 ms', (s) => field(s, 'p95Ms')],
      ['total ms', (s) => field(s, 'totalMs')],
      ['N+1 requests', (s) => field(s, 'n1Requests')],
    ])}`;
  });

  block('Database statistics', 'databaseStats', (body) =>
    table(listIn(body, 'databases'), [
      ['database', (d) => `${md(field(d, 'database'))} (${md(field(d, 'system'))})`],
      ['cache hit ratio', (d) => statOf(field(d, 'cacheHitRatio'), (rows) => field(rows[0], 'ratioPercent') ?? field(rows[0], 'hitRatioPercent') ?? rows[0])],
      ['unused indexes', (d) => statOf(field(d, 'unusedIndexes'), (rows) => rows.length)],
      ['duplicate indexes', (d) => statOf(field(d, 'duplicateIndexes'), (rows) => rows.length)],
      ['long-running queries', (d) => statOf(field(d, 'longRunningQueries'), (rows) => rows.length)],
      [
        'largest table',
        (d) => statOf(field(d, 'tableSizes'), (rows) => (rows[0] ? `${md(field(rows[0], 'table'))} (${md(field(rows[0], 'rowEstimate'))} rows)` : '-')),
      ],
    ]),
  );

  block('Jobs', 'jobs', () =>
    table(jobs, [
      ['job', (j) => field(j, 'name')],
      ['last run', (j) => (field(j, 'status') === 'failure' ? '**failure**' : field(j, 'status'))],
      ['runs', (j) => field(j, 'runs')],
      ['failures', (j) => field(j, 'failures')],
      ['mean ms', (j) => field(field(j, 'durationMs'), 'mean')],
      ['last started', (j) => field(j, 'lastRunAt')],
      ['next run', (j) => field(j, 'nextRunAt')],
      ['overdue', (j) => (field(j, 'overdue') === true ? '**yes**' : 'no')],
    ]),
  );

  block(`History (${report.hours} h)`, 'history', (body) => {
    const points = listIn(body, 'points');
    if (points.length === 0) return '_No snapshot in the window yet._';
    const values = (key: string): number[] => points.map((p) => num(field(p, key))).filter((v): v is number => v !== undefined);
    const stat = (key: string, unit: string): string => {
      const v = values(key);
      return v.length ? `mean ${md(v.reduce((a, b) => a + b, 0) / v.length)} ${unit}, max ${md(Math.max(...v))} ${unit}` : '-';
    };
    const rss = values('rssMb');
    return table(
      [
        ['snapshots', `${md(field(body, 'snapshots'))} from ${md(field(body, 'from'))} to ${md(field(body, 'to'))}`],
        ['requests', values('requests').reduce((a, b) => a + b, 0)],
        ['throughput', stat('requestsPerSecond', 'req/s')],
        ['p95', stat('p95Ms', 'ms')],
        ['error rate', stat('errorRatePercent', '%')],
        ['CPU', stat('cpuPercent', '%')],
        ['RSS', rss.length ? `${md(rss[0])} -> ${md(rss[rss.length - 1])} MiB` : '-'],
      ] as [string, unknown][],
      [
        ['figure', (r) => r[0]],
        ['value', (r) => r[1]],
      ],
    );
  });

  block('Cache', 'cache', (body) => {
    const totals = field(body, 'totals');
    const store = field(body, 'store');
    const warming = dataOf(report, 'cacheWarming');
    const rows: [string, unknown][] = [
      ['hit rate', `${md(field(totals, 'hitRate'))} % (${md(field(totals, 'hits'))} hits, ${md(field(totals, 'misses'))} misses)`],
      [
        'store',
        `${md(field(store, 'store'))}, ${md(field(store, 'status'))}, ${md(field(store, 'entries'))} entries, ${md(field(store, 'evictions'))} evictions`,
      ],
    ];
    if (warming !== undefined) {
      const t = field(warming, 'totals');
      rows.push(['warming', `${listIn(warming, 'entries').length} entries, ${md(field(t, 'runs'))} runs, ${md(field(t, 'failures'))} failures`]);
    } else if (report.sections.cacheWarming) {
      rows.push(['warming', missing('cacheWarming')]);
    }
    return table(rows, [
      ['figure', (r) => r[0]],
      ['value', (r) => r[1]],
    ]);
  });

  block('Applied optimizations', 'optimizations', (body) =>
    table(listIn(body, 'optimizations'), [
      ['applied', (o) => field(o, 'appliedAt')],
      ['what', (o) => field(o, 'title')],
      ['result', (o) => field(o, 'result')],
      ['SQL', (o) => (field(o, 'sql') ? `\`${String(field(o, 'sql')).replace(/`/g, "'")}\`` : '-')],
      ['undo', (o) => field(o, 'revert')],
    ]),
  );

  block('Methods (@Timed)', 'methods', (body) =>
    table(listIn(body, 'methods').slice(0, 10), [
      ['method', (m) => `${md(field(m, 'className'))}.${md(field(m, 'method'))}`],
      ['calls', (m) => field(m, 'calls')],
      ['errors', (m) => field(m, 'errors')],
      ['mean ms', (m) => field(m, 'meanMs')],
      ['p95 ms', (m) => field(m, 'p95Ms')],
      ['total ms', (m) => field(m, 'totalMs')],
    ]),
  );

  block(`Errors logged (${report.hours} h)`, 'logs', (body) => {
    const totals = field(body, 'totals');
    return `${md(field(totals, 'fatal'))} fatal, ${md(field(totals, 'error'))} errors, ${md(field(totals, 'warn'))} warnings.\n\n${table(
      listIn(body, 'contexts').slice(0, 10),
      [
        ['context', (c) => field(c, 'context')],
        ['errors', (c) => (num(field(c, 'fatal')) ?? 0) + (num(field(c, 'error')) ?? 0)],
        ['warnings', (c) => field(c, 'warn')],
        ['last', (c) => field(c, 'lastAt')],
      ],
    )}`;
  });

  if (report.sections.slos?.status === 'ok') {
    block('SLOs', 'slos', (body) =>
      table(
        listIn(body, 'slos').flatMap((s) => listIn(s, 'objectives').map((o) => [s, o] as const)),
        [
          ['SLO', ([s]) => field(s, 'name')],
          ['objective', ([, o]) => `${md(field(o, 'objective'))} ${md(field(o, 'targetPercent'))} %`],
          ['achieved %', ([, o]) => field(o, 'sliPercent')],
          ['budget left %', ([, o]) => field(field(o, 'errorBudget'), 'remainingPercent')],
        ],
      ),
    );
  }

  block('Load tests', 'loadTest', (body) => {
    const latest = field(body, 'latest');
    const sweep = field(field(body, 'latestSweep'), 'sweep');
    if (!latest && !sweep) return '_No load test reported._';
    const lines: string[] = [];
    if (latest && !field(latest, 'sweep')) {
      const r = field(latest, 'result');
      lines.push(
        `Latest run (${md(field(latest, 'finishedAt'))}): **${md(field(latest, 'status'))}**, ${md(field(r, 'requestsPerSecond'))} req/s, p95 ${md(field(field(r, 'latencyMs'), 'p95'))} ms, ${md(field(r, 'errorRatePercent'))} % errors.`,
      );
    }
    if (sweep) {
      const knee = field(sweep, 'knee');
      lines.push(
        `Latest sweep: meets the KPIs up to **${md(field(sweep, 'maxLevelMeetingKpis') ?? 'no level')}** users at once; knee ${knee ? `at ${md(field(knee, 'connections'))} users` : 'not reached within its levels'}.`,
        '',
        table(listIn(sweep, 'levels'), [
          ['users', (l) => field(l, 'connections')],
          ['req/s', (l) => field(l, 'requestsPerSecond')],
          ['p50 ms', (l) => field(field(l, 'latencyMs'), 'p50')],
          ['p95 ms', (l) => field(field(l, 'latencyMs'), 'p95')],
          ['p99 ms', (l) => field(field(l, 'latencyMs'), 'p99')],
          ['errors', (l) => field(l, 'failedRequests')],
          ['KPIs', (l) => (field(l, 'meetsKpis') === true ? 'pass' : '**FAIL**')],
        ]),
      );
    }
    return lines.join('\n');
  });

  if (comparison) {
    out.push(
      `## Changes since the previous report\n\nPrevious report: ${comparison.previousAt}.\n\n${
        comparison.changes.length ? comparison.changes.map((c) => `- **${c.section}**: ${md(c.change)}`).join('\n') : '_Nothing notable changed._'
      }`,
    );
  }

  const notIncluded = Object.entries(report.sections).filter(([, s]) => s.status !== 'ok');
  if (notIncluded.length) {
    out.push(
      `## Sections not included\n\n${table(notIncluded, [
        ['section', ([name]) => name],
        ['state', ([, s]) => s.status],
        ['why', ([, s]) => (s.status === 'ok' ? '' : s.error)],
      ])}`,
    );
  }
  return out;
}

/** A database statistic: `unsupported (reason)`, `failed`, or the value read from its rows. */
function statOf(stat: unknown, read: (rows: unknown[]) => unknown): string {
  const status = field(stat, 'status');
  if (status === 'ok') return md(read(listIn(stat, 'rows')));
  if (status === 'unsupported') return 'n/a';
  return status ? md(status) : '-';
}

/** The report for people: Markdown, summary first, each section marked when it could not be read. */
export function renderMarkdownReport(report: PerformanceReport, comparison?: ReportComparison): string {
  const head = `# Performance report\n\n${report.baseUrl} · generated ${report.generatedAt}${report.partial ? ' · **partial: some sections failed, see the end**' : ''}`;
  return `${[head, ...sections(report, comparison)].join('\n\n')}\n`;
}
