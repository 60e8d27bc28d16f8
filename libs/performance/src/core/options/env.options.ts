import { isSecretName, maskSecretsInText } from '../secret-masking';
import type { PerformanceModuleExtras, PerformanceModuleOptions } from './performance.options';

type Env = Readonly<Record<string, string | undefined>>;

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/**
 * A malformed environment variable, left by {@link performanceOptionsFromEnv}
 * in place of its option's value. `PerformanceModule.forRoot()` reports it,
 * naming the variable, with every other problem in one start-up error
 * (`PERF_ERR_INVALID_ENV`) that Nest logs; an app that sets the option
 * itself replaces it.
 */
export class InvalidEnvValue {
  constructor(
    /** The variable, e.g. `CACHE_TTL`. */
    readonly variable: string,
    /** What is wrong, naming the variable: `CACHE_TTL="abc": expected a number`. */
    readonly problem: string,
  ) {
    Object.freeze(this);
  }
}

/** How a variable's value is quoted in an error: never for a secret, URLs masked. */
function quote(name: string, raw: string): string {
  return isSecretName(name) ? '(value not shown)' : JSON.stringify(maskSecretsInText(raw));
}

/**
 * Reads environment variables one at a time. A malformed one becomes an
 * {@link InvalidEnvValue} in its option's place, so one start-up error
 * names each bad variable and its value.
 */
class EnvReader {
  constructor(private readonly env: Env) {}

  /** An {@link InvalidEnvValue} where an option of type `T` goes. */
  invalid<T>(name: string, problem: string): T {
    return new InvalidEnvValue(name, problem) as unknown as T;
  }

  string(name: string): string | undefined {
    const raw = this.env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const lower = raw.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
    return this.invalid(name, `${name}=${quote(name, raw)}: expected true/false (or 1/0, yes/no, on/off)`);
  }

  number(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value)) return this.invalid(name, `${name}=${quote(name, raw)}: expected a number`);
    return value;
  }
}

/** Drops keys whose value is undefined, and objects left empty, so defaults apply. */
function compact<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

/** The `alerts` section from ALERTS_ENABLED, ALERT_LOG, ALERT_MIN_SEVERITY, ALERT_WEBHOOK_URL, ALERT_SLACK_WEBHOOK_URL, ALERT_SMTP_URL, ALERT_EMAIL_FROM, ALERT_EMAIL_TO. */
function alertsFromEnv(read: EnvReader): PerformanceModuleOptions['alerts'] {
  const webhook = read.string('ALERT_WEBHOOK_URL');
  const slack = read.string('ALERT_SLACK_WEBHOOK_URL');
  const smtpUrl = read.string('ALERT_SMTP_URL');
  const from = read.string('ALERT_EMAIL_FROM');
  const to = read.string('ALERT_EMAIL_TO');
  const rulesRaw = read.string('ALERT_RULES');
  let rules: unknown;
  if (rulesRaw !== undefined) {
    try {
      rules = JSON.parse(rulesRaw);
    } catch {
      rules = read.invalid('ALERT_RULES', `ALERT_RULES=${quote('ALERT_RULES', rulesRaw)}: expected JSON such as {"p95Ms":{"warning":500}}`);
    }
  }
  return compact({
    enabled: read.boolean('ALERTS_ENABLED'),
    // Checked against the alerts schema by forRoot, like any option.
    rules: rules as NonNullable<PerformanceModuleOptions['alerts']>['rules'],
    notifiers: compact({
      log: read.boolean('ALERT_LOG'),
      minSeverity: read.string('ALERT_MIN_SEVERITY') as 'info' | 'warning' | 'critical' | undefined,
      webhooks: webhook === undefined ? undefined : [{ url: webhook }],
      slack: slack === undefined ? undefined : [{ url: slack }],
      email:
        smtpUrl === undefined
          ? undefined
          : from !== undefined && to !== undefined
            ? { smtpUrl, from, to: to.split(',').map((t) => t.trim()).filter(Boolean) }
            : read.invalid<undefined>('ALERT_SMTP_URL', 'ALERT_SMTP_URL is set: ALERT_EMAIL_FROM and ALERT_EMAIL_TO are needed too'),
    }),
  });
}

