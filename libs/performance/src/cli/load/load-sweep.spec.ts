import { describe, expect, it } from 'vitest';
import type { LoadTestSweepLevel } from '../../core/schemas/load-test-run';
import { kneeOf, parseSweepLevels, summarizeSweep } from './load-sweep';

/** A level with the figures the sweep summary reads. */
function level(connections: number, requestsPerSecond: number, p95: number, meetsKpis = true): LoadTestSweepLevel {
  return {
    connections,
    totalRequests: requestsPerSecond * 10,
    successfulRequests: requestsPerSecond * 10,
    failedRequests: 0,
    errors: 0,
    errorRatePercent: 0,
    requestsPerSecond,
    latencyMs: { mean: p95 / 2, p50: p95 / 2, p95, p99: p95 * 1.2, max: p95 * 2 },
    elapsedSeconds: 10,
    meetsKpis,
    failedKpis: meetsKpis ? [] : ['p95Ms'],
  };
}

describe('parseSweepLevels', () => {
  it('reads rising levels, spaces allowed', () => {
    expect(parseSweepLevels('1,5,10, 25,50,100')).toEqual([1, 5, 10, 25, 50, 100]);
    expect(parseSweepLevels('7')).toEqual([7]);
  });

  it.each([
    ['0', 'level "0"'],
    ['1,1000,1001', 'level "1001"'],
    ['1,x', 'level "x"'],
    ['2e1', 'level "2e1"'],
    ['5,3', 'got 3 after 5'],
    ['5,5', 'got 5 after 5'],
    ['', 'comma-separated list'],
  ])('refuses %j naming the bad value', (raw, message) => {
    expect(() => parseSweepLevels(raw)).toThrow(message);
  });
});

describe('the knee and the highest level meeting the KPIs', () => {
  it('finds the first level whose p95 is past 1.5x the lowest while throughput stops growing', () => {
    const levels = [level(1, 1000, 2), level(5, 4000, 2.5), level(10, 6000, 3.5), level(25, 6200, 9), level(50, 6100, 20)];
    expect(kneeOf(levels)).toEqual({ connections: 25, p95Ms: 9, baselineP95Ms: 2, throughputGainPercent: 3.33 });
  });

  it('is no knee where one level dips while the levels above it still gain', () => {
    const levels = [level(1, 270, 15), level(5, 680, 20), level(10, 575, 34), level(25, 1234, 48), level(50, 1549, 63), level(100, 1306, 145)];
    expect(kneeOf(levels)).toEqual({ connections: 100, p95Ms: 145, baselineP95Ms: 15, throughputGainPercent: -15.69 });
  });

  it('is no knee while throughput still grows with latency, nor when latency rises less than 1 ms', () => {
    expect(kneeOf([level(1, 1000, 2), level(5, 4000, 4), level(10, 7000, 8)])).toBeNull();
    expect(kneeOf([level(1, 5000, 0.2), level(2, 5000, 0.9)])).toBeNull();
    expect(kneeOf([level(1, 100, 5)])).toBeNull();
  });

  it('counts a level as meeting the KPIs only when every level below it did too', () => {
    expect(summarizeSweep([level(1, 100, 2), level(5, 400, 3), level(10, 500, 300, false), level(25, 520, 150)]).maxLevelMeetingKpis).toBe(5);
    expect(summarizeSweep([level(1, 100, 300, false), level(5, 400, 3)]).maxLevelMeetingKpis).toBeNull();
    expect(summarizeSweep([level(1, 100, 2), level(5, 400, 3)]).maxLevelMeetingKpis).toBe(5);
  });
});
