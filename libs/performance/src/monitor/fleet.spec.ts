import { describe, expect, it } from 'vitest';
import { fleetTotals, type CountedSnapshot } from './fleet';
import {
  MAX_ENCODED_HISTOGRAM_CHARS,
  STORED_HISTOGRAM_DIGITS,
  decodeLatencyHistogram,
  encodeLatencyHistogram,
  latencyHistogram,
  latencyPercentiles,
} from './latency-histogram';

/** A snapshot of `instanceId` whose requests took `durationsMs` (recorded as the monitor does, at three digits), `errors` of them failing. */
function snapshotOf(instanceId: string, durationsMs: number[], errors = 0, intervalSeconds = 10): CountedSnapshot & { p50Ms: number | null } {
  const h = latencyHistogram(3);
  for (const ms of durationsMs) h.recordValue(Math.round(ms * 1000));
  const { p50Ms, maxMs } = latencyPercentiles(h);
  return { instanceId, intervalSeconds, requests: durationsMs.length, errors, p50Ms, maxMs, latencyHistogram: encodeLatencyHistogram(h) };
}

const range = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));

describe('latency histograms', () => {
  it('round-trip through the encoding with every count: exactly at two significant digits, within 1 % from the three the monitor records with', () => {
    const recorded = latencyHistogram(3);
    const stored = latencyHistogram(2);
    for (const us of range(500, (i) => 100 + i * 37)) {
      recorded.recordValue(us);
      stored.recordValue(us);
    }
    for (const h of [recorded, stored]) {
      const back = decodeLatencyHistogram(encodeLatencyHistogram(h)!)!;
      expect(back.totalCount).toBe(500);
      expect(back.numberOfSignificantValueDigits).toBe(STORED_HISTOGRAM_DIGITS);
      for (const p of [50, 95, 99]) {
        expect(back.getValueAtPercentile(p)).toBe(stored.getValueAtPercentile(p));
        expect(Math.abs(back.getValueAtPercentile(p) - recorded.getValueAtPercentile(p))).toBeLessThanOrEqual(recorded.getValueAtPercentile(p) / 100);
      }
    }
  });

  it('stay within the bounded size whatever the traffic', () => {
    const h = latencyHistogram(3);
    // Log-uniform over 1 µs to 1 h: the worst case for the layout (~22 KiB if it were stored at three digits).
    for (let i = 0; i < 200_000; i++) h.recordValue(Math.floor(Math.exp((((i * 7919) % 200_000) / 200_000) * Math.log(3.6e9))) + 1);
    const text = encodeLatencyHistogram(h)!;
    expect(text.length).toBeLessThanOrEqual(MAX_ENCODED_HISTOGRAM_CHARS);
    const back = decodeLatencyHistogram(text)!;
    expect(back.totalCount).toBe(200_000);
    // Stored at two significant digits: within 1 % of the exact percentile.
    expect(Math.abs(back.getValueAtPercentile(95) - h.getValueAtPercentile(95)) / h.getValueAtPercentile(95)).toBeLessThan(0.01);
  });

  it('encode an empty histogram as null, and refuse text that is not one', () => {
    expect(encodeLatencyHistogram(latencyHistogram())).toBeNull();
    expect(decodeLatencyHistogram('not a histogram')).toBeUndefined();
  });
});

describe('fleetTotals', () => {
  it('merges the percentiles of the instances instead of averaging them', () => {
    // A: 30 fast requests (1-2 ms); B: 50 slow ones (40-60 ms) with 5 errors.
    const fast = range(30, (i) => 1 + i / 30);
    const slow = range(50, (i) => 40 + (i * 20) / 50);
    const a = snapshotOf('a', fast);
    const b = snapshotOf('b', slow, 5);
    const totals = fleetTotals([a, b]);

    const one = latencyHistogram();
    for (const ms of [...fast, ...slow]) one.recordValue(Math.round(ms * 1000));
    expect(totals).toMatchObject({ instances: 2, snapshots: 2, requests: 80, errors: 5, errorRatePercent: 6.25, requestsPerSecond: 8 });
    // Read as the top of each bucket, capped at the slowest response.
    const exact = latencyPercentiles(one);
    const cap = (v: number | null) => Math.min(v!, exact.maxMs!);
    expect({ p50Ms: totals.p50Ms, p95Ms: totals.p95Ms, p99Ms: totals.p99Ms, maxMs: totals.maxMs }).toEqual({
      p50Ms: cap(exact.p50Ms),
      p95Ms: cap(exact.p95Ms),
      p99Ms: cap(exact.p99Ms),
      maxMs: exact.maxMs,
    });
    expect(totals.p99Ms).toBeLessThanOrEqual(totals.maxMs!);
    // The average of the two medians falls between the groups, where no request was.
    const averaged = (a.p50Ms! + b.p50Ms!) / 2;
    expect(averaged).toBeLessThan(40);
    expect(totals.p50Ms).toBeGreaterThanOrEqual(40);
  });

  it('sums each instance’s rate over the seconds its own snapshots cover', () => {
    const a1 = snapshotOf(
      'a',
      range(10, () => 1),
      0,
      10,
    );
    const a2 = snapshotOf(
      'a',
      range(30, () => 1),
      0,
      10,
    );
    const b = snapshotOf(
      'b',
      range(60, () => 1),
      0,
      60,
    );
    // a: 40 requests in 20 s = 2/s; b: 60 in 60 s = 1/s.
    expect(fleetTotals([a1, a2, b]).requestsPerSecond).toBe(3);
  });

  it('counts the requests (and the max) of snapshots without a histogram, but leaves them out of the percentiles and says so', () => {
    const old = {
      ...snapshotOf(
        'old',
        range(10, () => 500),
      ),
      latencyHistogram: undefined,
    };
    const totals = fleetTotals([
      old,
      snapshotOf(
        'new',
        range(10, () => 2),
      ),
    ]);
    expect(totals.requests).toBe(20);
    expect(totals.snapshotsWithoutHistogram).toBe(1);
    expect(totals.p99Ms).toBeLessThan(3);
    expect(totals.maxMs).toBe(500);
  });

  it('answers zeros and nulls for no snapshot', () => {
    expect(fleetTotals([])).toEqual({
      instances: 0,
      snapshots: 0,
      requests: 0,
      errors: 0,
      errorRatePercent: 0,
      requestsPerSecond: 0,
      p50Ms: null,
      p95Ms: null,
      p99Ms: null,
      maxMs: null,
      snapshotsWithoutHistogram: 0,
    });
  });
});
