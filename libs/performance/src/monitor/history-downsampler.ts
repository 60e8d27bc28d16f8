import { SNAPSHOT_METRICS, roundTo, type MetricsSnapshot, type SnapshotMetric } from './metrics-snapshot';

/** One point of `metrics/history`: the mean of the snapshots in its time bucket. */
export type HistoryPoint = { readonly timestamp: string; readonly samples: number } & {
  readonly [K in SnapshotMetric]: number | null;
};

/** The body of `metrics/history`. */
export interface MetricsHistory {
  readonly hours: number;
  readonly from: string;
  readonly to: string;
  /** Seconds each point covers (the sampler interval when not downsampled). */
  readonly bucketSeconds: number | null;
  /** Snapshots read before downsampling. */
  readonly snapshots: number;
  readonly points: readonly HistoryPoint[];
}

// Counters are summed over a bucket; the worst value is kept for maxima; the rest are averaged.
const SUMMED = new Set<SnapshotMetric>(['requests', 'errors', 'cacheLookups', 'dbQueries', 'intervalSeconds']);
const MAXED = new Set<SnapshotMetric>(['maxMs']);

function pointOf(snapshots: readonly MetricsSnapshot[], timestamp: string): HistoryPoint {
  const point: Record<string, number | string | null> = { timestamp, samples: snapshots.length };
  for (const key of SNAPSHOT_METRICS) {
    let sum = 0;
    let n = 0;
    let max = -Infinity;
    for (const s of snapshots) {
      const v = s[key];
      if (v === null || v === undefined) continue;
      sum += v;
      n++;
      if (v > max) max = v;
    }
    point[key] = n === 0 ? null : SUMMED.has(key) ? roundTo(sum) : MAXED.has(key) ? roundTo(max) : roundTo(sum / n);
  }
  return point as unknown as HistoryPoint;
}

/**
 * Reduces snapshots (oldest first) to at most `maxPoints` points: the range
 * `[fromMs, toMs)` is cut into equal buckets and each non-empty bucket
 * becomes the mean of its snapshots (counters summed, maxima kept).
 */
export function downsample(snapshots: readonly MetricsSnapshot[], fromMs: number, toMs: number, maxPoints: number): HistoryPoint[] {
  if (snapshots.length <= maxPoints) return snapshots.map((s) => pointOf([s], s.timestamp));
  const width = (toMs - fromMs) / maxPoints;
  const buckets: MetricsSnapshot[][] = Array.from({ length: maxPoints }, () => []);
  for (const s of snapshots) {
    const i = Math.min(maxPoints - 1, Math.max(0, Math.floor((Date.parse(s.timestamp) - fromMs) / width)));
    buckets[i]!.push(s);
  }
  const out: HistoryPoint[] = [];
  buckets.forEach((bucket, i) => {
    if (bucket.length) out.push(pointOf(bucket, new Date(fromMs + (i + 0.5) * width).toISOString()));
  });
  return out;
}
