import { roundTo, type MetricsSnapshot, type SnapshotMetric } from '../monitor/metrics-snapshot';
import type { CapacityForecast, CapacityReport } from './advice';
import { leastSquares } from './least-squares';

const DAY = 86_400_000;

/** History needed for a forecast: a tenth of the horizon asked, at the least. */
export const HISTORY_SHARE_OF_HORIZON = 0.1;
/** Points needed for a forecast: fewer say nothing of a trend. */
export const MIN_FORECAST_POINTS = 20;
/** A line that explains less of the variation than this is no trend to project. */
export const MIN_FORECAST_R2 = 0.5;

/** Limits that mean "out of room" for the forecast metrics (the `good` level of each in `thresholds`; null when not judged). */
export interface CapacityLimits {
  readonly cpuPercent: number | null;
  readonly memoryPercent: number | null;
  readonly poolUtilizationPercent: number | null;
  readonly p95Ms: number | null;
  readonly errorRatePercent: number | null;
}

/** Whether a metric was projected, and why not when it was not. */
export type ForecastStatus = 'projected' | 'not-enough-history' | 'unclear-trend';

/** How far a projection can be trusted: the fit and the history it stands on. */
export interface ForecastConfidence {
  /** How well the line fits, 0..1. */
  readonly r2: number | null;
  /** Snapshots with a value of the metric. */
  readonly points: number;
  /** Seconds from the oldest of those snapshots to the newest. */
  readonly historySeconds: number;
}

/** One metric's forecast: the fields of {@link CapacityForecast}, its status and its confidence. */
export interface CapacityPlanForecast extends CapacityForecast {
  readonly status: ForecastStatus;
  readonly confidence: ForecastConfidence;
  /** The line went past what the metric can physically reach (100 %, or 0): the projection is held there. */
  readonly capped: boolean;
}

/** The body of `capacity`: {@link CapacityReport}, with what a forecast of this horizon needs. */
export interface CapacityPlan extends CapacityReport {
  readonly status: ForecastStatus;
  readonly forecasts: readonly CapacityPlanForecast[];
  /** What a forecast `days` ahead needs, and what the history has. */
  readonly history: {
    readonly seconds: number;
    readonly neededSeconds: number;
    readonly points: number;
    readonly neededPoints: number;
    readonly minR2: number;
  };
}

const METRICS: readonly { metric: SnapshotMetric; unit: string; limit: keyof CapacityLimits | null; max: number }[] = [
  { metric: 'cpuPercent', unit: '%', limit: 'cpuPercent', max: 100 },
  { metric: 'memoryPercent', unit: '%', limit: 'memoryPercent', max: 100 },
  { metric: 'rssMb', unit: 'MiB', limit: null, max: Infinity },
  { metric: 'requestsPerSecond', unit: 'req/s', limit: null, max: Infinity },
  { metric: 'p95Ms', unit: 'ms', limit: 'p95Ms', max: Infinity },
  { metric: 'poolUtilizationPercent', unit: '%', limit: 'poolUtilizationPercent', max: 100 },
  // The error-rate trend: rising errors are a capacity signal too (a saturated dependency, timeouts under load).
  { metric: 'errorRatePercent', unit: '%', limit: 'errorRatePercent', max: 100 },
];

