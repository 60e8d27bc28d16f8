import { PerformanceError } from '../performance-errors';
import { InvalidEnvValue } from './env.options';
import type { PerformanceModuleOptions } from './performance.options';
import { describeIssues } from './schema/issues';
import { performanceOptionsSchema, type ResolvedPerformanceOptions } from './schema/performance';

export type { ResolvedPerformanceOptions } from './schema/performance';

/** Freezes plain objects only: an app's guard, store or registry stays its own. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * A copy of `value` (plain objects and arrays) without the malformed
 * environment variables {@link performanceOptionsFromEnv} left in it; each
 * one's problem goes to `problems`, naming the option it was meant for.
 */
function takeEnvProblems(value: unknown, path: string[], problems: string[]): unknown {
  if (value instanceof InvalidEnvValue) {
    problems.push(path.length ? `${value.problem} (for ${path.join('.')})` : value.problem);
    return undefined;
  }
  if (Array.isArray(value)) return value.map((item, i) => takeEnvProblems(item, [...path, String(i)], problems));
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, takeEnvProblems(item, [...path, key], problems)]));
}

/**
 * Validates user options and merges them with the defaults. Throws one
 * {@link PerformanceError} that lists every problem, so a misconfigured app
 * stops at start-up with all of them named: `PERF_ERR_INVALID_ENV` when only
 * environment variables read by {@link performanceOptionsFromEnv} are
 * malformed, `PERF_ERR_INVALID_OPTIONS` otherwise. Secrets are never quoted.
 */
export function resolvePerformanceOptions(options: PerformanceModuleOptions = {}): ResolvedPerformanceOptions {
  const envProblems: string[] = [];
  const input = takeEnvProblems(options, [], envProblems);
  const parsed = performanceOptionsSchema.safeParse(input, { reportInput: true });
  if (!parsed.success || envProblems.length) {
    const lines = [...envProblems, ...(parsed.success ? [] : describeIssues(performanceOptionsSchema, parsed.error))];
    throw new PerformanceError(parsed.success ? 'PERF_ERR_INVALID_ENV' : 'PERF_ERR_INVALID_OPTIONS', lines.join('\n  - '));
  }
  return deepFreeze(parsed.data);
}
