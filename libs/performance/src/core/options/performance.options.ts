import type { CanActivate, Type } from '@nestjs/common';
import type { CacheOptions } from './cache.options';
import type { HealthOptions } from './health.options';
import type { MetricsOptions } from './metrics.options';
import type { TracingOptions } from './tracing.options';
import type { BaselinesOptions } from './baselines.options';
import type { JobsOptions } from './jobs.options';
import type { SloOptions } from './slo.options';
import type { AdvisorOptions } from './advisor.options';
import type { ProfilingOptions } from './profiling.options';
import type { CacheWarmingOptions } from './cache-warming.options';
import type { AlertsOptions } from './alerts.options';
import type { HistoryOptions } from './monitoring.options';
import type { ThresholdsOptions } from './thresholds.options';

/**
 * Names of the response headers the module writes. Each can be switched off
 * with `headers: { 'X-Cache': false }`.
 */
export const PERFORMANCE_HEADER_NAMES = ['X-Response-Time', 'X-Request-ID', 'X-Cache', 'X-DB-Queries', 'X-DB-Time', 'X-Memory-Usage', 'Server-Timing'] as const;

/** One of {@link PERFORMANCE_HEADER_NAMES}. */
export type PerformanceHeaderName = (typeof PERFORMANCE_HEADER_NAMES)[number];

/**
 * Options of `PerformanceModule.forRoot()`. Every field is optional; the
 * defaults are listed with each field and in the configuration table of docs/configuration.md.
 *
 * @example
 * PerformanceModule.forRoot({
 *   headers: { 'X-Memory-Usage': false },
 *   admin: { token: process.env.PERFORMANCE_ADMIN_TOKEN },
 * })
 */
export interface PerformanceModuleOptions {
  /**
   * Master switch. When false the module installs nothing: no headers, no
   * context, no endpoints. Env: `PERFORMANCE_MONITORING_ENABLED`.
   * @default true
   */
  enabled?: boolean;

  /**
   * Which response headers to write. `false` turns all of them off; an object
   * switches single headers (unnamed ones stay on).
   * @default every header on
   * @example { 'X-Memory-Usage': false, 'Server-Timing': true }
   */
  headers?: false | Partial<Record<PerformanceHeaderName, boolean>>;

  /** The sampler and resource limits. */
  monitoring?: {
    /**
     * Seconds between two snapshots of the sampler. Env: `METRICS_COLLECTION_INTERVAL`.
     * @default 60
     */
    collectionIntervalSeconds?: number;
    /**
     * Memory budget of the process in MiB: `memoryPercent` is RSS in percent of it.
     * `undefined` means the container (cgroup) limit, or the host's memory.
     * Env: `MAX_MEMORY_USAGE_MB`.
     */
    maxMemoryUsageMb?: number;
    /** Where snapshots and alerts are kept (see {@link HistoryOptions}). */
    history?: HistoryOptions;
  };

  /**
   * Good / warning / critical of every metric, in one place: KPIs, alert
   * rules, dashboard colours, the health score and the CLI read them (see
   * {@link ThresholdsOptions}).
   */
  thresholds?: ThresholdsOptions;

  /** Alert rules over the sampler's snapshots, and their notifiers (see {@link AlertsOptions}). */
  alerts?: AlertsOptions;

  /** The response cache (see {@link CacheOptions}). */
  cache?: CacheOptions;

  /** Prometheus metrics (see {@link MetricsOptions}). */
  metrics?: MetricsOptions;

  /** OpenTelemetry spans (see {@link TracingOptions}). */
  tracing?: TracingOptions;

  /** Health checks and the health overview score (see {@link HealthOptions}). */
  health?: HealthOptions;

  /** Background job monitoring for `@TrackJob()` methods (see {@link JobsOptions}). */
  jobs?: JobsOptions;

  /** Per-route latency and error baselines learned from history, route anomaly and target alerts (see {@link BaselinesOptions}). */
  baselines?: BaselinesOptions;

  /** On-demand CPU profiles and heap snapshots through the admin API; off by default (see {@link ProfilingOptions}). */
  profiling?: ProfilingOptions;

  /** How `@WarmCache()` entries are filled and refreshed (see {@link CacheWarmingOptions}). */
  cacheWarming?: CacheWarmingOptions;

  /** Service level objectives with error budgets and burn-rate alerts (see {@link SloOptions}). */
  slos?: SloOptions[];

  /** What the recommendations judge by (see {@link AdvisorOptions}). */
  advisor?: AdvisorOptions;

  /** The public status endpoint (uptime, version, instance id, status; no details). */
  status?: {
    /**
     * Path at the server root, or `false` to not mount it. Env: `STATUS_ENDPOINT`.
     * @default '/status'
     */
    endpoint?: string | false;
  };

