import type * as PromClient from 'prom-client';
import { BucketSeries, bucketBounds, histogramMetric } from './bucket-series';

/** Labels of one series of the HTTP metrics. */
type HttpLabels = {
  readonly method: string;
  readonly route: string;
  readonly status_code: number;
};

/** One (method, route, status) series: what its responses added since start. */
class HttpSeries extends BucketSeries<HttpLabels> {
  /** Responses counted into `http_requests_total` already. */
  flushed = 0;
}

/**
 * The per-response half of `http_requests_total` and
 * `http_request_duration_seconds`: counts and bucket counts kept in plain
 * numbers per (route, status, method), handed to prom-client's registry when
 * it is scraped.
 *
 * Optimization: prom-client validates and hashes the labels of every
 * `inc()` and `observe()` (a string built per call); here a response costs
 * three Map lookups on strings and a number the router and Node already
 * hold, a bucket search and four additions. The counter stays a prom-client
 * `Counter` that takes the new responses at scrape time (`collect()`); the
 * histogram is a metric object of prom-client's shape (`get()` returning the
 * values its own Histogram would), so the registry, the text format and the
 * cluster aggregator treat both as their own.
 */
export class HttpRequestSeries {
  private readonly byRoute = new Map<string, Map<number, Map<string, HttpSeries>>>();
  private readonly all: HttpSeries[] = [];
  private readonly bounds: Float64Array;

  constructor(buckets: readonly number[]) {
    this.bounds = bucketBounds(buckets);
  }

  /** Counts one response. */
  record(method: string, route: string, status: number, seconds: number): void {
    let byStatus = this.byRoute.get(route);
    if (byStatus === undefined) this.byRoute.set(route, (byStatus = new Map()));
    let byMethod = byStatus.get(status);
    if (byMethod === undefined) byStatus.set(status, (byMethod = new Map()));
    let series = byMethod.get(method);
    if (series === undefined) {
      series = new HttpSeries({ method, route, status_code: status }, this.bounds.length);
      byMethod.set(method, series);
      this.all.push(series);
    }
    series.observe(seconds, this.bounds);
  }

  /** Forgets every series (the registry's `resetMetrics()`). */
  reset(): void {
    this.byRoute.clear();
    this.all.length = 0;
  }

  /** A prom-client `Counter` whose value is the responses counted here. */
  counter(prom: typeof PromClient, registers: PromClient.Registry[]): PromClient.Counter<keyof HttpLabels> {
    const self = this;
    const counter: PromClient.Counter<keyof HttpLabels> = new prom.Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      registers,
      collect() {
        for (const series of self.all) {
          const added = series.count - series.flushed;
          if (added > 0) {
            this.inc(series.labels, added);
            series.flushed = series.count;
          }
        }
      },
    });
    // resetMetrics() resets the counter; its series start again from here.
    const reset = counter.reset.bind(counter);
    counter.reset = () => {
      reset();
      for (const series of self.all) series.flushed = series.count;
    };
    return counter;
  }

  /** The `http_request_duration_seconds` histogram, as a metric object for a prom-client registry. */
  histogram(help: string): object {
    return histogramMetric(
      'http_request_duration_seconds',
      help,
      ['method', 'route', 'status_code'],
      this.bounds,
      () => this.all,
      () => this.reset(),
    );
  }
}