/** A span of time for people: `70 s`, `2.4 h`, `3 d`. */
export function formatSpan(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${roundTo(seconds / 60, 1)} min`;
  if (seconds < 2 * 86_400) return `${roundTo(seconds / 3600, 1)} h`;
  return `${roundTo(seconds / 86_400, 1)} d`;
}

/** Scaling advice from relative growth over the horizon (over 10 %: scale out; over 5 %: watch). */
function scalingAdvice(growth: number): string {
  if (growth > 0.1) return 'Consider horizontal scaling - add more instances';
  if (growth > 0.05) return 'Monitor closely - scaling may be needed soon';
  return 'Current capacity appears sufficient';
}

/**
 * Fits a least-squares line per metric to the snapshots (oldest first) and
 * projects it `days` ahead, only where the history can say so:
 *
 * - the metric's history spans at least a tenth of the horizon and has
 *   {@link MIN_FORECAST_POINTS} points, else `not-enough-history` (saying what
 *   is needed);
 * - the line explains at least {@link MIN_FORECAST_R2} of the variation (r²),
 *   else `unclear-trend`;
 * - the projection stays within what the metric can reach (percentages 0-100,
 *   the rest at least 0; `capped` says when the line went past);
 * - days until the limit only when the line reaches it within the horizon.
 *
 * Each forecast carries its confidence (r², points, history span).
 */
export function forecastCapacity(snapshots: readonly MetricsSnapshot[], days: number, limits: CapacityLimits, nowMs = Date.now()): CapacityPlan {
  const times = snapshots.map((s) => Date.parse(s.timestamp));
  const neededSeconds = Math.round((days * DAY * HISTORY_SHARE_OF_HORIZON) / 1000);
  const need = `${formatSpan(neededSeconds)} of history and ${MIN_FORECAST_POINTS} snapshots for a ${days}-day forecast`;
  const forecasts = METRICS.map(({ metric, unit, limit: limitKey, max }): CapacityPlanForecast => {
    const xs: number[] = [];
    const ys: number[] = [];
    snapshots.forEach((s, i) => {
      const v = s[metric];
      if (typeof v === 'number' && Number.isFinite(v) && Number.isFinite(times[i])) {
        xs.push((times[i]! - nowMs) / DAY);
        ys.push(v);
      }
    });
    const limit = limitKey ? (limits[limitKey] ?? null) : null;
    const recentStart = nowMs - 3_600_000;
    const recent = ys.filter((_, i) => nowMs + xs[i]! * DAY >= recentStart);
    const current = ys.length ? roundTo((recent.length ? recent : ys.slice(-1)).reduce((a, b) => a + b, 0) / (recent.length || 1)) : null;
    const historySeconds = xs.length ? Math.round(((xs.at(-1)! - xs[0]!) * DAY) / 1000) : 0;
    const base = { metric, unit, current, limit, daysUntilLimit: null, projected: null, capped: false };

    if (historySeconds < neededSeconds || ys.length < MIN_FORECAST_POINTS) {
      const have = `${formatSpan(historySeconds)} and ${ys.length} snapshot${ys.length === 1 ? '' : 's'}`;
      return {
        ...base,
        slopePerDay: null,
        r2: null,
        status: 'not-enough-history',
        confidence: { r2: null, points: ys.length, historySeconds },
        recommendation: `Not enough history: ${need}, have ${have}`,
      };
    }
    const fit = leastSquares(xs, ys)!;
    const r2 = roundTo(fit.r2, 3);
    const confidence = { r2, points: ys.length, historySeconds };
    if (fit.r2 < MIN_FORECAST_R2) {
      return {
        ...base,
        slopePerDay: roundTo(fit.slope, 4),
        r2,
        status: 'unclear-trend',
        confidence,
        recommendation: `No clear trend (r² ${r2}, below ${MIN_FORECAST_R2}): the values vary without a steady rise or fall, so nothing is projected`,
      };
    }
    const line = current! + fit.slope * days;
    // Percentages stop at 100 (a process reading above it, CPU time of several cores, is held where it is).
    const projected = Math.min(Math.max(max, current!), Math.max(0, line));
    const daysToLimit = limit !== null && fit.slope > 0 ? Math.max(0, (limit - current!) / fit.slope) : null;
    const growth = current! > 0 ? (projected - current!) / current! : fit.slope > 0 ? 1 : 0;
    return {
      ...base,
      slopePerDay: roundTo(fit.slope, 4),
      projected: roundTo(projected),
      r2,
      daysUntilLimit: daysToLimit !== null && daysToLimit <= days ? roundTo(daysToLimit, 1) : null,
      capped: projected !== line,
      status: 'projected',
      confidence,
      recommendation: scalingAdvice(growth),
    };
  });

  const judged = forecasts.filter((f) => f.status === 'projected' && f.metric !== 'rssMb');
  const status: ForecastStatus = forecasts.some((f) => f.status === 'projected')
    ? 'projected'
    : forecasts.some((f) => f.status === 'unclear-trend')
      ? 'unclear-trend'
      : 'not-enough-history';
  const history = {
    seconds: Math.max(0, ...forecasts.map((f) => f.confidence.historySeconds)),
    neededSeconds,
    points: snapshots.length,
    neededPoints: MIN_FORECAST_POINTS,
    minR2: MIN_FORECAST_R2,
  };
  let recommendation: string;
  if (status === 'not-enough-history') {
    recommendation = `Not enough history: ${need}, have ${formatSpan(history.seconds)} and ${snapshots.length} snapshots`;
  } else if (judged.length === 0) {
    recommendation = 'No clear trend in the history: no scaling advice';
  } else {
    recommendation = scalingAdvice(Math.max(...judged.map((f) => (f.current! > 0 ? (f.projected! - f.current!) / f.current! : 0))));
  }
  return {
    days,
    samples: snapshots.length,
    from: snapshots[0]?.timestamp ?? null,
    to: snapshots.at(-1)?.timestamp ?? null,
    status,
    history,
    forecasts,
    recommendation,
  };
}