/**
 * Builds module options from the environment variable names operators
 * already use. Unset variables leave the defaults alone. Values are checked
 * like any other options by `PerformanceModule.forRoot()`; a malformed one
 * (`CACHE_TTL=abc`) does not throw here: it is carried in its option's place
 * as an {@link InvalidEnvValue}, and the app stops at start-up with one
 * error, logged through Nest's logger, that names each bad variable
 * (`PERF_ERR_INVALID_ENV`). Secrets are never quoted and URLs are masked.
 *
 * | variable | option |
 * |---|---|
 * | PERFORMANCE_MONITORING_ENABLED | enabled |
 * | METRICS_COLLECTION_INTERVAL | monitoring.collectionIntervalSeconds |
 * | MAX_MEMORY_USAGE_MB | monitoring.maxMemoryUsageMb |
 * | MAX_CPU_USAGE_PERCENT | monitoring.maxCpuUsagePercent |
 * | CACHE_MAX_SIZE | cache.maxSize |
 * | CACHE_TTL | cache.ttl |
 * | CACHE_ENABLED | cache.enabled |
 * | CACHE_MAX_BYTES | cache.maxBytes |
 * | CACHE_MAX_ENTRY_BYTES | cache.maxEntryBytes |
 * | CACHE_STORE | cache.store (`memory`, `redis`, `two-tier`) |
 * | CACHE_STALE_WHILE_REVALIDATE | cache.staleWhileRevalidate |
 * | REDIS_URL | cache.redis.url (turns on the two-tier store) |
 * | CACHE_REDIS_KEY_PREFIX | cache.redis.keyPrefix |
 * | CACHE_KEY_SECRET | cache.keySecret |
 * | CACHE_API_KEY_HEADERS | cache.apiKeyHeaders (comma-separated) |
 * | METRICS_ENABLED | metrics.enabled |
 * | METRICS_ENDPOINT | metrics.endpoint |
 * | METRICS_REQUIRE_ADMIN | metrics.requireAdmin |
 * | TRACING_ENABLED | tracing.enabled |
 * | HEALTH_ENABLED | health.enabled |
 * | HEALTH_ENDPOINT | health.endpoint |
 * | HEALTH_CHECK_TIMEOUT_MS | health.timeoutMs |
 * | HEALTH_READINESS_CACHE | health.readiness.cache |
 * | JOBS_MONITORING_ENABLED | jobs.enabled |
 * | JOBS_OVERDUE_FACTOR | jobs.overdueFactor |
 * | JOBS_FAILURE_RATE_WARNING_PERCENT, JOBS_FAILURE_RATE_CRITICAL_PERCENT | jobs.failureRatePercent.warning, critical |
 * | PROFILING_ENABLED | profiling.enabled |
 * | PROFILING_MAX_SECONDS | profiling.maxSeconds |
 * | CACHE_WARMING_ENABLED | cacheWarming.enabled |
 * | STATUS_ENDPOINT | status.endpoint (`false` turns it off) |
 * | PERFORMANCE_ADMIN_PATH | adminPath (extra) |
 * | PERFORMANCE_ADMIN_TOKEN | admin.token |
 * | PERFORMANCE_INSTANCE_ID | instanceId |
 * | DB_INSTRUMENTATION_ENABLED | database.enabled |
 * | DB_SLOW_QUERY_THRESHOLD_MS | database.slowQueryThresholdMs |
 * | DB_SLOW_QUERY_LOG_SIZE | database.slowQueryLogSize |
 * | DB_MAX_FINGERPRINTS | database.maxFingerprints |
 * | DB_N1_THRESHOLD | database.n1Threshold |
 * | DB_N1_LOG_SIZE | database.n1LogSize |
 * | DB_N1_HEADER | database.n1Header |
 * | DB_LOG_PARAMETERS | database.logParameters |
 * | DB_EXPLAIN_ANALYZE | database.explainAnalyze |
 * | DB_ALLOW_SCHEMA_CHANGES | database.allowSchemaChanges |
 * | DB_INDEX_MIN_ROWS | database.indexMinRows |
 * | PERFORMANCE_HISTORY_STORE | monitoring.history.store (`memory`, `typeorm`) |
 * | PERFORMANCE_HISTORY_MAX_SNAPSHOTS | monitoring.history.maxSnapshots |
 * | PERFORMANCE_HISTORY_RETENTION_DAYS | monitoring.history.retentionDays |
 * | PERFORMANCE_HISTORY_MAX_POINTS | monitoring.history.maxPoints |
 * | PERFORMANCE_HISTORY_DATASOURCE | monitoring.history.dataSource |
 * | PERFORMANCE_HISTORY_RUN_MIGRATIONS | monitoring.history.runMigrations |
 * | KPI_P95_MS, KPI_P99_MS, KPI_MIN_RPS | monitoring.kpis.p95Ms, p99Ms, minRequestsPerSecond |
 * | KPI_MAX_CPU_PERCENT, KPI_MAX_MEMORY_PERCENT | monitoring.kpis.maxCpuPercent, maxMemoryPercent |
 * | KPI_MAX_POOL_PERCENT, KPI_MAX_ERROR_RATE_PERCENT | monitoring.kpis.maxPoolPercent, maxErrorRatePercent |
 * | ALERTS_ENABLED | alerts.enabled |
 * | ALERT_RULES | alerts.rules (JSON: `{"p95Ms":{"warning":500,"critical":1500}}`) |
 * | ALERT_LOG | alerts.notifiers.log |
 * | ALERT_MIN_SEVERITY | alerts.notifiers.minSeverity |
 * | ALERT_WEBHOOK_URL | alerts.notifiers.webhooks (one) |
 * | ALERT_SLACK_WEBHOOK_URL | alerts.notifiers.slack (one) |
 * | ALERT_SMTP_URL, ALERT_EMAIL_FROM, ALERT_EMAIL_TO | alerts.notifiers.email (`to` comma-separated) |
 *
 * @example
 * PerformanceModule.forRoot({ ...performanceOptionsFromEnv(), headers: { 'X-Memory-Usage': false } })
 */
