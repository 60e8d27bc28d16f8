import type { EventEmitter } from 'node:events';
import * as hdr from 'hdr-histogram-js';
import { hdrSummary } from '../../core/hdr-summary';
import { basePathOf } from '../admin-client';
import { CliError, EXIT } from '../cli-error';
import type { LoadTestConfig, LoadTestResult } from '../../core/schemas/load-test-run';
import { LoadProgress } from './load-progress';

/** The part of autocannon's request options this runner uses. */
interface AutocannonRequest {
  method: string;
  path: string;
  body?: string;
  headers?: Record<string, string>;
  onResponse?: (status: number) => void;
}

/** The part of autocannon's options this runner uses. */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  maxOverallRequests?: number;
  /** How often autocannon samples, ms; it also checks its stop flag only then. */
  sampleInt: number;
  timeout: number;
  requests: AutocannonRequest[];
}

/** The part of autocannon's result this runner uses. */
interface AutocannonResult {
  /** Connection errors, timeouts included. */
  errors: number;
}

interface AutocannonInstance extends EventEmitter {
  stop(): void;
}

export type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

/** What to send, besides the {@link LoadTestConfig}. */
export interface LoadPlan {
  readonly base: URL;
  readonly config: LoadTestConfig;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Per-request timeout, seconds. */
  readonly timeoutSeconds: number;
  /** Draw a progress bar on stderr. */
  readonly progress: boolean;
  /** Also called with each response time, microseconds (a sweep's histogram over all its levels). */
  readonly alsoRecord?: (microseconds: number) => void;
  /** Label of the progress bar. @default 'load' */
  readonly label?: string;
}

/** A finished run: the result and whether it stopped before its bound (signal, time bound in amount mode). */
export interface LoadOutcome {
  readonly result: LoadTestResult;
  readonly aborted: boolean;
}

/**
 * autocannon, an optional peer: required only by `load`, so apps and the
 * other commands do without it. Throws a usage error saying what to install
 * when it is missing.
 */
export function loadAutocannon(): Autocannon {
  try {
    // Required here, not imported: the other commands start without it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only by the load command
    return require('autocannon') as Autocannon;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code !== 'MODULE_NOT_FOUND' || !String(message).includes("'autocannon'")) throw error;
    throw new CliError('the load command needs autocannon, which is not installed: npm i -D autocannon@9 (the other commands run without it)', EXIT.USAGE);
  }
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** A latency histogram in microseconds, up to an hour, 3 significant digits. */
export function createLatencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

/**
 * One result for several runs of the same endpoints (the levels of a sweep):
 * counts added up, throughput over the summed time, latency from `latency`,
 * the histogram of every response of every run (microseconds).
 */
