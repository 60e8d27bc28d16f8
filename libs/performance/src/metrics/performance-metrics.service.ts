import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type * as PromClient from 'prom-client';
import { requireOptional } from '../core/performance-errors';
import type { PerformanceEvents, CacheEvent, QueryEvent } from '../core/context/performance-events.service';
import type { RequestContext } from '../core/context/request-context';
import type { AppDiscovery } from '../core/discovery/app-discovery.service';
import type { RequestTracker } from '../core/context/request-tracker.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { HttpRequestSeries } from './http-request-series';
import { MethodDurationSeries } from './method-duration-series';
import type { PrometheusRegistry } from '../core/options/metrics.options';
import { mergeAlertSources, mergeNPlusOneSources, mergePoolSources } from '../core/ports/merge-sources';
import { AlertsFiringSource, NPlusOneSource, PoolStatsSource } from '../core/ports/observability.port';
import type { MethodTimings } from '../timing/method-timings.service';

/**
 * The `route` label of every request that matched no route (404s, scans):
 * unknown paths collapse into this one series instead of one per URL.
 */
export const UNMATCHED_ROUTE = '<unmatched>';

/** The `operation` label values of the database metrics; anything else is `OTHER`. */
const OPERATIONS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'OTHER']);

/** Cache namespaces get their own series up to this many; later ones share `<other>`. */
const MAX_NAMESPACES = 200;

/**
 * The module's Prometheus metrics, on its own prom-client `Registry` (or the
 * app's, passed as `metrics.registry`), never the global one.
 *
 * HTTP metrics are recorded once per response, when it closes, from the
 * request tracker's context: no interceptor runs per request. Cache and
 * database metrics come from {@link PerformanceEvents}; pool, N+1 and alert
 * gauges are computed at scrape time from the sources registered under
 * {@link PoolStatsSource}, {@link NPlusOneSource} and {@link AlertsFiringSource}
 * in any module at start-up (the module's own features and the app's, added
 * together).
 *
 * | metric | type | labels |
 * |---|---|---|
 * | http_requests_total | counter | method, route, status_code |
 * | http_request_duration_seconds | histogram | method, route, status_code |
 * | http_requests_in_flight | gauge | |
 * | cache_lookups_total | counter | namespace, status (hit, miss, stale, bypass) |
 * | db_queries_total | counter | operation |
 * | db_query_duration_seconds | histogram | operation |
 * | db_query_errors_total | counter | operation |
 * | db_pool_connections | gauge | pool, state (open, idle, busy, max) |
 * | db_pool_waiting_requests | gauge | pool |
 * | db_n_plus_one_findings_total | counter | |
 * | performance_alerts_firing | gauge | severity |
 * | method_duration_seconds | histogram | class, method, outcome (success, error): each `@Timed()` method |
 * | prom-client's default metrics (process_*, nodejs_*) | | |
 *
 * Injectable when `metrics.enabled` (the default); `null` otherwise.
 *
 * @example
 * constructor(private readonly metrics: PerformanceMetrics) {}
 * // register an app metric beside the module's:
 * new Counter({ name: 'orders_total', help: '…', registers: [this.metrics.registry as Registry] });
 */
export class PerformanceMetrics implements OnApplicationBootstrap {
  private readonly registryRef: PromClient.Registry;
  private readonly http: HttpRequestSeries;
  private readonly cacheLookups: PromClient.Counter<'namespace' | 'status'>;
  private readonly dbQueries: PromClient.Counter<'operation'>;
  private readonly dbDuration: PromClient.Histogram<'operation'>;
  private readonly dbErrors: PromClient.Counter<'operation'>;
  private readonly namespaces = new Set<string>();
  private readonly prom: typeof PromClient;
  private sourcesAttached = false;
  private inFlight = 0;

