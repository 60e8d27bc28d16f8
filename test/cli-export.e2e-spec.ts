import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression reads: identifiers that are neither functions, keywords, labels nor strings. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)]
    .filter((m) => bare[m.index + m[0].length] !== '(' && !/^\s*\(/.test(bare.slice(m.index + m[0].length)))
    .map((m) => m[0])
    .filter((name) => !PROMQL_WORDS.has(name.toLowerCase()));
}

/** Every series name /metrics can show: each `# TYPE`, plus _bucket/_sum/_count of histograms. */
function exposedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

/** `expr:` values of a rules file (written as JSON strings, valid YAML). */
const ruleExpressions = (yaml: string) => [...yaml.matchAll(/^\s+expr: (".*")$/gm)].map((m) => JSON.parse(m[1]!) as string);

/** The part of a rules file before its SLO group, and the SLO group. */
const SLO_GROUP = '  - name: nestjs-performance-slos\n';
const splitSloGroup = (yaml: string) => {
  const at = yaml.indexOf(SLO_GROUP);
  return at === -1 ? { thresholds: yaml, slos: '' } : { thresholds: yaml.slice(0, at), slos: yaml.slice(at) };
};
/** Names the file records (`record:`): the SLO alerts read them. */
const recordedNames = (yaml: string) => new Set([...yaml.matchAll(/^\s+- record: (\S+)$/gm)].map((m) => m[1]!));

function promtool(): string | null {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    return null;
  }
}

