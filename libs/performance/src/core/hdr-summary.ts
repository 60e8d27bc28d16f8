/** What {@link hdrSummary} reads of an `hdr-histogram-js` histogram. */
export interface HdrReadable {
  readonly totalCount: number;
  readonly maxValue: number;
  readonly mean: number;
  getValueAtPercentile(percentile: number): number;
}

/** Mean, p50, p95, p99 and max of one histogram, in its unit. */
export interface HdrSummary {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * The summary of an HDR histogram, every figure from that one histogram and
 * in order by construction: p50 <= p95 <= p99 <= max, mean <= max.
 *
 * A percentile of an HDR histogram is the top of the bucket it falls in (up
 * to 0.1 % above the values recorded there, with 3 significant digits),
 * while its max is the largest value recorded: read raw, p99 could say
 * 49.15 ms beside a max of 49.14 ms. Each figure is held at the max.
 * All zero when nothing was recorded.
 */
export function hdrSummary(histogram: HdrReadable): HdrSummary {
  if (histogram.totalCount === 0) return { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  const max = histogram.maxValue;
  const p50 = Math.min(histogram.getValueAtPercentile(50), max);
  const p95 = Math.min(Math.max(histogram.getValueAtPercentile(95), p50), max);
  const p99 = Math.min(Math.max(histogram.getValueAtPercentile(99), p95), max);
  return { mean: Math.min(histogram.mean, max), p50, p95, p99, max };
}
