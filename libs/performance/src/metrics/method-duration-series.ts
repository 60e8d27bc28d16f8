import type { TimedMethod } from '../timing/timed.decorator';

type MethodLabels = { readonly class: string; readonly method: string; readonly outcome: 'success' | 'error' };

/** One (class, method, outcome) series: its calls since start. */
class MethodSeries {
  count = 0;
  sum = 0;
  /** Calls per bucket (not cumulative); the last slot is above the highest bound. */
  readonly buckets: Float64Array;

  constructor(
    readonly labels: MethodLabels,
    bucketCount: number,
  ) {
    this.buckets = new Float64Array(bucketCount + 1);
  }
}

/** A value of prom-client's metric JSON (`metric.get()`), as its registry formats it. */
interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

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
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
  }

  /** Counts one finished call of `method`. */
  record(method: TimedMethod, seconds: number, failed: boolean): void {
    let pair = this.byMethod.get(method);
    if (pair === undefined) this.byMethod.set(method, (pair = [undefined, undefined]));
    const slot = failed ? 1 : 0;
    const series = pair[slot] ?? (pair[slot] = this.seriesOf(method, failed ? 'error' : 'success'));
    series.count++;
    series.sum += seconds;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    series.buckets[i]!++;
  }

  private seriesOf(method: TimedMethod, outcome: 'success' | 'error'): MethodSeries {
    const key = `${method.className}\u0000${method.method}\u0000${outcome}`;
    let series = this.byName.get(key);
    if (series === undefined) {
      series = new MethodSeries({ class: method.className, method: method.method, outcome }, this.bounds.length);
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
    const name = 'method_duration_seconds';
    return {
      name,
      help,
      type: 'histogram',
      aggregator: 'sum',
      labelNames: ['class', 'method', 'outcome'],
      reset: () => this.reset(),
      get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: this.values(name) }),
    };
  }

  private values(name: string): MetricValue[] {
    const values: MetricValue[] = [];
    const bounds = this.bounds;
    for (const series of this.all) {
      const { labels } = series;
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.buckets[i]!;
        values.push({ value: cumulative, labels: { ...labels, le: bounds[i]! }, metricName: `${name}_bucket` });
      }
      values.push({ value: series.count, labels: { ...labels, le: '+Inf' }, metricName: `${name}_bucket` });
      values.push({ value: series.sum, labels: { ...labels }, metricName: `${name}_sum` });
      values.push({ value: series.count, labels: { ...labels }, metricName: `${name}_count` });
    }
    return values;
  }
}
