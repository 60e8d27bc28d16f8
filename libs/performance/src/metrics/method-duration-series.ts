import type { TimedMethod } from '../timing/timed.decorator';
import { BucketSeries, bucketBounds, histogramMetric } from './bucket-series';

type MethodLabels = { readonly class: string; readonly method: string; readonly outcome: 'success' | 'error' };
type MethodSeries = BucketSeries<MethodLabels>;

/**
 * `method_duration_seconds`, the histogram of `@Timed()` calls by class,
 * method and outcome: bucket counts kept in plain numbers per decorated
 * method, handed to prom-client's registry when it is scraped.
 *
 * Optimization: prom-client's `Histogram.observe()` validates and hashes the
 * labels of every call (a string built per call); here a call costs one Map
 * lookup by the decorated method's object, a bucket search and three
 * additions. The metric object has prom-client's shape (`get()` returning
 * what its Histogram would), so the registry, the text format and the
 * cluster aggregator treat it as their own.
 */
export class MethodDurationSeries {
  /** [success, error] series per decorated method object. */
  private readonly byMethod = new Map<TimedMethod, [MethodSeries | undefined, MethodSeries | undefined]>();
  /** The same series by label set: two decorated methods of one name share their series. */
  private readonly byName = new Map<string, MethodSeries>();
  private readonly all: MethodSeries[] = [];
  private readonly bounds: Float64Array;

  constructor(buckets: readonly number[]) {
    this.bounds = bucketBounds(buckets);
  }

  /** Counts one finished call of `method`. */
  record(method: TimedMethod, seconds: number, failed: boolean): void {
    let pair = this.byMethod.get(method);
    if (pair === undefined) this.byMethod.set(method, (pair = [undefined, undefined]));
    const slot = failed ? 1 : 0;
    const series = pair[slot] ?? (pair[slot] = this.seriesOf(method, failed ? 'error' : 'success'));
    series.observe(seconds, this.bounds);
  }

  private seriesOf(method: TimedMethod, outcome: 'success' | 'error'): MethodSeries {
    const key = `${method.className}\u0000${method.method}\u0000${outcome}`;
    let series = this.byName.get(key);
    if (series === undefined) {
      series = new BucketSeries<MethodLabels>({ class: method.className, method: method.method, outcome }, this.bounds.length);
      this.byName.set(key, series);
      this.all.push(series);
    }
    return series;
  }

  /** Forgets every series (the registry's `resetMetrics()`). */
  reset(): void {
    this.byMethod.clear();
    this.byName.clear();
    this.all.length = 0;
  }

  /** The histogram, as a metric object for a prom-client registry. */
  histogram(help: string): object {
    return histogramMetric(
      'method_duration_seconds',
      help,
      ['class', 'method', 'outcome'],
      this.bounds,
      () => this.all,
      () => this.reset(),
    );
  }
}
