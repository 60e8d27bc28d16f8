import { CliError, EXIT } from '../cli-error';
import type { LoadTestKnee, LoadTestResult, LoadTestSweep, LoadTestSweepLevel, LoadTestVerdict } from '../../core/schemas/load-test-run';
import { LOAD_LIMITS } from './load-target';

/** Bounds of `--sweep`: how many levels, and the whole sweep's time. */
export const SWEEP_LIMITS = { maxLevels: 20, maxTotalSeconds: 3600 } as const;

/** The knee: p95 above this many times the lowest level's p95... */
export const KNEE_LATENCY_FACTOR = 1.5;
/** ...and at least this many ms above it (sub-millisecond jitter is no knee)... */
export const KNEE_MIN_RISE_MS = 1;
/** ...while neither this level nor any above it beats the best throughput below it by this many percent. */
export const KNEE_MAX_THROUGHPUT_GAIN_PERCENT = 10;

/** The knee rule in words, as reported with every sweep. */
export const KNEE_RULE =
  `the first level whose p95 is above ${KNEE_LATENCY_FACTOR}x the p95 of the lowest level (and at least ${KNEE_MIN_RISE_MS} ms above it) ` +
  `while neither it nor any level above it beats the best throughput below it by ${KNEE_MAX_THROUGHPUT_GAIN_PERCENT} %: from there, more users only wait longer`;

/**
 * Parses `--sweep 1,5,10,25`: integers from 1 to the connection limit,
 * strictly increasing (no duplicates), at most 20 levels. Errors name the
 * bad value (exit 2).
 */
export function parseSweepLevels(raw: string): number[] {
  const parts = raw.split(',').map((p) => p.trim());
  const hint = 'e.g. --sweep 1,5,10,25,50,100';
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new CliError(`--sweep must be a comma-separated list of concurrency levels, ${hint} (got ${JSON.stringify(raw)})`, EXIT.USAGE);
  }
  if (parts.length > SWEEP_LIMITS.maxLevels) {
    throw new CliError(`--sweep takes at most ${SWEEP_LIMITS.maxLevels} levels (got ${parts.length})`, EXIT.USAGE);
  }
  const levels = parts.map((p) => {
    const value = /^\d{1,9}$/.test(p) ? Number(p) : Number.NaN;
    if (!Number.isInteger(value) || value < 1 || value > LOAD_LIMITS.maxConnections) {
      throw new CliError(
        `--sweep level ${JSON.stringify(p)} is not a concurrency level: each must be an integer from 1 to ${LOAD_LIMITS.maxConnections}, ${hint}`,
        EXIT.USAGE,
      );
    }
    return value;
  });
  for (let i = 1; i < levels.length; i++) {
    if (levels[i]! <= levels[i - 1]!) {
      throw new CliError(
        `--sweep levels must rise, each above the one before (got ${levels[i]} after ${levels[i - 1]}): list them lowest first without repeats, ${hint}`,
        EXIT.USAGE,
      );
    }
  }
  return levels;
}

/** One level's figures from its run and verdict. */
export function sweepLevelOf(connections: number, result: LoadTestResult, verdict: LoadTestVerdict): LoadTestSweepLevel {
  const answered = result.totalRequests > 0 && result.successfulRequests > 0;
  return {
    connections,
    totalRequests: result.totalRequests,
    successfulRequests: result.successfulRequests,
    failedRequests: result.failedRequests,
    errors: result.errors,
    errorRatePercent: result.errorRatePercent,
    requestsPerSecond: result.requestsPerSecond,
    latencyMs: result.latencyMs,
    elapsedSeconds: result.elapsedSeconds,
    meetsKpis: verdict.passed,
    failedKpis: [...verdict.checks.filter((c) => !c.passed).map((c) => c.kpi), ...(answered ? [] : ['no-answer'])],
  };
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

/**
 * The knee of the levels by {@link KNEE_RULE}; null when there is none.
 * Throughput is compared with the best level below, over every level from
 * this one up, so one level that dips (a noisy neighbour) is no knee when
 * the levels above it still gain.
 */
export function kneeOf(levels: readonly LoadTestSweepLevel[]): LoadTestKnee | null {
  const baseline = levels[0];
  if (!baseline) return null;
  for (let i = 1; i < levels.length; i++) {
    const level = levels[i]!;
    const bestBefore = Math.max(...levels.slice(0, i).map((l) => l.requestsPerSecond));
    const bestFromHere = Math.max(...levels.slice(i).map((l) => l.requestsPerSecond));
    const plateau = bestFromHere < bestBefore * (1 + KNEE_MAX_THROUGHPUT_GAIN_PERCENT / 100);
    const climbed = level.latencyMs.p95 > baseline.latencyMs.p95 * KNEE_LATENCY_FACTOR && level.latencyMs.p95 - baseline.latencyMs.p95 >= KNEE_MIN_RISE_MS;
    if (climbed && plateau) {
      const gain = bestBefore > 0 ? ((level.requestsPerSecond - bestBefore) / bestBefore) * 100 : 0;
      return { connections: level.connections, p95Ms: level.latencyMs.p95, baselineP95Ms: baseline.latencyMs.p95, throughputGainPercent: round2(gain) };
    }
  }
  return null;
}

/**
 * What the levels run so far say: the highest level at which it and every
 * lower level met the KPIs (a level past the first miss does not count,
 * even if it happened to pass), and the knee.
 */
export function summarizeSweep(levels: readonly LoadTestSweepLevel[]): LoadTestSweep {
  let maxLevelMeetingKpis: number | null = null;
  for (const level of levels) {
    if (!level.meetsKpis) break;
    maxLevelMeetingKpis = level.connections;
  }
  return { levels, maxLevelMeetingKpis, knee: kneeOf(levels), kneeRule: KNEE_RULE };
}
