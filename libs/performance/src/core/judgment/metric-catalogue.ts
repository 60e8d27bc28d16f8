import type { ThresholdMetric } from '../options/thresholds.options';

/** The part of the health score a metric counts in. */
export type HealthPart = 'database' | 'system' | 'cache';

/** The parts of the health score, in display order. */
export const HEALTH_PARTS: readonly HealthPart[] = ['database', 'system', 'cache'];

/** What the module knows of one judged metric besides its levels. */
export interface MetricDefinition {
  /** The KPI's name in `kpis`. */
  readonly kpi: string;
  /** How people read it: `Response time p95`. */
  readonly label: string;
  readonly unit: string;
  /** `above`: higher is worse (latency); `below`: lower is worse (hit rate, throughput). */
  readonly direction: 'above' | 'below';
  /** The part of the health score it counts in; null when it is no part of it. */
  readonly part: HealthPart | null;
  /**
   * `always`: judged in every window that measured it. `under-load`: a
   * capacity figure, judged only on a window that lay wholly inside a load
   * test (a quiet app is not slow because few requests came).
   */
  readonly judged: 'always' | 'under-load';
  /**
   * How its alert is raised: `metric` (a rule on the snapshot), `per-job`
   * (the `job-failure-rate` rule, one alert per job), `outage` (the
   * `database-down` and `cache-store-down` rules, one alert per store, from
   * the same health checks), or `none` (a capacity figure, reported by KPIs
   * and load tests).
   */
  readonly alert: 'metric' | 'per-job' | 'outage' | 'none';
  /** The default levels; `false`: not judged unless the app sets levels. */
  readonly defaults: { readonly good: number; readonly critical: number | false } | false;
  /** Where the default comes from, for the docs. */
  readonly why: string;
}

const ms = 'ms';
const pct = '%';

/**
 * Every judged metric: its KPI name, label, unit, direction, part of the
 * health score and default levels. The defaults are the numbers of common
 * practice (API p95 under 200 ms, p99 under 500 ms, error rate under 0.1 %,
 * CPU under 70 %, memory under 80 %, pool under 80 %, job failures under 1 %).
 */