export function performanceOptionsFromEnv(env: Env = process.env): PerformanceModuleOptions & PerformanceModuleExtras {
  const read = new EnvReader(env);
  const statusEndpoint = read.string('STATUS_ENDPOINT');
  const options: PerformanceModuleOptions & PerformanceModuleExtras = {
    enabled: read.boolean('PERFORMANCE_MONITORING_ENABLED'),
    monitoring: compact({
      collectionIntervalSeconds: read.number('METRICS_COLLECTION_INTERVAL'),
      maxMemoryUsageMb: read.number('MAX_MEMORY_USAGE_MB'),
      maxCpuUsagePercent: read.number('MAX_CPU_USAGE_PERCENT'),
      history: compact({
        store: read.string('PERFORMANCE_HISTORY_STORE') as 'memory' | 'typeorm' | undefined,
        maxSnapshots: read.number('PERFORMANCE_HISTORY_MAX_SNAPSHOTS'),
        retentionDays: read.number('PERFORMANCE_HISTORY_RETENTION_DAYS'),
        maxPoints: read.number('PERFORMANCE_HISTORY_MAX_POINTS'),
        dataSource: read.string('PERFORMANCE_HISTORY_DATASOURCE'),
        runMigrations: read.boolean('PERFORMANCE_HISTORY_RUN_MIGRATIONS'),
      }),
      kpis: compact({
        p95Ms: read.number('KPI_P95_MS'),
        p99Ms: read.number('KPI_P99_MS'),
        minRequestsPerSecond: read.number('KPI_MIN_RPS'),
        maxCpuPercent: read.number('KPI_MAX_CPU_PERCENT'),
        maxMemoryPercent: read.number('KPI_MAX_MEMORY_PERCENT'),
        maxPoolPercent: read.number('KPI_MAX_POOL_PERCENT'),
        maxErrorRatePercent: read.number('KPI_MAX_ERROR_RATE_PERCENT'),
      }),
    }),
    alerts: alertsFromEnv(read),
    cache: compact({
      enabled: read.boolean('CACHE_ENABLED'),
      maxSize: read.number('CACHE_MAX_SIZE'),
      maxBytes: read.number('CACHE_MAX_BYTES'),
      maxEntryBytes: read.number('CACHE_MAX_ENTRY_BYTES'),
      ttl: read.number('CACHE_TTL'),
      store: read.string('CACHE_STORE') as 'memory' | 'redis' | 'two-tier' | undefined,
      staleWhileRevalidate: read.number('CACHE_STALE_WHILE_REVALIDATE'),
      redis: compact({ url: read.string('REDIS_URL'), keyPrefix: read.string('CACHE_REDIS_KEY_PREFIX') }),
      keySecret: read.string('CACHE_KEY_SECRET'),
      apiKeyHeaders: read.string('CACHE_API_KEY_HEADERS')?.split(',').map((h) => h.trim()).filter(Boolean),
    }),
    metrics: compact({
      enabled: read.boolean('METRICS_ENABLED'),
      endpoint: read.string('METRICS_ENDPOINT'),
      requireAdmin: read.boolean('METRICS_REQUIRE_ADMIN'),
    }),
    tracing: compact({ enabled: read.boolean('TRACING_ENABLED') }),
    health: compact({
      enabled: read.boolean('HEALTH_ENABLED'),
      endpoint: read.string('HEALTH_ENDPOINT'),
      timeoutMs: read.number('HEALTH_CHECK_TIMEOUT_MS'),
      readiness: compact({ cache: read.boolean('HEALTH_READINESS_CACHE') }),
    }),
    jobs: compact({
      enabled: read.boolean('JOBS_MONITORING_ENABLED'),
      overdueFactor: read.number('JOBS_OVERDUE_FACTOR'),
      failureRatePercent: compact({
        warning: read.number('JOBS_FAILURE_RATE_WARNING_PERCENT'),
        critical: read.number('JOBS_FAILURE_RATE_CRITICAL_PERCENT'),
      }),
    }),
    profiling: compact({ enabled: read.boolean('PROFILING_ENABLED'), maxSeconds: read.number('PROFILING_MAX_SECONDS') }),
    cacheWarming: compact({ enabled: read.boolean('CACHE_WARMING_ENABLED') }),
    status: compact({
      endpoint: statusEndpoint !== undefined && FALSE.has(statusEndpoint.toLowerCase()) ? false : statusEndpoint,
    }),
    admin: compact({ token: read.string('PERFORMANCE_ADMIN_TOKEN') }),
    adminPath: read.string('PERFORMANCE_ADMIN_PATH'),
    instanceId: read.string('PERFORMANCE_INSTANCE_ID'),
    database: compact({
      enabled: read.boolean('DB_INSTRUMENTATION_ENABLED'),
      slowQueryThresholdMs: read.number('DB_SLOW_QUERY_THRESHOLD_MS'),
      slowQueryLogSize: read.number('DB_SLOW_QUERY_LOG_SIZE'),
      maxFingerprints: read.number('DB_MAX_FINGERPRINTS'),
      n1Threshold: read.number('DB_N1_THRESHOLD'),
      n1LogSize: read.number('DB_N1_LOG_SIZE'),
      n1Header: read.boolean('DB_N1_HEADER'),
      logParameters: read.boolean('DB_LOG_PARAMETERS'),
      explainAnalyze: read.boolean('DB_EXPLAIN_ANALYZE'),
      allowSchemaChanges: read.boolean('DB_ALLOW_SCHEMA_CHANGES'),
      indexMinRows: read.number('DB_INDEX_MIN_ROWS'),
    }),
  };
  return compact(options) ?? {};
}
