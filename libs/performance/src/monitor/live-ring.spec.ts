import { describe, expect, it } from 'vitest';
import { LIVE_RING_SECONDS, LiveRing } from './live-ring';

describe('LiveRing', () => {
  const start = 1_700_000_000_000;

  it('puts each response, statement and lookup in its second; seconds without traffic are zeros; the running second is not answered', () => {
    let now = start + 100;
    const ring = new LiveRing(() => now);
    ring.recordResponse(200, 5);
    ring.recordResponse(404, 10);
    ring.recordQuery(2.5);
    ring.recordCache(true);
    now = start + 2_300; // two seconds later: the one in between had nothing
    ring.recordResponse(503, 40);
    ring.recordCache(false);
    now = start + 3_001;
    const points = ring.lastSeconds(3);
    expect(points.map((p) => p.t)).toEqual([start, start + 1000, start + 2000]);
    expect(points[0]).toMatchObject({ requests: 2, status: { '2xx': 1, '3xx': 0, '4xx': 1, '5xx': 0 }, errors: 0, dbQueries: 1, dbTimeMs: 2.5, cacheHits: 1 });
    expect(points[0]!.p50Ms).toBeGreaterThan(4);
    expect(points[0]!.p99Ms).toBeLessThanOrEqual(points[0]!.maxMs!);
    expect(points[1]).toMatchObject({ requests: 0, p95Ms: null, dbQueries: 0 });
    expect(points[2]).toMatchObject({ requests: 1, errors: 1, status: { '5xx': 1 }, cacheMisses: 1, maxMs: 40 });
    expect(ring.pointsAfter(start / 1000 + 1).map((p) => p.t)).toEqual([start + 2000]);
  });

  it('forgets a slot once the ring has gone round: 15 minutes later the same slot holds a new second', () => {
    let now = start;
    const ring = new LiveRing(() => now);
    ring.recordResponse(200, 1);
    now = start + LIVE_RING_SECONDS * 1000;
    ring.recordResponse(200, 1);
    ring.recordResponse(200, 1);
    now += 1000;
    const points = ring.lastSeconds(LIVE_RING_SECONDS);
    expect(points).toHaveLength(LIVE_RING_SECONDS);
    expect(points[0]!.t).toBe(start + 1000);
    expect(points.reduce((n, p) => n + p.requests, 0)).toBe(2);
    expect(points[points.length - 1]!.requests).toBe(2);
  });
});