describe('nestjs-performance export (grafana, prometheus-rules) against the sample app', () => {
  let sample: RunningSample;
  let dir: string;
  let exposed: Set<string>;
  let thresholds: Record<string, { direction: string; info?: number; warning?: number; critical?: number }>;
  const env = () => ({ PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 200 });
    dir = mkdtempSync(join(tmpdir(), 'perf-export-'));
    for (const path of ['/hello', '/documents/1', '/documents?limit=5', '/documents?limit=5', '/documents/999999']) await fetch(`${sample.api}${path}`);
    exposed = exposedNames(await (await fetch(`${sample.url}/metrics`)).text());
    thresholds = ((await (await fetch(`${sample.api}/performance/dashboard/config`, { headers: sample.admin })).json()) as { thresholds: typeof thresholds })
      .thresholds;
  });
  afterAll(async () => {
    await sample?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a Grafana dashboard whose every query reads metrics the app exposes, with the app thresholds drawn', async () => {
    const file = join(dir, 'dashboard.json');
    const run = await runCli(['export', 'grafana', '--output', file], env());
    expect(run.stderr).toContain(`Grafana dashboard written to ${file}`);
    expect(run.code).toBe(0);
    const dashboard = JSON.parse(readFileSync(file, 'utf8')) as {
      panels: Array<{
        type: string;
        title: string;
        targets?: Array<{ expr: string }>;
        fieldConfig?: { defaults: { thresholds: { steps: Array<{ value: number | null }> } } };
      }>;
      templating: { list: Array<{ name: string; type: string }> };
    };
    expect(dashboard.templating.list).toEqual([expect.objectContaining({ name: 'datasource', type: 'datasource' })]);
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual([
      'HTTP (by route template)',
      'Database',
      'Cache',
      'Event loop and process',
      'Methods, jobs and alerts',
      'SLOs',
    ]);
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(15);
    const referenced = new Set(exprs.flatMap(metricsIn));
    for (const name of [
      'http_requests_total',
      'http_request_duration_seconds_bucket',
      'db_query_duration_seconds_sum',
      'cache_lookups_total',
      'nodejs_eventloop_lag_p99_seconds',
    ]) {
      expect(referenced).toContain(name);
    }
    expect([...referenced].filter((name) => !exposed.has(name))).toEqual([]);
    expect(exprs.some((e) => e.includes('by (route)'))).toBe(true);
    expect(exprs.some((e) => e.includes('by (status_code)'))).toBe(true);

    // The sample's checkout SLO: its burn rates (the alert levels drawn) and its SLI over the window.
    const burn = dashboard.panels.find((p) => p.title === 'SLO checkout: error budget burn rate')!;
    expect(burn.fieldConfig!.defaults.thresholds.steps.map((s) => s.value)).toEqual([null, 6, 14.4]);
    expect(burn.targets!.map((t) => t.expr)).toContain(
      '((sum(rate(http_requests_total{method="GET",route=~"/api/v1/checkout(?:/.*)?",status_code=~"5.."}[1h])) or vector(0)) / sum(rate(http_requests_total{method="GET",route=~"/api/v1/checkout(?:/.*)?"}[1h]))) / 0.001',
    );
    expect(dashboard.panels.find((p) => p.title === 'SLO checkout: SLI over 30 days')!.targets).toHaveLength(2);

    const p95 = dashboard.panels.find((p) => p.title === 'p95 latency by route')!;
    expect(p95.fieldConfig!.defaults.thresholds.steps.map((s) => s.value)).toEqual([null, thresholds.p95Ms!.warning, thresholds.p95Ms!.critical]);
  });

  it('writes Prometheus rules from the app thresholds, over metrics the app exposes; promtool accepts them', async () => {
    const file = join(dir, 'rules.yml');
    const run = await runCli(['export', 'prometheus-rules', '--output', file], env());
    expect(run.code).toBe(0);
    const yaml = readFileSync(file, 'utf8');
    const recorded = recordedNames(yaml);
    expect([...new Set(ruleExpressions(yaml).flatMap(metricsIn))].filter((name) => !exposed.has(name) && !recorded.has(name))).toEqual([]);
    const exprs = ruleExpressions(splitSloGroup(yaml).thresholds);
    const sloRules = ruleExpressions(splitSloGroup(yaml).slos).length;
    // One rule per exported threshold level, at the app's value.
    expect(exprs).toContain(`histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) * 1000 > ${thresholds.p95Ms!.critical}`);
    expect(exprs).toContain(`1000 * max(nodejs_eventloop_lag_p99_seconds) > ${thresholds.eventLoopLagP99Ms!.warning}`);
    expect(exprs.some((e) => e.endsWith(`< ${thresholds.cacheHitRatePercent!.warning}`))).toBe(true);
    expect(yaml).toContain('# not exported: memoryPercent:');
    // Without --for, each threshold rule holds as long as the app's own alerts do (alerts.forSeconds, 60 by default).
    expect(yaml.match(/^ {8}for: .*$/gm)!.slice(0, 3)).toEqual(['        for: 60s', '        for: 60s', '        for: 60s']);
    const levels = Object.entries(thresholds)
      .filter(([metric]) => !yaml.includes(`# not exported: ${metric}:`))
      .reduce((n, [, t]) => n + [t.info, t.warning, t.critical].filter((v) => v !== undefined).length, 0);
    expect(exprs).toHaveLength(levels + 3);

    const tool = promtool();
    if (!tool) {
      // CI must check the rules with Prometheus itself (.ci/run installs it); locally a loud line says what was not checked.
      if (process.env.CI === 'true') throw new Error('promtool is required under CI=true but is not installed: apt-get install -y prometheus (see .ci/run)');
      console.warn('\n!!! SKIPPED promtool check: promtool is not installed (apt-get install -y prometheus); the rules file was not checked by Prometheus\n');
      return;
    }
    const checked = execFileSync(tool, ['check', 'rules', file], { encoding: 'utf8' });
    expect(checked).toContain(`SUCCESS: ${levels + 3 + sloRules} rules found`);
  });

  it('adds the SLO group for the sample SLO: recording rules over 5m to 3d and the burn-rate alerts, which fire in promtool on a fast burn of its routes only', async () => {
    const slos = (await (await fetch(`${sample.api}/performance/slos`, { headers: sample.admin })).json()) as {
      slos: { name: string; objectives: { objective: string }[] }[];
    };
    const file = join(dir, 'rules-slo.yml');
    expect((await runCli(['export', 'prometheus-rules', '--output', file], env())).code).toBe(0);
    const { slos: group } = splitSloGroup(readFileSync(file, 'utf8'));
    const objectives = slos.slos.flatMap((s) => s.objectives);
    // Per objective: 5 windows recorded, a fast-burn and a slow-burn alert.
    expect(ruleExpressions(group)).toHaveLength(objectives.length * 7);
    expect([...recordedNames(group)].sort()).toEqual(['5m', '30m', '1h', '6h', '3d'].map((w) => `nestjs_performance:slo_error_ratio:rate${w}`).sort());
    const exprs = ruleExpressions(group);
    expect(exprs).toContain(
      '(sum(rate(http_requests_total{method="GET",route=~"/api/v1/checkout(?:/.*)?",status_code=~"5.."}[1h])) or vector(0)) / sum(rate(http_requests_total{method="GET",route=~"/api/v1/checkout(?:/.*)?"}[1h]))',
    );
    expect(exprs.some((e) => e.includes('http_request_duration_seconds_bucket{method="GET",route=~"/api/v1/checkout(?:/.*)?",le="0.25"}[5m]'))).toBe(true);
    expect(exprs).toContain(
      'nestjs_performance:slo_error_ratio:rate1h{slo="checkout",objective="availability"} > (14.4 * 0.001) and nestjs_performance:slo_error_ratio:rate5m{slo="checkout",objective="availability"} > (14.4 * 0.001)',
    );

    const tool = promtool();
    if (!tool) {
      if (process.env.CI === 'true') throw new Error('promtool is required under CI=true but is not installed: apt-get install -y prometheus (see .ci/run)');
      console.warn('\n!!! SKIPPED promtool test rules: promtool is not installed (apt-get install -y prometheus)\n');
      return;
    }
    // The alerts' annotations as written (promtool compares them too).
    const blocks = group
      .split('\n      - ')
      .map((block) => Object.fromEntries([...block.matchAll(/^\s*(\w+): (".*"|\S+)$/gm)].map((m) => [m[1], m[2]!.startsWith('"') ? JSON.parse(m[2]!) : m[2]])));
    const annotationsOf = (alert: string, objective: string) => {
      const b = blocks.find((x) => x.alert === alert && x.objective === objective)!;
      return { summary: b.summary, description: b.description };
    };
    const series = (route: string, status: string, perMinute: number, metric = 'http_requests_total', le?: string) => ({
      series: `${metric}{method="GET",route="${route}",status_code="${status}"${le ? `,le="${le}"` : ''}}`,
      values: `0+${perMinute}x150`,
    });
    const quote = '/api/v1/checkout/quote';
    // 100 good and 5 failed quotes a minute (4.8 % bad: a 47x burn of the 99.9 % budget), all within 250 ms;
    // a flood of 503s on another route must not count.
    const input = [
      series(quote, '200', 100),
      series(quote, '503', 5),
      series('/api/v1/hello', '503', 1000),
      series(quote, '200', 100, 'http_request_duration_seconds_bucket', '0.25'),
      series(quote, '503', 5, 'http_request_duration_seconds_bucket', '0.25'),
      series(quote, '200', 100, 'http_request_duration_seconds_count'),
      series(quote, '503', 5, 'http_request_duration_seconds_count'),
    ];
    const labels = { slo: 'checkout', objective: 'availability' };
    const test = {
      rule_files: [file],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: input,
          alert_rule_test: [
            {
              eval_time: '2h',
              alertname: 'NestjsPerformanceSloFastBurn',
              exp_alerts: [{ exp_labels: { severity: 'critical', ...labels }, exp_annotations: annotationsOf('NestjsPerformanceSloFastBurn', 'availability') }],
            },
            {
              eval_time: '2h',
              alertname: 'NestjsPerformanceSloSlowBurn',
              exp_alerts: [{ exp_labels: { severity: 'warning', ...labels }, exp_annotations: annotationsOf('NestjsPerformanceSloSlowBurn', 'availability') }],
            },
          ],
          promql_exp_test: [],
        },
      ],
    };
    delete (test.tests[0] as { promql_exp_test?: unknown }).promql_exp_test;
    const testFile = join(dir, 'rules-slo.test.yml');
    writeFileSync(testFile, JSON.stringify(test));
    expect(execFileSync(tool, ['test', 'rules', testFile], { encoding: 'utf8' })).toContain('SUCCESS');
  });

  it('adds --selector to every selector, still valid for promtool', async () => {
    const file = join(dir, 'rules-selected.yml');
    const run = await runCli(['export', 'prometheus-rules', '--selector', 'job="api"', '--for', '10m', '--output', file], env());
    expect(run.code).toBe(0);
    const yaml = readFileSync(file, 'utf8');
    // Every metric the module exposes is read with the selector (the SLO alerts read the recorded series, made with it).
    const recorded = recordedNames(yaml);
    for (const expr of ruleExpressions(yaml)) {
      for (const name of metricsIn(expr).filter((n) => !recorded.has(n))) expect(expr).toMatch(new RegExp(`${name}\\{job="api"`));
    }
    expect(yaml).toContain('for: 10m');
    const tool = promtool();
    if (tool) expect(execFileSync(tool, ['check', 'rules', file], { encoding: 'utf8' })).toContain('SUCCESS');
  });

  it('refuses a bad --selector or --for (exit 2) and writes nothing', async () => {
    const file = join(dir, 'never.yml');
    const bad = await runCli(['export', 'prometheus-rules', '--selector', 'job=api', '--output', file], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--selector must be PromQL label matchers such as job="api"');
    const badFor = await runCli(['export', 'prometheus-rules', '--for', 'soon', '--output', file], env());
    expect(badFor.code).toBe(2);
    expect(badFor.stderr).toContain('--for must be a duration such as 30s, 5m or 1h (got "soon")');
    expect(existsSync(file)).toBe(false);
  });
});
