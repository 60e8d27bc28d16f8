import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanActivate, Type } from '@nestjs/common';
import { z } from 'zod';
import {
  PERFORMANCE_HEADER_NAMES,
  type DatabaseOptions,
  type PerformanceHeaderName,
  type PerformanceModuleExtras,
  type PerformanceModuleOptions,
} from '../performance.options';
import { alertsOptionsSchema, withAlertRules } from './alerts';
import { cacheOptionsSchema } from './cache';
import { cacheWarmingOptionsSchema } from './cache-warming';
import { healthOptionsSchema } from './health';
import { baselinesOptionsSchema } from './baselines';
import { jobsOptionsSchema } from './jobs';
import { metricsOptionsSchema } from './metrics';
import { historyOptionsSchema } from './monitoring';
import { option, section, type Checked, type Frozen, type SameShape } from './option';
import { rootPath } from './paths';
import { profilingOptionsSchema } from './profiling';
import { slosOptionSchema } from './slos';
import { advisorOptionsSchema } from './advisor';
import { mergeThresholds, thresholdsOptionsSchema } from './thresholds';
import { tracingOptionsSchema } from './tracing';

const ALL_HEADERS = Object.fromEntries(PERFORMANCE_HEADER_NAMES.map((name) => [name, true])) as Record<PerformanceHeaderName, boolean>;

/** `false`, or single headers switched; the result names every header, in a fixed order. */
const headers = z
  .union([
    z.literal(false),
    z.strictObject(
      Object.fromEntries(PERFORMANCE_HEADER_NAMES.map((name) => [name, z.boolean().optional()])) as Record<PerformanceHeaderName, z.ZodOptional<z.ZodBoolean>>,
    ),
  ])
  .transform((h) => {
    const all = { ...ALL_HEADERS };
    for (const name of PERFORMANCE_HEADER_NAMES) all[name] = h === false ? false : (h[name] ?? true);
    return all;
  });

const guard = z.custom<Type<CanActivate> | CanActivate>(
  (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as CanActivate).canActivate === 'function'),
  'must be a guard class or an object with canActivate()',
);

function readAppVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The `database` section: checks, defaults, variables and docs of each option. */
export const databaseOptionsSchema = section({
  enabled: option(z.boolean(), { default: true, env: 'DB_INSTRUMENTATION_ENABLED', doc: '`false` attaches nothing' }),
  slowQueryThresholdMs: option(z.number().min(0), {
    default: 200,
    env: 'DB_SLOW_QUERY_THRESHOLD_MS',
    doc: 'statements at least this slow (ms) go into the slow-query ring',
  }),
  slowQueryLogSize: option(z.int().min(1).max(100_000), { default: 100, env: 'DB_SLOW_QUERY_LOG_SIZE', doc: 'slow statements kept' }),
  maxFingerprints: option(z.int().min(1).max(100_000), {
    default: 500,
    env: 'DB_MAX_FINGERPRINTS',
    doc: 'statement fingerprints kept (least total time evicted)',
  }),
  n1Threshold: option(z.int().min(1).max(10_000), {
    default: 5,
    env: 'DB_N1_THRESHOLD',
    doc: 'same fingerprint more than this many times in one request is an N+1',
  }),
  n1LogSize: option(z.int().min(1).max(100_000), { default: 100, env: 'DB_N1_LOG_SIZE', doc: 'N+1 findings kept' }),
  n1Header: option(z.boolean(), {
    default: () => process.env.NODE_ENV === 'development',
    defaultDoc: "`NODE_ENV === 'development'`",
    env: 'DB_N1_HEADER',
    doc: 'add `X-DB-N1: <fingerprint>, …` to responses with an N+1',
  }),
  logParameters: option(z.boolean(), {
    default: false,
    env: 'DB_LOG_PARAMETERS',
    doc: 'show bound values: in the slow-query log, and in plans made for them',
  }),
  explainAnalyze: option(z.boolean(), {
    default: false,
    env: 'DB_EXPLAIN_ANALYZE',
    doc: 'let the plan advisor run `EXPLAIN ANALYZE` (SELECT only)',
  }),
  allowSchemaChanges: option(z.boolean(), {
    default: false,
    env: 'DB_ALLOW_SCHEMA_CHANGES',
    doc: 'allow CREATE INDEX/ANALYZE/VACUUM from `optimize/:id`',
  }),
  indexMinRows: option(z.int().min(0), { default: 500, env: 'DB_INDEX_MIN_ROWS', doc: 'no index advice for smaller tables' }),
});

