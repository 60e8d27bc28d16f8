import { z } from 'zod';
import { DEFAULT_DURATION_BUCKETS, DEFAULT_QUERY_DURATION_BUCKETS, type MetricsOptions, type PrometheusRegistry } from '../metrics.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';
import { rootPath } from './paths';

const buckets = z
  .array(z.number().positive())
  .min(1)
  .max(50)
  .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'must be strictly increasing');

/** The `metrics` section: checks, defaults, variables and docs of each option. */
export const metricsOptionsSchema = section({
  enabled: option(z.boolean(), {
    default: true,
    env: 'METRICS_ENABLED',
    doc: 'Prometheus metrics and their endpoint (prom-client is loaded only then)',
  }),
  endpoint: option(rootPath, { default: '/metrics', env: 'METRICS_ENDPOINT', doc: 'Prometheus endpoint, at the server root' }),
  requireAdmin: option(z.boolean(), {
    default: false,
    env: 'METRICS_REQUIRE_ADMIN',
    doc: 'the metrics endpoint answers 401 without the admin token',
  }),
  durationBuckets: option(buckets, { default: DEFAULT_DURATION_BUCKETS, doc: '`http_request_duration_seconds` buckets, seconds' }),
  queryDurationBuckets: option(buckets, { default: DEFAULT_QUERY_DURATION_BUCKETS, doc: '`db_query_duration_seconds` buckets, seconds' }),
  defaultMetrics: option(z.boolean(), { default: true, doc: "prom-client's default process metrics" }),
  registry: option(
    z.custom<PrometheusRegistry>(
      (v) => typeof v === 'object' && v !== null && typeof (v as PrometheusRegistry).registerMetric === 'function',
      'must be a prom-client Registry',
    ),
    { defaultDoc: "the module's own", doc: 'a prom-client `Registry` of the app to record in' },
  ),
});

/** Metrics options after validation and defaults. */
export type ResolvedMetricsOptions = Frozen<z.output<typeof metricsOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link MetricsOptions}. */
export type MetricsSchemaChecks = Checked<SameShape<z.input<typeof metricsOptionsSchema>, MetricsOptions | undefined>>;