  /** Who may call the admin `/performance` API (its path is the `adminPath` extra). */
  admin?: {
    /**
     * Bearer token that admin endpoints require (`Authorization: Bearer …`),
     * at least 16 characters. With neither a token nor a guard, the admin API
     * answers 404 as if it were not mounted. Env: `PERFORMANCE_ADMIN_TOKEN`.
     */
    token?: string;
    /**
     * The app's own guard for the admin API (a class, resolved with the app's
     * injector, or an instance). When both are set, either one admits a request.
     */
    guard?: Type<CanActivate> | CanActivate;
  };

  /** TypeORM instrumentation: per-request counting, statistics, slow queries, N+1, index and plan advice. */
  database?: DatabaseOptions;

  /**
   * Version reported by `/status`.
   * @default the `version` of the app's package.json in the working directory, else '0.0.0'
   */
  appVersion?: string;

  /**
   * Identifies this process among several instances (history rows, status).
   * Env: `PERFORMANCE_INSTANCE_ID`.
   * @default `${hostname}-${pid}`
   */
  instanceId?: string;
}

/**
 * The `database` section of {@link PerformanceModuleOptions}: how the module
 * instruments every TypeORM DataSource of the app.
 *
 * @example
 * PerformanceModule.forRoot({ database: { slowQueryThresholdMs: 100, n1Threshold: 3 } })
 */
export interface DatabaseOptions {
  /**
   * Instrument the app's TypeORM DataSources. When false nothing is attached
   * and X-DB-Queries stays 0. Env: `DB_INSTRUMENTATION_ENABLED`.
   * @default true
   */
  enabled?: boolean;
  /**
   * A statement at least this slow (ms) goes into the slow-query log.
   * Env: `DB_SLOW_QUERY_THRESHOLD_MS`.
   * @default 200
   */
  slowQueryThresholdMs?: number;
  /**
   * Entries kept in the slow-query ring; the oldest is dropped first.
   * Env: `DB_SLOW_QUERY_LOG_SIZE`.
   * @default 100
   */
  slowQueryLogSize?: number;
  /**
   * Distinct statement fingerprints kept in the query statistics; when full,
   * the fingerprint with the least total time is evicted.
   * Env: `DB_MAX_FINGERPRINTS`.
   * @default 500
   */
  maxFingerprints?: number;
  /**
   * A fingerprint run more than this many times in one request is an N+1
   * finding. Env: `DB_N1_THRESHOLD`.
   * @default 5
   */
  n1Threshold?: number;
  /**
   * N+1 findings kept (a ring). Env: `DB_N1_LOG_SIZE`.
   * @default 100
   */
  n1LogSize?: number;
  /**
   * Announce N+1 findings in an `X-DB-N1: <fingerprint>[, …]` response header.
   * Meant for development. Env: `DB_N1_HEADER`.
   * @default true when NODE_ENV is 'development', else false
   */
  n1Header?: boolean;
  /**
   * Keep bound parameter values in the slow-query log and show them in the
   * admin API, and explain plans for the real values (their conditions then
   * quote them). Off by default: they may hold personal data or secrets; no
   * bound value then leaves the process (PostgreSQL plans are generic,
   * showing `$1`; other plans and database errors have their literals
   * replaced by `?`). Env: `DB_LOG_PARAMETERS`.
   * @default false
   */
  logParameters?: boolean;
  /**
   * Let the plan advisor run `EXPLAIN ANALYZE` (it executes the statement;
   * SELECT only). Without it the advisor reads the planner's estimates.
   * Env: `DB_EXPLAIN_ANALYZE`.
   * @default false
   */
  explainAnalyze?: boolean;
  /**
   * Allow schema changes (CREATE INDEX, ANALYZE, VACUUM) from the admin
   * `optimize/:id` endpoint. Env: `DB_ALLOW_SCHEMA_CHANGES`.
   * @default false
   */
  allowSchemaChanges?: boolean;
  /**
   * Tables with fewer rows than this get no index suggestion (a scan is
   * cheaper). Env: `DB_INDEX_MIN_ROWS`.
   * @default 500
   */
  indexMinRows?: number;
}

/** Options fixed when the module is defined, given beside the others in forRoot and forRootAsync. */
export interface PerformanceModuleExtras {
  /**
   * Path of the admin API below the app's global prefix
   * (`api/v1` + `performance` gives `/api/v1/performance/...`).
   * Env: `PERFORMANCE_ADMIN_PATH`.
   * @default 'performance'
   */
  adminPath?: string;
}