  /** @internal */
  constructor(
    options: ResolvedPerformanceOptions,
    tracker: RequestTracker,
    events: PerformanceEvents,
    private readonly discovery?: AppDiscovery,
    timings?: MethodTimings | null,
  ) {
    const prom = requireOptional<typeof PromClient>('prom-client', 'Prometheus metrics', 'metrics: { enabled: false }');
    this.prom = prom;
    const registry = (options.metrics.registry as PromClient.Registry | undefined) ?? new prom.Registry();
    this.registryRef = registry;
    const registers = [registry];
    const self = this;

    this.http = new HttpRequestSeries(options.metrics.durationBuckets);
    this.http.counter(prom, registers);
    registry.registerMetric(this.http.histogram('Time from the request arriving to its response being sent, in seconds.') as PromClient.Metric);
    new prom.Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being served now.',
      registers,
      collect() {
        this.set(self.inFlight);
      },
    });
    this.cacheLookups = new prom.Counter({
      name: 'cache_lookups_total',
      help: 'Response cache lookups, by namespace and result (hit, miss, stale, bypass).',
      labelNames: ['namespace', 'status'],
      registers,
    });
    this.dbQueries = new prom.Counter({
      name: 'db_queries_total',
      help: 'SQL statements run, by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.dbDuration = new prom.Histogram({
      name: 'db_query_duration_seconds',
      help: 'Duration of SQL statements, by operation, in seconds.',
      labelNames: ['operation'],
      buckets: [...options.metrics.queryDurationBuckets],
      registers,
    });
    this.dbErrors = new prom.Counter({
      name: 'db_query_errors_total',
      help: 'SQL statements that failed, by operation.',
      labelNames: ['operation'],
      registers,
    });
    if (options.metrics.defaultMetrics) prom.collectDefaultMetrics({ register: registry });

    if (timings) {
      // Bucket counts per decorated method, read by the registry at scrape time (no label hashing per call).
      const methods = new MethodDurationSeries(options.metrics.durationBuckets);
      registry.registerMetric(
        methods.histogram('Duration of the calls of @Timed() methods, by class, method and outcome (success, error), in seconds.') as PromClient.Metric,
      );
      timings.observe((m, seconds, failed) => methods.record(m, seconds, failed));
    }

    tracker.observe(this);
    events.onQuery((event) => this.recordQuery(event));
    events.onCache((event) => this.recordCache(event));
  }

  /** Finds the pool, N+1 and alert sources of every module, once all providers exist. */
  onApplicationBootstrap(): void {
    if (!this.discovery) return;
    this.attachSources(
      mergePoolSources(this.discovery.instancesOf<PoolStatsSource>(PoolStatsSource)),
      mergeNPlusOneSources(this.discovery.instancesOf<NPlusOneSource>(NPlusOneSource)),
      mergeAlertSources(this.discovery.instancesOf<AlertsFiringSource>(AlertsFiringSource)),
    );
  }

  /**
   * @internal Registers the gauges read at scrape time from the given
   * sources; the gauges of a missing source are left out. Once only.
   */
  attachSources(pools?: PoolStatsSource, nPlusOne?: NPlusOneSource, alerts?: AlertsFiringSource): void {
    if (this.sourcesAttached) return;
    this.sourcesAttached = true;
    const { prom } = this;
    const registers = [this.registryRef];
    if (pools) {
      new prom.Gauge({
        name: 'db_pool_connections',
        help: 'Database pool connections by state (open, idle, busy) and the pool maximum (max).',
        labelNames: ['pool', 'state'],
        registers,
        collect() {
          this.reset();
          for (const p of pools.pools()) {
            this.set({ pool: p.name, state: 'open' }, p.total);
            this.set({ pool: p.name, state: 'idle' }, p.idle);
            this.set({ pool: p.name, state: 'busy' }, Math.max(0, p.total - p.idle));
            this.set({ pool: p.name, state: 'max' }, p.max);
          }
        },
      });
      new prom.Gauge({
        name: 'db_pool_waiting_requests',
        help: 'Callers waiting for a database pool connection.',
        labelNames: ['pool'],
        registers,
        collect() {
          this.reset();
          for (const p of pools.pools()) this.set({ pool: p.name }, p.waiting);
        },
      });
    }
    if (nPlusOne) {
      new prom.Counter({
        name: 'db_n_plus_one_findings_total',
        help: 'N+1 query patterns found in requests since start.',
        registers,
        collect() {
          // The source holds the count; mirror it at scrape time.
          this.reset();
          this.inc(nPlusOne.nPlusOneFindings());
        },
      });
    }
    if (alerts) {
      new prom.Gauge({
        name: 'performance_alerts_firing',
        help: 'Performance alerts firing now, by severity.',
        labelNames: ['severity'],
        registers,
        collect() {
          this.reset();
          for (const [severity, count] of Object.entries(alerts.firingBySeverity())) this.set({ severity }, count);
        },
      });
    }
  }

  /** The registry the metrics live in (the module's own unless the app passed one). */
  get registry(): PrometheusRegistry {
    return this.registryRef as unknown as PrometheusRegistry;
  }

  /** The Prometheus text exposition of every metric of the registry. @internal */
  scrape(): Promise<string> {
    return this.registryRef.metrics();
  }

  /** Content type of {@link scrape}'s text. @internal */
  get contentType(): string {
    return this.registryRef.contentType;
  }

  /** @internal Called by the request tracker for each request. */
  requestStarted(_ctx: RequestContext, _req: IncomingMessage): void {
    this.inFlight++;
  }

  /** @internal Called by the request tracker once per response. */
  responseClosed(ctx: RequestContext, res: ServerResponse): void {
    this.inFlight--;
    // A client that left before the response was sent got no response to count.
    if (!res.writableFinished) return;
    // The tracker's clock read at close, shared with the other observers.
    this.http.record(ctx.method, ctx.route ?? UNMATCHED_ROUTE, res.statusCode, ((ctx.closedAt || performance.now()) - ctx.startedAt) / 1000);
  }

  private recordQuery(event: QueryEvent): void {
    const operation = OPERATIONS.has(event.operation) ? event.operation : 'OTHER';
    this.dbQueries.inc({ operation });
    this.dbDuration.observe({ operation }, event.durationMs / 1000);
    if (!event.success) this.dbErrors.inc({ operation });
  }

  private recordCache(event: CacheEvent): void {
    let namespace = event.namespace;
    if (!this.namespaces.has(namespace)) {
      if (this.namespaces.size >= MAX_NAMESPACES) namespace = '<other>';
      else this.namespaces.add(namespace);
    }
    this.cacheLookups.inc({ namespace, status: event.status.toLowerCase() });
  }
}