export const METRIC_CATALOGUE: Readonly<Record<ThresholdMetric, MetricDefinition>> = {
  p50Ms: {
    kpi: 'responseTimeP50',
    label: 'Response time p50',
    unit: ms,
    direction: 'above',
    part: null,
    judged: 'always',
    alert: 'metric',
    defaults: { good: 100, critical: 500 },
    why: 'half the p95 target; critical where the p95 is',
  },
  p95Ms: {
    kpi: 'responseTimeP95',
    label: 'Response time p95',
    unit: ms,
    direction: 'above',
    part: null,
    judged: 'always',
    alert: 'metric',
    defaults: { good: 200, critical: 500 },
    why: 'API p95 target 200 ms; red from 500 ms',
  },
  p99Ms: {
    kpi: 'responseTimeP99',
    label: 'Response time p99',
    unit: ms,
    direction: 'above',
    part: null,
    judged: 'always',
    alert: 'metric',
    defaults: { good: 500, critical: 1000 },
    why: 'API p99 target 500 ms; critical at twice that',
  },
  meanMs: {
    kpi: 'responseTimeMean',
    label: 'Response time mean',
    unit: ms,
    direction: 'above',
    part: null,
    judged: 'always',
    alert: 'metric',
    defaults: { good: 100, critical: 1000 },
    why: 'mean response time alert at 1 s',
  },
  errorRatePercent: {
    kpi: 'errorRate',
    label: 'Error rate',
    unit: pct,
    direction: 'above',
    part: null,
    judged: 'always',
    alert: 'metric',
    defaults: { good: 0.1, critical: 5 },
    why: 'error rate target 0.1 %; critical above 5 %',
  },
  requestsPerSecond: {
    kpi: 'throughput',
    label: 'Throughput',
    unit: 'req/s',
    direction: 'below',
    part: null,
    judged: 'under-load',
    alert: 'none',
    defaults: { good: 1000, critical: 500 },
    why: 'target 1000 req/s; 500 req/s sustained at the least',
  },
  cpuPercent: {
    kpi: 'cpuUsage',
    label: 'CPU usage',
    unit: pct,
    direction: 'above',
    part: 'system',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 70, critical: 95 },
    why: 'CPU target 70 %; critical above 95 %',
  },
  memoryPercent: {
    kpi: 'memoryUsage',
    label: 'Memory usage',
    unit: pct,
    direction: 'above',
    part: 'system',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 80, critical: 95 },
    why: 'memory target 80 %; critical above 95 %',
  },
  diskPercent: {
    kpi: 'diskUsage',
    label: 'Disk usage',
    unit: pct,
    direction: 'above',
    part: 'system',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 85, critical: 95 },
    why: 'disk normal under 85 %; critical above 95 %',
  },
  eventLoopLagP99Ms: {
    kpi: 'eventLoopLag',
    label: 'Event loop lag p99',
    unit: ms,
    direction: 'above',
    part: 'system',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 200, critical: 1000 },
    why: 'every request waits as long: 200 ms is where readiness may shed load',
  },
  loadPerCore: {
    kpi: 'loadAverage',
    label: 'Load average (1 min) per core',
    unit: '',
    direction: 'above',
    part: 'system',
    judged: 'always',
    alert: 'metric',
    defaults: false,
    why: "off by default: it is the host's, so in a container or on a shared machine it counts other processes' work; common levels are 1.5 and 2 per core",
  },
  dbMeanQueryMs: {
    kpi: 'dbMeanQueryTime',
    label: 'Mean query time',
    unit: ms,
    direction: 'above',
    part: 'database',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 100, critical: 1000 },
    why: 'average query under 100 ms; critical above 1000 ms',
  },
  slowQueriesPerHour: {
    kpi: 'slowQueriesPerHour',
    label: 'Slow queries per hour',
    unit: '/h',
    direction: 'above',
    part: 'database',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 10, critical: 100 },
    why: 'under 10 an hour; critical above 100',
  },
  poolUtilizationPercent: {
    kpi: 'poolUsage',
    label: 'Connection pool usage',
    unit: pct,
    direction: 'above',
    part: 'database',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 80, critical: 95 },
    why: 'pool target 80 %; critical above 95 %',
  },
  poolWaiting: {
    kpi: 'poolWaiting',
    label: 'Callers waiting for a connection',
    unit: '',
    direction: 'above',
    part: 'database',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 5, critical: 20 },
    why: 'pool overflow warning above 5, critical above 20',
  },
  databasesDown: {
    kpi: 'databasesUp',
    label: 'Databases down',
    unit: '',
    direction: 'above',
    part: 'database',
    judged: 'always',
    alert: 'outage',
    defaults: { good: 0, critical: 0 },
    why: 'a database that does not answer is critical',
  },
  cacheHitRatePercent: {
    kpi: 'cacheHitRate',
    label: 'Cache hit rate',
    unit: pct,
    direction: 'below',
    part: 'cache',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 70, critical: false },
    why: 'needs improvement below 70 %; never critical (it follows the workload)',
  },
  cacheAvailabilityPercent: {
    kpi: 'cacheAvailability',
    label: 'Cache availability',
    unit: pct,
    direction: 'below',
    part: 'cache',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 99.5, critical: 95 },
    why: 'cache availability target 99.5 %; critical below 95 %',
  },
  cacheMeanMs: {
    kpi: 'cacheLatency',
    label: 'Cache operation time',
    unit: ms,
    direction: 'above',
    part: 'cache',
    judged: 'always',
    alert: 'metric',
    defaults: { good: 20, critical: 50 },
    why: 'cache response time good under 20 ms; critical above 50 ms',
  },
  cacheStoreDown: {
    kpi: 'cacheStoreUp',
    label: 'Cache store down',
    unit: '',
    direction: 'above',
    part: 'cache',
    judged: 'always',
    alert: 'outage',
    defaults: { good: 0, critical: false },
    why: 'cache unavailable is a warning: requests go on without the cache',
  },
  jobFailureRatePercent: {
    kpi: 'jobFailureRate',
    label: 'Job failure rate',
    unit: pct,
    direction: 'above',
    part: null,
    judged: 'always',
    alert: 'per-job',
    defaults: { good: 1, critical: 5 },
    why: 'job failure target 1 %; critical above 5 %, as for the error rate',
  },
  jobsPerMinute: {
    kpi: 'jobThroughput',
    label: 'Jobs per minute',
    unit: '/min',
    direction: 'below',
    part: null,
    judged: 'under-load',
    alert: 'none',
    defaults: { good: 500, critical: 100 },
    why: 'target 500 a minute; 100 a minute at the least',
  },
};
