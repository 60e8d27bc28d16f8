import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanActivate, Type } from '@nestjs/common';
import { z } from 'zod';
import { cacheOptionsSchema, resolveCacheOptions, type ResolvedCacheOptions } from './cache.options';
import { PerformanceError } from '../performance-errors';
import { isSecretName, maskSecrets, maskSecretsInText } from '../secret-masking';
import { InvalidEnvValue } from './env.options';
import { healthOptionsSchema, resolveHealthOptions, type ResolvedHealthOptions } from './health.options';
import { metricsOptionsSchema, resolveMetricsOptions, type ResolvedMetricsOptions } from './metrics.options';
import { resolveTracingOptions, tracingOptionsSchema, type ResolvedTracingOptions } from './tracing.options';
import { jobsOptionsSchema, resolveJobsOptions, type ResolvedJobsOptions } from './jobs.options';
import { profilingOptionsSchema, resolveProfilingOptions, type ResolvedProfilingOptions } from './profiling.options';
import {
  cacheWarmingOptionsSchema,
  resolveCacheWarmingOptions,
  type ResolvedCacheWarmingOptions,
} from './cache-warming.options';
import { alertsOptionsSchema, resolveAlertsOptions, type ResolvedAlertsOptions } from './alerts.options';
import {
  historyOptionsSchema,
  kpiOptionsSchema,
  resolveHistoryOptions,
  resolveKpiOptions,
  type ResolvedHistoryOptions,
  type ResolvedKpiOptions,
} from './monitoring.options';
import {
  PERFORMANCE_HEADER_NAMES,
  type DatabaseOptions,
  type PerformanceHeaderName,
  type PerformanceModuleOptions,
} from './performance.options';

/** A path at the server root: starts with `/`, no spaces, no query. */
const rootPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'must be a path starting with "/" (letters, digits, . _ ~ - /)');

const headersSchema = z.union([
  z.literal(false),
  z.strictObject(
    Object.fromEntries(PERFORMANCE_HEADER_NAMES.map((name) => [name, z.boolean().optional()])) as Record<
      PerformanceHeaderName,
      z.ZodOptional<z.ZodBoolean>
    >,
  ),
]);

/**
 * The schema every option set is checked against once, at start-up. Strict
 * objects: an unknown key is a typo, and a typo must not silently do nothing.
 */
export const performanceOptionsSchema = z.strictObject({
  enabled: z.boolean().optional(),
  headers: headersSchema.optional(),
  monitoring: z
    .strictObject({
      collectionIntervalSeconds: z.number().min(1).max(86_400).optional(),
      maxMemoryUsageMb: z.number().positive().optional(),
      maxCpuUsagePercent: z.number().positive().max(100_000).optional(),
      history: historyOptionsSchema.optional(),
      kpis: kpiOptionsSchema.optional(),
    })
    .optional(),
  alerts: alertsOptionsSchema.optional(),
  cache: cacheOptionsSchema.optional(),
  metrics: metricsOptionsSchema.optional(),
  tracing: tracingOptionsSchema.optional(),
  health: healthOptionsSchema.optional(),
  jobs: jobsOptionsSchema.optional(),
  profiling: profilingOptionsSchema.optional(),
  cacheWarming: cacheWarmingOptionsSchema.optional(),
  status: z.strictObject({ endpoint: z.union([rootPath, z.literal(false)]).optional() }).optional(),
  admin: z
    .strictObject({
      token: z.string().min(16, 'must be at least 16 characters').optional(),
      guard: z
        .custom<Type<CanActivate> | CanActivate>(
          (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as CanActivate).canActivate === 'function'),
          'must be a guard class or an object with canActivate()',
        )
        .optional(),
    })
    .optional(),
  appVersion: z.string().min(1).optional(),
  instanceId: z.string().min(1).max(128).optional(),
  database: z
    .strictObject({
      enabled: z.boolean().optional(),
      slowQueryThresholdMs: z.number().min(0).optional(),
      slowQueryLogSize: z.int().min(1).max(100_000).optional(),
      maxFingerprints: z.int().min(1).max(100_000).optional(),
      n1Threshold: z.int().min(1).max(10_000).optional(),
      n1LogSize: z.int().min(1).max(100_000).optional(),
      n1Header: z.boolean().optional(),
      logParameters: z.boolean().optional(),
      explainAnalyze: z.boolean().optional(),
      allowSchemaChanges: z.boolean().optional(),
      indexMinRows: z.int().min(0).optional(),
    })
    .optional(),
});

/** Options after validation and defaults: every field present, frozen. */
export interface ResolvedPerformanceOptions {
  readonly enabled: boolean;
  /** The headers to write, in a fixed order; empty when all are off. */
  readonly headers: Readonly<Record<PerformanceHeaderName, boolean>>;
  readonly monitoring: {
    readonly collectionIntervalSeconds: number;
    readonly maxMemoryUsageMb: number | undefined;
    readonly maxCpuUsagePercent: number;
    readonly history: ResolvedHistoryOptions;
    readonly kpis: ResolvedKpiOptions;
  };
  readonly alerts: ResolvedAlertsOptions;
  readonly cache: ResolvedCacheOptions;
  readonly metrics: ResolvedMetricsOptions;
  readonly tracing: ResolvedTracingOptions;
  readonly health: ResolvedHealthOptions;
  readonly jobs: ResolvedJobsOptions;
  readonly profiling: ResolvedProfilingOptions;
  readonly cacheWarming: ResolvedCacheWarmingOptions;
  readonly status: { readonly endpoint: string | false };
  readonly admin: { readonly token: string | undefined; readonly guard: Type<CanActivate> | CanActivate | undefined };
  readonly appVersion: string;
  readonly instanceId: string;
  readonly database: Readonly<Required<DatabaseOptions>>;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  const shown = maskSecrets(value);
  if (typeof shown === 'string') return JSON.stringify(shown);
  if (typeof shown === 'function') return `function ${shown.name || '(anonymous)'}`;
  try {
    return JSON.stringify(shown) ?? String(shown);
  } catch {
    return String(shown);
  }
}