export function combineResults(results: readonly LoadTestResult[], latency: hdr.Histogram): LoadTestResult {
  const sum = (pick: (r: LoadTestResult) => number): number => results.reduce((n, r) => n + pick(r), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const endpoints = (results[0]?.endpoints ?? []).map((e, i) => ({
    method: e.method,
    path: e.path,
    responses: results.reduce((n, r) => n + (r.endpoints[i]?.responses ?? 0), 0),
    failed: results.reduce((n, r) => n + (r.endpoints[i]?.failed ?? 0), 0),
  }));
  const totalRequests = sum((r) => r.totalRequests);
  const failedRequests = sum((r) => r.failedRequests);
  const elapsedSeconds = sum((r) => r.elapsedSeconds);
  const summary = hdrSummary(latency);
  const ms = (us: number): number => round2(us / 1000);
  return {
    totalRequests,
    successfulRequests: sum((r) => r.successfulRequests),
    failedRequests,
    errors: sum((r) => r.errors),
    errorRatePercent: totalRequests === 0 ? 0 : round2((failedRequests / totalRequests) * 100),
    requestsPerSecond: elapsedSeconds > 0 ? round2(totalRequests / elapsedSeconds) : 0,
    latencyMs: { mean: ms(summary.mean), p50: ms(summary.p50), p95: ms(summary.p95), p99: ms(summary.p99), max: ms(summary.max) },
    elapsedSeconds: round2(elapsedSeconds),
    statusCodes,
    endpoints,
  };
}

/**
 * Runs the load with autocannon, cycling through the endpoints on every
 * connection, bounded by time and by count, and measures latency with an
 * HDR histogram (autocannon's own result has no p95).
 */
export async function runLoad(plan: LoadPlan, autocannon: Autocannon = loadAutocannon()): Promise<LoadOutcome> {
  const { config } = plan;
  // Microseconds, so sub-millisecond latencies on a local app keep their resolution.
  const latency = createLatencyHistogram();
  const statusCodes: Record<string, number> = {};
  const perEndpoint = config.endpoints.map((e) => ({ ...e, responses: 0, failed: 0 }));
  let responses = 0;
  let errors = 0;
  const started = performance.now();

  const requests: AutocannonRequest[] = config.endpoints.map((endpoint, i) => ({
    method: endpoint.method,
    path: `${basePathOf(plan.base)}${endpoint.path}`,
    headers: { ...plan.headers, ...(plan.body !== undefined && !('content-type' in plan.headers) ? { 'content-type': 'application/json' } : {}) },
    ...(plan.body !== undefined && endpoint.method !== 'GET' && endpoint.method !== 'HEAD' ? { body: plan.body } : {}),
    onResponse: (status: number) => {
      const counts = perEndpoint[i]!;
      counts.responses++;
      if (status >= 400) counts.failed++;
    },
  }));

  const progress = plan.progress
    ? new LoadProgress(
        process.stderr,
        () => ({ elapsedSeconds: (performance.now() - started) / 1000, responses, errors }),
        config.durationSeconds,
        config.amount,
        plan.label,
      )
    : undefined;

  let aborted = false;
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: plan.base.origin,
        connections: config.connections,
        timeout: plan.timeoutSeconds,
        // autocannon stops at its next sample after the duration: sampling every 100 ms keeps the overshoot small.
        sampleInt: 100,
        requests,
        ...(config.amount === null ? { duration: config.durationSeconds, maxOverallRequests: 1_000_000 } : { amount: config.amount }),
      },
      (error, done) => {
        clearTimeout(bound);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (error) reject(new CliError(`the load test could not run: ${error.message}`, EXIT.USAGE));
        else resolve(done);
      },
    );
    const stop = (): void => {
      aborted = true;
      instance.stop();
    };
    // The time bound also holds in amount mode, where autocannon would otherwise run until the count is reached.
    const bound = setTimeout(stop, config.durationSeconds * 1000 + (config.amount === null ? 5000 : 0));
    const onSignal = (): void => stop();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      responses++;
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      const us = Math.max(1, Math.round(responseTime * 1000));
      latency.recordValue(us);
      plan.alsoRecord?.(us);
    });
    instance.on('reqError', () => {
      errors++;
    });
    progress?.start();
  });
  progress?.stop();

  const elapsedSeconds = (performance.now() - started) / 1000;
  const failedResponses = Object.entries(statusCodes).reduce((n, [code, count]) => (Number(code) >= 400 ? n + count : n), 0);
  const connectionErrors = Math.max(result.errors, errors);
  const totalRequests = responses + connectionErrors;
  const failedRequests = failedResponses + connectionErrors;
  const ms = (us: number): number => round2(us / 1000);
  // One histogram for every figure, each held at its max: p99 never reads above max.
  const summary = hdrSummary(latency);
  const outcome: LoadOutcome = {
    aborted,
    result: {
      totalRequests,
      successfulRequests: responses - failedResponses,
      failedRequests,
      errors: connectionErrors,
      errorRatePercent: totalRequests === 0 ? 0 : round2((failedRequests / totalRequests) * 100),
      requestsPerSecond: elapsedSeconds > 0 ? round2(totalRequests / elapsedSeconds) : 0,
      latencyMs: { mean: ms(summary.mean), p50: ms(summary.p50), p95: ms(summary.p95), p99: ms(summary.p99), max: ms(summary.max) },
      elapsedSeconds: round2(elapsedSeconds),
      statusCodes,
      endpoints: perEndpoint,
    },
  };
  latency.destroy();
  return outcome;
}
