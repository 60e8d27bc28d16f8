import { PerformanceError } from '../performance-errors';
import { InvalidEnvValue } from './env.options';
import type { PerformanceModuleExtras, PerformanceModuleOptions } from './performance.options';
import { describeIssues } from './schema/issues';
import { performanceExtrasSchema, performanceOptionsSchema, type ResolvedPerformanceOptions } from './schema/performance';

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
 * Validates user options (and the extras beside them: `adminPath`) and merges
 * them with the defaults. Throws one {@link PerformanceError} that lists
 * every problem, so a misconfigured app stops at start-up with all of them
 * named: `PERF_ERR_INVALID_ENV` when only environment variables read by
 * {@link performanceOptionsFromEnv} are malformed, `PERF_ERR_INVALID_OPTIONS`
 * otherwise. Secrets are never quoted.
 */
export function resolvePerformanceOptions(options: PerformanceModuleOptions = {}, extras: PerformanceModuleExtras = {}): ResolvedPerformanceOptions {
  const envProblems: string[] = [];
  const parsed = performanceOptionsSchema.safeParse(takeEnvProblems(options, [], envProblems), { reportInput: true });
  const parsedExtras = performanceExtrasSchema.safeParse(takeEnvProblems(extras, [], envProblems), { reportInput: true });
  const problems = [
    ...(parsed.success ? [] : describeIssues(performanceOptionsSchema, parsed.error)),
    ...(parsedExtras.success ? [] : describeIssues(performanceExtrasSchema, parsedExtras.error)),
  ];
  if (!parsed.success || problems.length || envProblems.length) {
    const code = problems.length ? 'PERF_ERR_INVALID_OPTIONS' : 'PERF_ERR_INVALID_ENV';
    throw new PerformanceError(code, [...envProblems, ...problems].join('\n  - '));
  }
  return deepFreeze(parsed.data);
}

/**
 * The admin API's path from the extras. A malformed one gives the default
 * here: {@link resolvePerformanceOptions} reports it when Nest starts, with
 * every other problem, through Nest's logger.
 */
export function adminPathOf(extras: PerformanceModuleExtras): string {
  const parsed = performanceExtrasSchema.safeParse({ adminPath: extras.adminPath });
  return parsed.success ? parsed.data.adminPath : performanceExtrasSchema.parse({}).adminPath;
}
