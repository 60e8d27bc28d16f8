/** A value of prom-client's metric JSON (`metric.get()`), as its registry formats it. */
interface MetricValue {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

/** One labelled series of a histogram kept in plain numbers: its observations since start. */
export class BucketSeries<L extends Readonly<Record<string, string | number>>> {
  count = 0;
  sum = 0;
  /** Observations per bucket (not cumulative); the last slot is above the highest bound. */
  readonly buckets: Float64Array;

  constructor(
    readonly labels: L,
    bucketCount: number,
  ) {
    this.buckets = new Float64Array(bucketCount + 1);
  }

  /** Counts one observation against the sorted bucket `bounds`. */
  observe(seconds: number, bounds: Float64Array): void {
    this.count++;
    this.sum += seconds;
    let i = 0;
    while (i < bounds.length && seconds > bounds[i]!) i++;
    this.buckets[i]!++;
  }
}

/** Sorted upper bounds of histogram buckets. */
export function bucketBounds(buckets: readonly number[]): Float64Array {
  return Float64Array.from([...buckets].sort((a, b) => a - b));
}

/**
 * A histogram of prom-client's shape (`get()` returning what its own
 * Histogram would) over series kept in plain numbers, so the registry, the
 * text format and the cluster aggregator treat it as their own.
 */
export function histogramMetric(
  name: string,
  help: string,
  labelNames: readonly string[],
  bounds: Float64Array,
  series: () => readonly BucketSeries<Readonly<Record<string, string | number>>>[],
  reset: () => void,
): object {
  const values = (): MetricValue[] => {
    const out: MetricValue[] = [];
    for (const { labels, buckets, count, sum } of series()) {
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += buckets[i]!;
        out.push({ value: cumulative, labels: { ...labels, le: bounds[i]! }, metricName: `${name}_bucket` });
      }
      out.push({ value: count, labels: { ...labels, le: '+Inf' }, metricName: `${name}_bucket` });
      out.push({ value: sum, labels: { ...labels }, metricName: `${name}_sum` });
      out.push({ value: count, labels: { ...labels }, metricName: `${name}_count` });
    }
    return out;
  };
  return {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    labelNames: [...labelNames],
    reset,
    get: async () => ({ name, help, type: 'histogram', aggregator: 'sum', values: values() }),
  };
}
