import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as PromClient from 'prom-client';
import { requireOptional } from '../core/performance-errors';
import type { PrometheusRegistry } from '../core/options/metrics.options';

type PromModule = typeof PromClient;

const loadPromClient = (): PromModule => requireOptional<PromModule>('prom-client', 'cluster metrics', 'metrics: { enabled: false }');

/** Something that holds a prom-client registry: `PerformanceMetrics` (its `registry`) or a registry itself. */
export type ClusterMetricsSource = PrometheusRegistry | { readonly registry: PrometheusRegistry };

/**
 * Node cluster mode, worker side: answers the primary's aggregation requests
 * (prom-client's `AggregatorRegistry`) with the module's registry and any
 * others passed. Call it once in each worker, after the app is created.
 *
 * It replaces prom-client's list of aggregated registries (by default only
 * the global one): pass every registry the primary should see, and pass
 * registries that hold different metric names, or the primary sums them.
 * Outside a cluster worker it does nothing and returns `false`.
 *
 * @returns `true` in a cluster worker, `false` elsewhere.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * shareMetricsWithClusterPrimary(app.get(PerformanceMetrics));
 * await app.listen(3000);
 */
export function shareMetricsWithClusterPrimary(...sources: ClusterMetricsSource[]): boolean {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when an app shares metrics across a cluster
  const cluster = require('node:cluster') as typeof import('node:cluster').default;
  if (!cluster.isWorker) return false;
  if (sources.length === 0) throw new TypeError('shareMetricsWithClusterPrimary needs at least one registry');
  const prom = loadPromClient();
  const registries = sources.map((s) => ('registry' in s ? s.registry : s) as unknown as PromClient.Registry);
  prom.AggregatorRegistry.setRegistries(registries);
  // prom-client answers the primary only once an AggregatorRegistry was
  // constructed in the process: the constructor installs the IPC listener.
  new prom.AggregatorRegistry();
  return true;
}

/** A Node `http` request listener that answers the cluster's aggregated metrics. */
export type ClusterMetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Node cluster mode, primary side: a request listener that answers the
 * Prometheus text of every worker's metrics summed together (prom-client's
 * `AggregatorRegistry.clusterMetrics()`; counters and histograms summed,
 * gauges per their aggregator). Workers share theirs with
 * {@link shareMetricsWithClusterPrimary}. A worker that does not answer
 * within prom-client's 5 s makes the scrape a 500.
 *
 * @example
 * if (cluster.isPrimary) {
 *   for (let i = 0; i < 4; i++) cluster.fork();
 *   http.createServer(clusterMetricsHandler()).listen(9464); // scrape :9464/metrics
 * }
 */
export function clusterMetricsHandler(): ClusterMetricsHandler {
  const prom = loadPromClient();
  const aggregator = new prom.AggregatorRegistry();
  return (_req, res) => {
    aggregator.clusterMetrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': aggregator.contentType, 'Cache-Control': 'no-store' });
        res.end(text);
      },
      (error: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
        res.end(`could not aggregate cluster metrics: ${error.message}\n`);
      },
    );
  };
}
