/**
 * What the module needs of a prom-client `Registry`: the app may pass its own
 * (typed structurally, so the library's types do not import prom-client).
 */
export interface PrometheusRegistry {
  registerMetric(metric: never): void;
  metrics(): Promise<string>;
  readonly contentType: string;
  getSingleMetric(name: string): unknown;
}

/**
 * The `metrics` section of the module options: Prometheus metrics with
 * prom-client, on the module's own registry.
 *
 * @example
 * PerformanceModule.forRoot({ metrics: { durationBuckets: [0.01, 0.05, 0.1, 0.5, 1], requireAdmin: true } })
 */
export interface MetricsOptions {
  /**
   * Record Prometheus metrics and mount the endpoint. Needs `prom-client`.
   * Env: `METRICS_ENABLED`.
   * @default true
   */
  enabled?: boolean;
  /**
   * Path of the Prometheus endpoint, at the server root (outside any global
   * prefix). Env: `METRICS_ENDPOINT`.
   * @default '/metrics'
   */
  endpoint?: string;
  /**
   * Answer the endpoint only to a caller with the admin credential
   * (`Authorization: Bearer <admin token>`). Env: `METRICS_REQUIRE_ADMIN`.
   * @default false
   */
  requireAdmin?: boolean;
  /**
   * Upper bounds, in seconds, of the `http_request_duration_seconds` buckets.
   * @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
   */
  durationBuckets?: number[];
  /**
   * Upper bounds, in seconds, of the `db_query_duration_seconds` buckets.
   * @default [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
   */
  queryDurationBuckets?: number[];
  /**
   * Also collect prom-client's default process metrics (event loop lag, GC, heap, CPU).
   * @default true
   */
  defaultMetrics?: boolean;
  /**
   * A prom-client `Registry` of the app to register the metrics in, instead of
   * the module's own. The global registry is never used unless passed here.
   */
  registry?: PrometheusRegistry;
}

/** Default buckets of `http_request_duration_seconds`, in seconds. */
export const DEFAULT_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Default buckets of `db_query_duration_seconds`, in seconds. */
export const DEFAULT_QUERY_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
