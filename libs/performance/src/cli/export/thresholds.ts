/** One metric's levels of the app (`thresholds`), as `dashboard/config` lists them: `warning` past `good`, critical past `critical`. */
export interface ThresholdLevels {
  direction: 'above' | 'below';
  good?: number;
  info?: number;
  warning?: number;
  critical?: number;
}

/** What the exports read from `dashboard/config`. */
export interface ExportConfig {
  thresholds: Record<string, ThresholdLevels>;
  /** Seconds a rule must breach before the app's alert fires (`alerts.forSeconds`); absent from older versions. */
  alertForSeconds?: number;
}

/**
 * Each snapshot metric of the module's alert rules, as a PromQL expression
 * over the metrics the module exposes on /metrics, in the unit of the
 * threshold. `{S}` stands for the label matchers of `--selector` (empty
 * without it), `{S,}` for the same followed by a comma when not empty.
 */
export const PROMQL: Readonly<Record<string, { expr: string; summary: string; unit: string }>> = {
  p50Ms: {
    expr: 'histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket{S}[5m]))) * 1000',
    summary: 'HTTP p50 latency',
    unit: 'ms',
  },
  p99Ms: {
    expr: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{S}[5m]))) * 1000',
    summary: 'HTTP p99 latency',
    unit: 'ms',
  },
  meanMs: {
    expr: '1000 * sum(rate(http_request_duration_seconds_sum{S}[5m])) / sum(rate(http_request_duration_seconds_count{S}[5m]))',
    summary: 'HTTP mean latency',
    unit: 'ms',
  },
  poolWaiting: { expr: 'sum(db_pool_waiting_requests{S})', summary: 'callers waiting for a database connection', unit: '' },
  p95Ms: {
    expr: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{S}[5m]))) * 1000',
    summary: 'HTTP p95 latency',
    unit: 'ms',
  },
  errorRatePercent: {
    expr: '100 * sum(rate(http_requests_total{S,}status_code=~"5.."}[5m])) / sum(rate(http_requests_total{S}[5m]))',
    summary: 'share of HTTP responses that are 5xx',
    unit: '%',
  },
  cpuPercent: { expr: '100 * rate(process_cpu_seconds_total{S}[5m])', summary: 'process CPU (one core = 100 %)', unit: '%' },
  poolUtilizationPercent: {
    expr: '100 * max by (pool) (db_pool_connections{S,}state="busy"}) / max by (pool) (db_pool_connections{S,}state="max"})',
    summary: 'database pool connections in use',
    unit: '%',
  },
  dbMeanQueryMs: {
    expr: '1000 * sum(rate(db_query_duration_seconds_sum{S}[5m])) / sum(rate(db_query_duration_seconds_count{S}[5m]))',
    summary: 'mean SQL statement duration',
    unit: 'ms',
  },
  eventLoopLagP99Ms: { expr: '1000 * max(nodejs_eventloop_lag_p99_seconds{S})', summary: 'event-loop lag p99', unit: 'ms' },
  cacheHitRatePercent: {
    expr: '100 * sum(rate(cache_lookups_total{S,}status="hit"}[5m])) / sum(rate(cache_lookups_total{S}[5m]))',
    summary: 'response cache hit rate',
    unit: '%',
  },
};

/** Why a threshold of the app has no Prometheus rule. */
export const NO_PROMQL: Readonly<Record<string, string>> = {
  memoryPercent: 'the module divides RSS by the container or machine memory, which /metrics does not expose (use cAdvisor or node_exporter)',
  diskPercent: 'disk use is not on /metrics (use node_exporter: node_filesystem_avail_bytes)',
  loadPerCore: 'load average is not on /metrics (use node_exporter: node_load1)',
  slowQueriesPerHour: 'the slow-query count is not on /metrics (the app alerts on it itself)',
  cacheAvailabilityPercent: 'cache store errors are not on /metrics (the app alerts on it itself)',
  cacheMeanMs: 'cache lookup time is not on /metrics (the app alerts on it itself)',
  requestsPerSecond: 'throughput is judged only inside a load test: no standing alert',
  jobsPerMinute: 'jobs per minute is judged only inside a load test: no standing alert',
  jobFailureRatePercent: 'exported as NestjsPerformanceJobFailing (the app judges each job)',
  databasesDown: 'the app raises database-down itself from its health checks (see NestjsPerformanceCriticalAlertFiring)',
  cacheStoreDown: 'the app raises cache-store-down itself from its health checks',
};

/** Label matchers a user may add to every selector: `job="api",env=~"prod|staging"`. */
const SELECTOR = /^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*(,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*)*$/;

/** Checks `--selector`; returns it trimmed, or throws naming what is wrong. */
export function parseSelector(raw: string | undefined): string {
  if (raw === undefined || raw.trim() === '') return '';
  if (!SELECTOR.test(raw)) throw new Error(`--selector must be PromQL label matchers such as job="api",env=~"prod|staging" (got ${JSON.stringify(raw)})`);
  return raw.trim();
}

/** Fills the `{S}` / `{S,}` placeholders of an expression with the selector. */
export function withSelector(expr: string, selector: string): string {
  return expr.replaceAll('{S,}', selector ? `{${selector},` : '{').replaceAll('{S}', selector ? `{${selector}}` : '');
}
