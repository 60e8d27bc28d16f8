import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { AdminRequestError } from '../admin-client';
import { CliError, EXIT } from '../cli-error';
import { contextOf, finish, integerFlag, type CliContext } from '../cli-context';
import { LOAD_LIMITS, parseHeaders, resolveEndpoint } from '../load/load-target';
import { parseSweepLevels, summarizeSweep, sweepLevelOf, SWEEP_LIMITS } from '../load/load-sweep';
import { type Autocannon, combineResults, createLatencyHistogram, loadAutocannon, runLoad } from '../load/load-test-runner';
import type { LoadTestCheck, LoadTestConfig, LoadTestResult, LoadTestRun, LoadTestSweepLevel, LoadTestVerdict } from '../../core/schemas/load-test-run';
import { field, listIn, renderPairs, renderTable } from '../table-renderer';

/** KPI limits a run is checked against, with where they came from. */
export interface LoadTargets {
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly errorRatePercent: number;
  readonly from: 'app' | 'defaults';
}

/** The default KPIs, used when the app's `kpis` endpoint is not available. */
export const DEFAULT_LOAD_TARGETS: LoadTargets = { p95Ms: 200, p99Ms: 500, errorRatePercent: 0.1, from: 'defaults' };

/** Reads the targets of p95, p99 and error rate from a `kpis` body; defaults for what it lacks. */
export function targetsFrom(kpis: unknown): LoadTargets {
  const target = (metric: string): number | undefined => {
    const kpi = listIn(kpis, 'kpis').find((k) => field(k, 'metric') === metric);
    const value = field(kpi, 'target');
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const p95 = target('p95Ms');
  const p99 = target('p99Ms');
  const errorRate = target('errorRatePercent');
  if (p95 === undefined && p99 === undefined && errorRate === undefined) return DEFAULT_LOAD_TARGETS;
  return {
    p95Ms: p95 ?? DEFAULT_LOAD_TARGETS.p95Ms,
    p99Ms: p99 ?? DEFAULT_LOAD_TARGETS.p99Ms,
    errorRatePercent: errorRate ?? DEFAULT_LOAD_TARGETS.errorRatePercent,
    from: 'app',
  };
}

/** Checks a result against the targets. */
export function verdictOf(result: LoadTestResult, targets: LoadTargets): LoadTestVerdict {
  const checks: LoadTestCheck[] = [
    { kpi: 'p95Ms', target: targets.p95Ms, value: result.latencyMs.p95, passed: result.latencyMs.p95 <= targets.p95Ms },
    { kpi: 'p99Ms', target: targets.p99Ms, value: result.latencyMs.p99, passed: result.latencyMs.p99 <= targets.p99Ms },
    { kpi: 'errorRatePercent', target: targets.errorRatePercent, value: result.errorRatePercent, passed: result.errorRatePercent <= targets.errorRatePercent },
  ];
  // A run that got no answer at all proves nothing: it fails.
  const answered = result.totalRequests > 0 && result.successfulRequests > 0;
  return { passed: answered && checks.every((c) => c.passed), targetsFrom: targets.from, checks };
}

interface LoadFlags {
  endpoint: string[];
  method: string;
  body?: string;
  header: string[];
  connections: number;
  duration?: number;
  amount?: number;
  output?: string;
  report: boolean;
  progress: boolean;
  sweep?: number[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Posts a run to the app; false (with a warning) when the app does not record runs. */
async function reportRun(ctx: CliContext, run: LoadTestRun): Promise<boolean> {
  try {
    const { status } = await ctx.client.post('load-test/runs', run, [404]);
    if (status === 404) {
      ctx.err(
        `warning: the app does not record load tests (POST ${ctx.client.urlOf('load-test/runs').pathname} answered 404); the results are only in this output`,
      );
      return false;
    }
    return true;
  } catch (error) {
    if (!(error instanceof AdminRequestError)) throw error;
    ctx.err(`warning: could not report the run to the app: ${error.message}`);
    return false;
  }
}

function renderRun(run: LoadTestRun): string {
  const r = run.result!;
  const v = run.verdict!;
  const summary = renderPairs([
    ['status', run.status.toUpperCase()],
    ['requests', `${r.totalRequests} total, ${r.successfulRequests} successful, ${r.failedRequests} failed (${r.errors} connection errors)`],
    ['throughput', `${r.requestsPerSecond} req/s over ${r.elapsedSeconds} s`],
    ['latency ms', `mean ${r.latencyMs.mean}  p50 ${r.latencyMs.p50}  p95 ${r.latencyMs.p95}  p99 ${r.latencyMs.p99}  max ${r.latencyMs.max}`],
    ['error rate', `${r.errorRatePercent} %`],
    [
      'status codes',
      Object.entries(r.statusCodes)
        .map(([code, n]) => `${code}: ${n}`)
        .join(', ') || '-',
    ],
  ]);
  const endpoints = renderTable(r.endpoints, [
    { heading: 'method', value: (e) => e.method },
    { heading: 'endpoint', value: (e) => e.path, max: 70 },
    { heading: 'responses', value: (e) => e.responses },
    { heading: 'failed', value: (e) => e.failed },
  ]);
  const checks = renderTable(v.checks, [
    { heading: 'kpi', value: (c) => c.kpi },
    { heading: 'target', value: (c) => `<= ${c.target}` },
    { heading: 'value', value: (c) => c.value },
    { heading: 'result', value: (c) => (c.passed ? 'pass' : 'FAIL') },
  ]);
  return `${summary}\n\n${endpoints}\n\nKPIs (targets from ${v.targetsFrom === 'app' ? 'the app' : 'defaults'})\n${checks}`;
}

/** `1 user`, `5 users`. */
const users = (n: number): string => `${n} user${n === 1 ? '' : 's'}`;

function renderSweep(run: LoadTestRun): string {
  const sweep = run.sweep!;
  const table = renderTable(sweep.levels, [
    { heading: 'users', value: (l: LoadTestSweepLevel) => l.connections },
    { heading: 'req/s', value: (l) => l.requestsPerSecond },
    { heading: 'p50 ms', value: (l) => l.latencyMs.p50 },
    { heading: 'p95 ms', value: (l) => l.latencyMs.p95 },
    { heading: 'p99 ms', value: (l) => l.latencyMs.p99 },
    { heading: 'requests', value: (l) => l.totalRequests },
    { heading: 'errors', value: (l) => l.failedRequests },
    { heading: 'error %', value: (l) => l.errorRatePercent },
    { heading: 'kpis', value: (l) => (l.meetsKpis ? 'pass' : `FAIL ${l.failedKpis.join(', ')}`) },
  ]);
  const knee = sweep.knee;
  const targets = run.verdict!.checks.map((c) => `${c.kpi} <= ${c.target}`).join(', ');
  const summary = renderPairs([
    ['status', run.status.toUpperCase()],
    ['meets the KPIs up to', sweep.maxLevelMeetingKpis === null ? 'none: the lowest level already misses them' : `${users(sweep.maxLevelMeetingKpis)} at once`],
    [
      'knee',
      knee
        ? `${users(knee.connections)} at once: p95 ${knee.p95Ms} ms against ${knee.baselineP95Ms} ms at ${sweep.levels[0]!.connections}, throughput ${knee.throughputGainPercent >= 0 ? '+' : ''}${knee.throughputGainPercent} % against the best level below`
        : 'none within these levels',
    ],
    ['KPIs', `${targets} (targets from ${run.verdict!.targetsFrom === 'app' ? 'the app' : 'defaults'})`],
  ]);
  return `${table}\n\n${summary}\nknee rule: ${sweep.kneeRule}`;
}

interface SweepPlan {
  readonly ctx: CliContext;
  readonly levels: readonly number[];
  readonly config: LoadTestConfig;
  readonly targets: LoadTargets;
  readonly report: boolean;
  readonly id: string;
  readonly startedAt: string;
  readonly plan: Omit<Parameters<typeof runLoad>[0], 'config'>;
  readonly autocannon: Autocannon;
}

/** Runs each level in turn for the duration, reporting the levels so far after each one; stops at a signal. */
async function runSweep(s: SweepPlan): Promise<LoadTestRun> {
  const combined = createLatencyHistogram();
  const results: LoadTestResult[] = [];
  const levels: LoadTestSweepLevel[] = [];
  let aborted = false;
  for (const connections of s.levels) {
    const { result, aborted: stopped } = await runLoad(
      { ...s.plan, config: { ...s.config, connections }, alsoRecord: (us) => combined.recordValue(us), label: `load ${users(connections)}` },
      s.autocannon,
    );
    results.push(result);
    levels.push(sweepLevelOf(connections, result, verdictOf(result, s.targets)));
    if (stopped) {
      aborted = true;
      break;
    }
    if (s.report && levels.length < s.levels.length) {
      await reportRun(s.ctx, { id: s.id, status: 'running', startedAt: s.startedAt, config: s.config, sweep: summarizeSweep(levels) });
    }
  }
  const sweep = summarizeSweep(levels);
  const result = combineResults(results, combined);
  combined.destroy();
  // The verdict is that of the highest level meeting the KPIs, else of the lowest level.
  const deciding = levels.findIndex((l) => l.connections === sweep.maxLevelMeetingKpis);
  const checks = verdictOf(results[Math.max(0, deciding)]!, s.targets).checks;
  const verdict: LoadTestVerdict = { passed: sweep.maxLevelMeetingKpis !== null, targetsFrom: s.targets.from, checks };
  return {
    id: s.id,
    status: aborted ? 'aborted' : verdict.passed ? 'passed' : 'failed',
    startedAt: s.startedAt,
    finishedAt: new Date().toISOString(),
    config: s.config,
    result,
    verdict,
    sweep,
  };
}

async function runOnce(plan: Parameters<typeof runLoad>[0], autocannon: Autocannon, targets: LoadTargets, id: string, startedAt: string): Promise<LoadTestRun> {
  const { result, aborted } = await runLoad(plan, autocannon);
  const verdict = verdictOf(result, targets);
  return {
    id,
    status: aborted ? 'aborted' : verdict.passed ? 'passed' : 'failed',
    startedAt,
    finishedAt: new Date().toISOString(),
    config: plan.config,
    result,
    verdict,
  };
}

/** `load`: a bounded load test against the app of --url, checked against its KPIs and reported to it. */
export function loadCommand(): Command {
  return new Command('load')
    .description(
      `load test on paths below --url (bounded: at most ${LOAD_LIMITS.maxDurationSeconds} s and ${LOAD_LIMITS.maxAmount} requests); exit 1 when it misses the KPIs`,
    )
    .option('-e, --endpoint <path>', 'path below --url (repeatable; requested in turn on every connection)', collect, [])
    .option('-m, --method <method>', 'HTTP method', 'GET')
    .option('-b, --body <body>', 'request body (sent as application/json unless --header content-type is given)')
    .option('-H, --header <header>', '"name: value" request header (repeatable)', collect, [])
    .option('-c, --connections <n>', `concurrent connections, 1-${LOAD_LIMITS.maxConnections}`, integerFlag('--connections', 1, LOAD_LIMITS.maxConnections), 10)
    .option(
      '-d, --duration <seconds>',
      `time bound, 1-${LOAD_LIMITS.maxDurationSeconds} s (default 10)`,
      integerFlag('--duration', 1, LOAD_LIMITS.maxDurationSeconds),
    )
    .option(
      '-a, --amount <n>',
      `stop after this many requests, 1-${LOAD_LIMITS.maxAmount} (still within --duration)`,
      integerFlag('--amount', 1, LOAD_LIMITS.maxAmount),
    )
    .option(
      '--sweep <levels>',
      `step through concurrency levels, e.g. 1,5,10,25,50,100 (rising, 1-${LOAD_LIMITS.maxConnections}, at most ${SWEEP_LIMITS.maxLevels}), each for --duration; reports each level, the highest meeting the KPIs and the knee`,
      parseSweepLevels,
    )
    .option('-o, --output <file>', 'also write the run as JSON to this file')
    .option('--no-report', 'do not report the run to the app (POST load-test/runs)')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (flags: LoadFlags, command: Command) => {
      const ctx = contextOf(command);
      const base = ctx.client.target.baseUrl;
      if (flags.endpoint.length === 0) {
        throw new CliError('load needs at least one --endpoint: a path below --url, e.g. --endpoint /hello', EXIT.USAGE);
      }
      if (flags.endpoint.length > LOAD_LIMITS.maxEndpoints) {
        throw new CliError(`at most ${LOAD_LIMITS.maxEndpoints} --endpoint flags (got ${flags.endpoint.length})`, EXIT.USAGE);
      }
      const endpoints = flags.endpoint.map((e) => resolveEndpoint(base, e, flags.method));
      if (flags.body !== undefined && (endpoints[0]!.method === 'GET' || endpoints[0]!.method === 'HEAD')) {
        throw new CliError(`--body needs a method that sends one (--method POST, PUT or PATCH), not ${endpoints[0]!.method}`, EXIT.USAGE);
      }
      const headers = parseHeaders(flags.header);
      if (flags.sweep !== undefined) {
        if (command.getOptionValueSource('connections') === 'cli') {
          throw new CliError('--sweep sets the concurrency of each level: leave out --connections', EXIT.USAGE);
        }
        if (flags.amount !== undefined) {
          throw new CliError('--sweep runs each level for --duration seconds: leave out --amount', EXIT.USAGE);
        }
        const total = flags.sweep.length * (flags.duration ?? 10);
        if (total > SWEEP_LIMITS.maxTotalSeconds) {
          throw new CliError(
            `the sweep would run ${total} s (${flags.sweep.length} levels x ${flags.duration ?? 10} s), above ${SWEEP_LIMITS.maxTotalSeconds} s: use fewer levels or a shorter --duration`,
            EXIT.USAGE,
          );
        }
      }
      const durationSeconds = flags.duration ?? (flags.amount === undefined ? 10 : LOAD_LIMITS.maxDurationSeconds);
      // Before any request: a run reported as started must be able to run.
      const autocannon = loadAutocannon();

      // Before any load: check the credential and read the KPI targets, so a bad token fails fast.
      let targets = DEFAULT_LOAD_TARGETS;
      if (flags.report || ctx.client.target.token) {
        try {
          targets = targetsFrom(await ctx.client.get('kpis'));
        } catch (error) {
          if (!(error instanceof AdminRequestError && error.status === 404)) throw error;
          ctx.err('note: the app has no kpis endpoint; checking against the default KPIs (p95 <= 200 ms, p99 <= 500 ms, errors <= 0.1 %)');
        }
      }

      const config: LoadTestConfig = {
        baseUrl: base.href,
        endpoints,
        connections: flags.sweep ? flags.sweep[flags.sweep.length - 1]! : flags.connections,
        durationSeconds,
        amount: flags.amount ?? null,
        ...(flags.sweep ? { sweepLevels: flags.sweep } : {}),
      };
      const startedAt = new Date().toISOString();
      const id = randomUUID();
      const report = flags.report && (await reportRun(ctx, { id, status: 'running', startedAt, config }));

      const plan = {
        base,
        config,
        headers,
        body: flags.body,
        timeoutSeconds: command.optsWithGlobals<{ timeout: number }>().timeout,
        progress: flags.progress,
      };
      const run = flags.sweep
        ? await runSweep({ ctx, levels: flags.sweep, config, targets, report, id, startedAt, plan, autocannon })
        : await runOnce(plan, autocannon, targets, id, startedAt);
      if (report) await reportRun(ctx, run);

      if (flags.output !== undefined) {
        try {
          await writeFile(flags.output, `${JSON.stringify(run, null, 2)}\n`);
        } catch (error) {
          throw new CliError(
            `cannot write --output ${flags.output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Choose a writable path`,
            EXIT.USAGE,
          );
        }
      }
      ctx.out(ctx.json ? JSON.stringify(run, null, 2) : run.sweep ? renderSweep(run) : renderRun(run));
      finish(run.status === 'passed' ? EXIT.OK : EXIT.CHECK_FAILED);
    });
}
