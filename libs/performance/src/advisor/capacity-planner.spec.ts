import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { forecastCapacity, MIN_FORECAST_POINTS } from './capacity-planner';

const LIMITS = { cpuPercent: 80, memoryPercent: 90, poolUtilizationPercent: 90, p95Ms: 500, errorRatePercent: 1 };
const NOW = Date.parse('2026-06-01T00:00:00Z');
const HOUR = 3_600_000;

/** Snapshots every `stepMs` up to NOW, oldest first, with the figures `at(i)` gives. */
function history(count: number, stepMs: number, at: (i: number) => Partial<MetricsSnapshot>): MetricsSnapshot[] {
  return Array.from({ length: count }, (_, i) => ({
    timestamp: new Date(NOW - (count - 1 - i) * stepMs).toISOString(),
    instanceId: 'test',
    intervalSeconds: stepMs / 1000,
    cpuPercent: 10,
    hostCpuPercent: 10,
    rssMb: 100,
    heapUsedMb: 50,
    heapTotalMb: 80,
    memoryPercent: 20,
    hostMemoryPercent: 30,
    eventLoopLagP99Ms: 5,
    requests: 100,
    requestsPerSecond: 10,
    errors: 0,
    errorRatePercent: 0,
    p50Ms: 5,
    p95Ms: 20,
    p99Ms: 30,
    maxMs: 40,
    cacheLookups: 0,
    cacheHitRatePercent: null,
    dbQueries: 0,
    dbMeanQueryMs: null,
    dbQueriesPerRequest: null,
    poolUtilizationPercent: null,
    ...at(i),
  }));
}

describe('forecastCapacity', () => {
  it('answers "not enough history" on 70 s of snapshots, saying what a 30-day forecast needs', () => {
    // The shape that projected CPU at 144,962 %: a few seconds of a fast start, fitted and stretched 30 days.
    const snapshots = history(8, 10_000, (i) => ({ cpuPercent: 5 + i * 20 * Math.random() }));
    const report = forecastCapacity(snapshots, 30, LIMITS, NOW);
    expect(report.status).toBe('not-enough-history');
    expect(report.history).toMatchObject({ seconds: 70, neededSeconds: 3 * 86_400, points: 8, neededPoints: MIN_FORECAST_POINTS });
    expect(report.recommendation).toBe('Not enough history: 3 d of history and 20 snapshots for a 30-day forecast, have 70 s and 8 snapshots');
    for (const f of report.forecasts) {
      expect(f).toMatchObject({ status: 'not-enough-history', projected: null, daysUntilLimit: null, slopePerDay: null });
      expect(f.recommendation).toMatch(/^Not enough history: 3 d of history/);
    }
    expect(report.forecasts.find((f) => f.metric === 'cpuPercent')!.confidence).toEqual({ r2: null, points: 8, historySeconds: 70 });
  });

  it('asks for enough points too: a long but sparse history is not enough', () => {
    const report = forecastCapacity(
      history(5, 24 * HOUR, () => ({})),
      30,
      LIMITS,
      NOW,
    );
    expect(report.status).toBe('not-enough-history');
  });

  it('projects a steady rise within what is physically possible, with its confidence', () => {
    // 5 days, one snapshot an hour: CPU +0.25 %/h (now 40 %), memory +0.1 %/h, p95 flat.
    const snapshots = history(121, HOUR, (i) => ({ cpuPercent: 10 + i * 0.25, memoryPercent: 40 + i * 0.1 }));
    const report = forecastCapacity(snapshots, 30, LIMITS, NOW);
    expect(report.status).toBe('projected');
    const cpu = report.forecasts.find((f) => f.metric === 'cpuPercent')!;
    expect(cpu.status).toBe('projected');
    expect(cpu.slopePerDay).toBeCloseTo(6, 6);
    // The line reaches 40 + 30 * 6 = 220 %: held at 100. The 80 % limit is (80 - 40) / 6 days away.
    expect(cpu.projected).toBe(100);
    expect(cpu.capped).toBe(true);
    expect(cpu.confidence).toEqual({ r2: 1, points: 121, historySeconds: 120 * 3600 });
    expect(cpu.daysUntilLimit).toBe(6.7);
    const memory = report.forecasts.find((f) => f.metric === 'memoryPercent')!;
    expect(memory.projected).toBeLessThanOrEqual(100);
    for (const f of report.forecasts) {
      if (f.projected === null) continue;
      expect(f.projected).toBeGreaterThanOrEqual(0);
      if (f.unit === '%') expect(f.projected).toBeLessThanOrEqual(100);
    }
    expect(report.recommendation).toBe('Consider horizontal scaling - add more instances');
  });

  it('says the trend is not clear when the line fits badly (r² below the threshold)', () => {
    // Alternating high and low around a flat mean: a line explains next to nothing.
    const snapshots = history(121, HOUR, (i) => ({ cpuPercent: i % 2 ? 70 : 10, memoryPercent: i % 3 ? 20 : 60 }));
    const report = forecastCapacity(snapshots, 30, LIMITS, NOW);
    const cpu = report.forecasts.find((f) => f.metric === 'cpuPercent')!;
    expect(cpu.status).toBe('unclear-trend');
    expect(cpu.projected).toBeNull();
    expect(cpu.daysUntilLimit).toBeNull();
    expect(cpu.confidence.r2).toBeLessThan(0.5);
    expect(cpu.recommendation).toMatch(/^No clear trend \(r² 0(\.\d+)?, below 0\.5\)/);
  });

  it('projects a short horizon from a short history: 1 day ahead needs 2.4 h', () => {
    const snapshots = history(30, 6 * 60_000, (i) => ({ rssMb: 100 + i }));
    const report = forecastCapacity(snapshots, 1, LIMITS, NOW);
    expect(report.history.neededSeconds).toBe(8640);
    expect(report.forecasts.find((f) => f.metric === 'rssMb')!.status).toBe('projected');
  });

  it('projects the error-rate trend against its good level, held at 100 %', () => {
    // A week of hourly snapshots whose error rate climbs 0.1 % a day (with a little noise).
    const snapshots = history(7 * 24, HOUR, (i) => ({ errorRatePercent: 0.1 + (i / 24) * 0.1 + (i % 2) * 0.01 }));
    const report = forecastCapacity(snapshots, 30, LIMITS, NOW);
    const errors = report.forecasts.find((f) => f.metric === 'errorRatePercent')!;
    expect(errors).toMatchObject({ status: 'projected', unit: '%', limit: 1, capped: false });
    expect(errors.slopePerDay).toBeCloseTo(0.1, 2);
    expect(errors.projected).toBeCloseTo(errors.current! + 3, 1);
    // From about 0.8 % now to the 1 % limit at 0.1 % a day: about 2 days.
    expect(errors.daysUntilLimit).toBeGreaterThan(1);
    expect(errors.daysUntilLimit).toBeLessThan(3);
    expect(errors.confidence.r2).toBeGreaterThan(0.9);
  });
});
