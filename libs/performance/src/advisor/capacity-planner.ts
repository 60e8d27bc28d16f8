import { roundTo, type MetricsSnapshot, type SnapshotMetric } from '../monitor/metrics-snapshot';
import type { CapacityForecast, CapacityReport } from './advice';
import { leastSquares } from './least-squares';

const DAY = 86_400_000;

/** Limits that mean "out of room" for the forecast metrics. */
export interface CapacityLimits {
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly poolUtilizationPercent: number;
  readonly p95Ms: number;
}

const METRICS: readonly { metric: SnapshotMetric; unit: string; limit: keyof CapacityLimits | null }[] = [
  { metric: 'cpuPercent', unit: '%', limit: 'cpuPercent' },
  { metric: 'memoryPercent', unit: '%', limit: 'memoryPercent' },
  { metric: 'rssMb', unit: 'MiB', limit: null },
  { metric: 'requestsPerSecond', unit: 'req/s', limit: null },
  { metric: 'p95Ms', unit: 'ms', limit: 'p95Ms' },
  { metric: 'poolUtilizationPercent', unit: '%', limit: 'poolUtilizationPercent' },
];

/** The seeds' scaling advice from relative growth over the horizon. */
function scalingAdvice(growth: number | null): string {
  if (growth === null) return 'Not enough history for a trend yet';
  if (growth > 0.1) return 'Consider horizontal scaling - add more instances';
  if (growth > 0.05) return 'Monitor closely - scaling may be needed soon';
  return 'Current capacity appears sufficient';
}

/**
 * Fits a least-squares line per metric to the snapshots (oldest first) and
 * projects it `days` ahead: the projected value, the days until the metric's
 * limit, and the seeds' scaling advice (growth over 10% of the current value:
 * scale out; over 5%: watch).
 */
export function forecastCapacity(snapshots: readonly MetricsSnapshot[], days: number, limits: CapacityLimits, nowMs = Date.now()): CapacityReport {
  const times = snapshots.map((s) => Date.parse(s.timestamp));
  let worstGrowth: number | null = null;
  const forecasts = METRICS.map(({ metric, unit, limit: limitKey }): CapacityForecast => {
    const xs: number[] = [];
    const ys: number[] = [];
    snapshots.forEach((s, i) => {
      const v = s[metric];
      if (v !== null) {
        xs.push((times[i]! - nowMs) / DAY);
        ys.push(v);
      }
    });
    const limit = limitKey ? limits[limitKey] : null;
    const recentStart = nowMs - 3_600_000;
    const recent = ys.filter((_, i) => nowMs + xs[i]! * DAY >= recentStart);
    const current = ys.length ? roundTo((recent.length ? recent : ys.slice(-1)).reduce((a, b) => a + b, 0) / (recent.length || 1)) : null;
    const fit = ys.length >= 3 ? leastSquares(xs, ys) : undefined;
    if (!fit || current === null) {
      return { metric, unit, current, slopePerDay: null, projected: null, r2: null, limit, daysUntilLimit: null, recommendation: scalingAdvice(null) };
    }
    const projected = Math.max(0, current + fit.slope * days);
    const growth = current > 0 ? (projected - current) / current : fit.slope > 0 ? 1 : 0;
    if (metric !== 'rssMb') worstGrowth = Math.max(worstGrowth ?? -Infinity, growth);
    const daysUntilLimit = limit !== null && fit.slope > 0 ? roundTo(Math.max(0, (limit - current) / fit.slope), 1) : null;
    return {
      metric,
      unit,
      current,
      slopePerDay: roundTo(fit.slope, 4),
      projected: roundTo(projected),
      r2: roundTo(fit.r2, 3),
      limit,
      daysUntilLimit,
      recommendation: scalingAdvice(growth),
    };
  });
  return {
    days,
    samples: snapshots.length,
    from: snapshots[0]?.timestamp ?? null,
    to: snapshots.at(-1)?.timestamp ?? null,
    forecasts,
    recommendation: scalingAdvice(worstGrowth),
  };
}
