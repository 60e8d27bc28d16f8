import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { hdrSummary } from './hdr-summary';

/** The load report's histogram: microseconds, 3 significant digits. */
const build = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

describe('hdrSummary', () => {
  it('never puts p99 above max: the bucket top (49.151 ms) is held at the largest value recorded (49.14 ms)', () => {
    const h = build();
    for (let i = 0; i < 200; i++) h.recordValue(1_000 + i);
    for (let i = 0; i < 5; i++) h.recordValue(49_140);
    // Read raw, the histogram says p99 is past its own max.
    expect(h.getValueAtPercentile(99)).toBeGreaterThan(h.maxValue);
    const s = hdrSummary(h);
    expect(s.max).toBe(49_140);
    expect(s.p99).toBe(49_140);
    expect(s.p50).toBeLessThanOrEqual(s.p95);
    expect(s.p95).toBeLessThanOrEqual(s.p99);
    expect(s.mean).toBeLessThanOrEqual(s.max);
  });

  it('keeps the order on every shape of data', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const h = build();
      let x = seed;
      const n = 1 + (seed % 50);
      for (let i = 0; i < n; i++) {
        x = (x * 48_271) % 2_147_483_647;
        h.recordValue(1 + (x % (seed % 2 ? 100_000 : 60_000_000)));
      }
      const s = hdrSummary(h);
      expect(s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max && s.mean <= s.max).toBe(true);
      expect(s.max).toBe(h.maxValue);
    }
  });

  it('is all zero when nothing was recorded', () => {
    expect(hdrSummary(build())).toEqual({ mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