const options = z.strictObject({
  enabled: option(z.boolean(), {
    default: true,
    env: 'PERFORMANCE_MONITORING_ENABLED',
    doc: 'master switch; `false` installs nothing (no headers, context or endpoints)',
  }),
  headers: option(headers, { default: ALL_HEADERS, defaultDoc: 'all on', doc: "`false`, or `{ 'X-Cache': false, … }` per header" }),
  monitoring: section({
    collectionIntervalSeconds: option(z.number().min(1).max(86_400), {
      default: 60,
      env: 'METRICS_COLLECTION_INTERVAL',
      doc: 'seconds between sampler snapshots (1 to 86400)',
    }),
    maxMemoryUsageMb: option(z.number().positive(), {
      defaultDoc: 'cgroup limit, else host memory',
      env: 'MAX_MEMORY_USAGE_MB',
      doc: 'memory budget (MiB) for health and alerts',
    }),
    history: historyOptionsSchema,
  }),
  thresholds: thresholdsOptionsSchema,
  alerts: alertsOptionsSchema,
  cache: cacheOptionsSchema,
  metrics: metricsOptionsSchema,
  tracing: tracingOptionsSchema,
  health: healthOptionsSchema,
  jobs: jobsOptionsSchema,
  baselines: baselinesOptionsSchema,
  profiling: profilingOptionsSchema,
  cacheWarming: cacheWarmingOptionsSchema,
  slos: slosOptionSchema,
  advisor: advisorOptionsSchema,
  status: section({
    endpoint: option(z.union([rootPath, z.literal(false)]), {
      default: '/status',
      env: 'STATUS_ENDPOINT',
      doc: 'public status endpoint at the root; `false` to not mount it',
    }),
  }),
  admin: section({
    token: option(z.string().min(16, 'must be at least 16 characters'), {
      defaultDoc: 'none',
      env: 'PERFORMANCE_ADMIN_TOKEN',
      doc: 'bearer token for the admin API (16+ characters)',
    }),
    guard: option(guard, { defaultDoc: 'none', doc: "the app's own guard class or instance for the admin API; with a token too, either admits" }),
  }),
  appVersion: option(z.string().min(1), {
    default: readAppVersion,
    defaultDoc: '`version` of `./package.json` in the working directory, else `0.0.0`',
    doc: 'version shown by `/status`',
  }),
  instanceId: option(z.string().min(1).max(128), {
    default: () => `${hostname()}-${process.pid}`,
    defaultDoc: '`<hostname>-<pid>`',
    env: 'PERFORMANCE_INSTANCE_ID',
    doc: 'this process among several instances (history rows, `/status`)',
  }),
  database: databaseOptionsSchema,
});

/**
 * Every option of `PerformanceModule.forRoot()`: each one's check, default,
 * environment variable and line in docs/configuration.md. Checked once, at
 * start-up; the result is the options every feature reads.
 */
export const performanceOptionsSchema = options
  .transform(({ alerts, thresholds: configured, ...o }) => {
    const { thresholds } = mergeThresholds(configured);
    return { ...o, thresholds, alerts: withAlertRules(alerts, thresholds) };
  })
  .prefault({});

/** Options after validation and defaults, as every feature reads them: every field present, frozen. */
export type ResolvedPerformanceOptions = Frozen<z.output<typeof performanceOptionsSchema>>;

const ADMIN_PATH = /^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/;
const trimSlashes = (path: string) => path.replace(/^\/+|\/+$/g, '');

/** The options fixed when the module is defined (extras of forRoot and forRootAsync). */
export const performanceExtrasSchema = z.strictObject({
  adminPath: option(
    z
      .string()
      .refine((path) => ADMIN_PATH.test(trimSlashes(path)), 'must be a route path of letters, digits, . _ ~ - and /')
      .transform(trimSlashes),
    {
      default: 'performance',
      env: 'PERFORMANCE_ADMIN_PATH',
      doc: 'admin API path below the global prefix (an extra: given beside the options, fixed when the module is defined)',
    },
  ),
});

/** Compile-time: the schemas take exactly the public option types. */
export type PerformanceSchemaChecks = [
  Checked<SameShape<z.input<typeof performanceOptionsSchema>, PerformanceModuleOptions | undefined>>,
  Checked<SameShape<z.input<typeof databaseOptionsSchema>, DatabaseOptions | undefined>>,
  Checked<SameShape<z.input<typeof performanceExtrasSchema>, PerformanceModuleExtras>>,
];
