import { describe, expect, it } from 'vitest';
import { MEMORY_HISTOGRAM_HOURS, MemoryHistoryStore } from './memory-history.store';
import type { MetricsSnapshot } from './metrics-snapshot';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');

const snapshot = (instanceId: string, atMs: number, histogram: string | null = 'HISTFAkAAAAD'): MetricsSnapshot =>
  ({ instanceId, timestamp: new Date(atMs).toISOString(), requests: 1, latencyHistogram: histogram }) as unknown as MetricsSnapshot;

describe('MemoryHistoryStore', () => {
  it('keeps the latency histograms of the last 24 hours and drops older ones, keeping the snapshots', async () => {
    const store = new MemoryHistoryStore(100, 10);
    for (let h = 0; h <= 30; h++) await store.append(snapshot('a', T0 + h * HOUR));
    const all = await store.snapshots(0);
    expect(all).toHaveLength(31);
    const newest = T0 + 30 * HOUR;
    for (const s of all) {
      const recent = Date.parse(s.timestamp) >= newest - MEMORY_HISTOGRAM_HOURS * HOUR;
      expect(s.latencyHistogram, s.timestamp).toBe(recent ? 'HISTFAkAAAAD' : undefined);
    }
  });

  it('trims correctly once the ring wrapped around', async () => {
    const store = new MemoryHistoryStore(10, 10);
    for (let h = 0; h <= 40; h++) await store.append(snapshot('a', T0 + h * 3 * HOUR));
    const kept = await store.snapshots(0);
    expect(kept.map((s) => Date.parse(s.timestamp))).toEqual(Array.from({ length: 10 }, (_, i) => T0 + (31 + i) * 3 * HOUR));
    // 24 h at one snapshot every 3 h: the newest 9 keep it.
    expect(kept.filter((s) => s.latencyHistogram).length).toBe(9);
  });

  it('answers the latest snapshot of each instance and the firing alerts of all', async () => {
    const store = new MemoryHistoryStore(100, 10);
    await store.append(snapshot('a', T0));
    await store.append(snapshot('b', T0 + 1000));
    await store.append(snapshot('a', T0 + 2000));
    const latest = await store.latestSnapshots(T0 + 500);
    expect(latest.map((s) => [s.instanceId, s.timestamp]).sort()).toEqual([
      ['a', new Date(T0 + 2000).toISOString()],
      ['b', new Date(T0 + 1000).toISOString()],
    ]);
    expect(await store.latestSnapshots(T0 + 1500)).toHaveLength(1);
  });
});