/** What a secret option got, without its value: `5 characters, not shown`. */
function describeSecret(value: unknown): string {
  if (typeof value === 'string') return `${value.length} characters, not shown`;
  return `${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}, not shown`;
}

/** Alternatives of a failed union, as its branches state them: `"memory", "redis"` or a branch's own message. */
function describeUnion(issue: z.core.$ZodIssueInvalidUnion, path: readonly PropertyKey[], prefix: string): string[] | string {
  // One branch failed deeper inside: the input had that branch's shape, so its own problems are the ones to name.
  const deeper = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
  if (deeper.length === 1) return describeIssueList(deeper[0]!.map((i) => ({ ...i, path: [...path, ...i.path] })), prefix);
  const values: string[] = [];
  const messages: string[] = [];
  for (const branch of issue.errors) {
    for (const i of branch) {
      if (i.path.length > 0) continue;
      if (i.code === 'invalid_value') values.push(...i.values.map((v) => JSON.stringify(v)));
      else if (i.code === 'invalid_type') values.push(`a ${i.expected}`);
      else messages.push(i.message);
    }
  }
  // A branch that says in words what it accepts usually says it for the whole union.
  const full = messages.find((m) => values.every((v) => m.includes(v) || m.includes(v.replaceAll('"', "'"))));
  if (full) return full;
  const list = values.length ? `must be one of ${values.join(', ')}` : issue.message;
  return messages.length ? `${list}, or ${messages.join(', or ')}` : list;
}

/**
 * Formats every problem of a failed parse as one line each:
 * `cache.ttl: Too small: expected number to be >=0 (got -5)`. The value is
 * never shown for an option whose name suggests a secret (token, password,
 * secret, key, auth...), and URLs in values are shown masked.
 */
export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return describeIssueList(error.issues, prefix);
}

function describeIssueList(issues: readonly z.core.$ZodIssue[], prefix: string): string[] {
  return issues.flatMap((issue) => {
    const names = [prefix, ...issue.path.map(String)].filter(Boolean);
    const path = names.join('.') || '(options)';
    if (issue.code === 'unrecognized_keys') {
      return [`${path}: unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')}`];
    }
    let message: string = issue.message;
    if (issue.code === 'invalid_union') {
      const union = describeUnion(issue, issue.path, prefix);
      if (Array.isArray(union)) return union;
      message = union;
    }
    const secret = names.some((name) => isSecretName(name));
    const got = 'input' in issue ? ` (got ${secret ? describeSecret(issue.input) : describeValue(issue.input)})` : '';
    return [`${path}: ${maskSecretsInText(message)}${got}`];
  });
}

function readAppVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Freezes plain objects only: an app's guard instance or class stays its own. */
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
    const lines = [...envProblems, ...(parsed.success ? [] : describeIssues(parsed.error))];
    throw new PerformanceError(parsed.success ? 'PERF_ERR_INVALID_ENV' : 'PERF_ERR_INVALID_OPTIONS', lines.join('\n  - '));
  }
  const o = parsed.data;
  const headers = {} as Record<PerformanceHeaderName, boolean>;
  for (const name of PERFORMANCE_HEADER_NAMES) {
    headers[name] = o.headers === false ? false : (o.headers?.[name] ?? true);
  }
  return deepFreeze({
    enabled: o.enabled ?? true,
    headers,
    monitoring: {
      collectionIntervalSeconds: o.monitoring?.collectionIntervalSeconds ?? 60,
      maxMemoryUsageMb: o.monitoring?.maxMemoryUsageMb,
      maxCpuUsagePercent: o.monitoring?.maxCpuUsagePercent ?? 80,
      history: resolveHistoryOptions(o.monitoring?.history),
      kpis: resolveKpiOptions(o.monitoring?.kpis),
    },
    alerts: resolveAlertsOptions(o.alerts, o.monitoring?.maxCpuUsagePercent ?? 80),
    cache: resolveCacheOptions(o.cache),
    metrics: resolveMetricsOptions(o.metrics),
    tracing: resolveTracingOptions(o.tracing),
    health: resolveHealthOptions(o.health),
    jobs: resolveJobsOptions(o.jobs),
    profiling: resolveProfilingOptions(o.profiling),
    cacheWarming: resolveCacheWarmingOptions(o.cacheWarming),
    status: { endpoint: o.status?.endpoint ?? '/status' },
    admin: { token: o.admin?.token, guard: o.admin?.guard },
    appVersion: o.appVersion ?? readAppVersion(),
    instanceId: o.instanceId ?? `${hostname()}-${process.pid}`,
    database: {
      enabled: o.database?.enabled ?? true,
      slowQueryThresholdMs: o.database?.slowQueryThresholdMs ?? 200,
      slowQueryLogSize: o.database?.slowQueryLogSize ?? 100,
      maxFingerprints: o.database?.maxFingerprints ?? 500,
      n1Threshold: o.database?.n1Threshold ?? 5,
      n1LogSize: o.database?.n1LogSize ?? 100,
      n1Header: o.database?.n1Header ?? process.env.NODE_ENV === 'development',
      logParameters: o.database?.logParameters ?? false,
      explainAnalyze: o.database?.explainAnalyze ?? false,
      allowSchemaChanges: o.database?.allowSchemaChanges ?? false,
      indexMinRows: o.database?.indexMinRows ?? 500,
    },
  });
}
