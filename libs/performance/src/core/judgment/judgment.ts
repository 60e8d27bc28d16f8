import { THRESHOLD_METRIC_NAMES, type ThresholdMetric } from '../options/thresholds.options';
import { HEALTH_PARTS, METRIC_CATALOGUE, type HealthPart } from './metric-catalogue';

/** The three levels of the one threshold model. */
export type Level = 'good' | 'warning' | 'critical';

/** Levels of one metric after defaults. */
export interface ResolvedLevels {
  readonly good: number;
  readonly critical: number | false;
}

/** Every metric's levels after defaults; `false`: not judged. */
export type ResolvedThresholds = Readonly<Record<ThresholdMetric, ResolvedLevels | false>>;

/**
 * The level of `value` for a metric with these levels: `good` up to and
 * including `good` (down to it for a `below` metric), `critical` past
 * `critical`, `warning` between.
 */
export function levelOf(levels: ResolvedLevels, direction: 'above' | 'below', value: number): Level {
  const worse = (a: number, b: number) => (direction === 'above' ? a > b : a < b);
  if (levels.critical !== false && worse(value, levels.critical)) return 'critical';
  return worse(value, levels.good) ? 'warning' : 'good';
}

/**
 * Judges one value of a metric: its level, or null when there is nothing to
 * judge (no value, or the metric is switched off).
 */
export function judge(metric: ThresholdMetric, value: number | null | undefined, thresholds: ResolvedThresholds): Level | null {
  const levels = thresholds[metric];
  if (levels === false || value === null || value === undefined || !Number.isFinite(value)) return null;
  return levelOf(levels, METRIC_CATALOGUE[metric].direction, value);
}

/**
 * What one metric is now: a level, or why it has none. `no-data`: the
 * window measured nothing (no requests, queries, lookups, jobs); `n/a`: a
 * capacity figure outside a load test; `off`: the app switched it off.
 */
export type MetricStatus = Level | 'no-data' | 'n/a' | 'off';

/** One metric judged. */
export interface MetricJudgment {
  readonly metric: ThresholdMetric;
  readonly value: number | null;
  readonly status: MetricStatus;
  readonly good: number | null;
  readonly critical: number | null;
  readonly direction: 'above' | 'below';
  readonly unit: string;
  /** Why the status is `n/a` or `no-data`. */
  readonly note?: string;
}

/** What else decides whether a metric applies to a window. */
export interface JudgmentContext {
  /** True when the window lay wholly inside a load test: capacity figures (throughput, jobs per minute) are judged only then. */
  readonly underLoad: boolean;
}

/** A note for a capacity figure outside a load test. */
export const NOT_UNDER_LOAD_NOTE =
  'judged only on a window that lies wholly inside a load test (POST load-test/runs): outside one it measures demand, not capacity, and a window that straddles the start or end of a run mixes both';

/** Judges every metric of the catalogue on the values of one window. */
export function judgeAll(
  values: Readonly<Partial<Record<ThresholdMetric, number | null>>>,
  thresholds: ResolvedThresholds,
  context: JudgmentContext,
): Readonly<Record<ThresholdMetric, MetricJudgment>> {
  const out = {} as Record<ThresholdMetric, MetricJudgment>;
  for (const metric of THRESHOLD_METRIC_NAMES) {
    const def = METRIC_CATALOGUE[metric];
    const levels = thresholds[metric];
    const raw = values[metric];
    const value = raw === undefined || raw === null || !Number.isFinite(raw) ? null : raw;
    const base = {
      metric,
      value,
      good: levels === false ? null : levels.good,
      critical: levels === false || levels.critical === false ? null : levels.critical,
      direction: def.direction,
      unit: def.unit,
    };
    let status: MetricStatus;
    let note: string | undefined;
    if (levels === false) status = 'off';
    else if (value === null) status = 'no-data';
    else if (def.judged === 'under-load' && !context.underLoad) {
      status = 'n/a';
      note = NOT_UNDER_LOAD_NOTE;
    } else status = levelOf(levels, def.direction, value);
    out[metric] = note === undefined ? { ...base, status } : { ...base, status, note };
  }
  return out;
}

/** Points of a metric in its part of the health score. */
export const LEVEL_POINTS: Readonly<Record<Level, number>> = { good: 100, warning: 50, critical: 0 };

/** One part of the health score. */
export interface HealthPartScore {
  /** The worst of its metrics' points (good 100, warning 50, critical 0); null when none of them was measured. */
  readonly score: number | null;
  readonly weight: number;
  /** Its metrics with their values and levels. */
  readonly metrics: readonly MetricJudgment[];
}

/** The one health score of a snapshot. */
export interface HealthScore {
  /** Weighted mean of the parts that were measured, 0-100 (one decimal); null when none was. */
  readonly score: number | null;
  /** `healthy` when every metric of the parts is good, `degraded` with a warning, `unhealthy` with a critical one; `no-data` when nothing was measured. */
  readonly status: 'healthy' | 'degraded' | 'unhealthy' | 'no-data';
  readonly parts: Readonly<Record<HealthPart, HealthPartScore>>;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * The health score from judged metrics: each part (database, system, cache)
 * scores its worst metric (good 100, warning 50, critical 0), and the score
 * is the parts' mean weighted by `weights` (40 / 35 / 25 by default), over
 * the parts that measured something. The status follows the worst level.
 */
export function healthScore(judgments: Readonly<Record<ThresholdMetric, MetricJudgment>>, weights: Readonly<Record<HealthPart, number>>): HealthScore {
  const parts = {} as Record<HealthPart, HealthPartScore>;
  let worst: Level | null = null;
  let weighted = 0;
  let total = 0;
  for (const part of HEALTH_PARTS) {
    const metrics = THRESHOLD_METRIC_NAMES.filter((m) => METRIC_CATALOGUE[m].part === part).map((m) => judgments[m]);
    let score: number | null = null;
    for (const j of metrics) {
      if (j.status !== 'good' && j.status !== 'warning' && j.status !== 'critical') continue;
      score = Math.min(score ?? 100, LEVEL_POINTS[j.status]);
      if (worst === null || LEVEL_POINTS[j.status] < LEVEL_POINTS[worst]) worst = j.status;
    }
    parts[part] = { score, weight: weights[part], metrics };
    if (score !== null && weights[part] > 0) {
      weighted += score * weights[part];
      total += weights[part];
    }
  }
  const status = worst === null ? 'no-data' : worst === 'critical' ? 'unhealthy' : worst === 'warning' ? 'degraded' : 'healthy';
  return { score: total ? round1(weighted / total) : null, status, parts };
}

/**
 * The judgment of one snapshot: every metric's level under `thresholds`,
 * and the health score (computed once, when the snapshot is taken, and read
 * by every endpoint).
 */
export interface SnapshotJudgment {
  /** Time of the snapshot judged: the time of its data. */
  readonly dataAt: string;
  /** The window its rates and percentiles cover. */
  readonly window: { readonly seconds: number; readonly from: string; readonly to: string };
  /** True when the window lay wholly inside a load test: throughput and jobs per minute are judged only then. */
  readonly underLoad: boolean;
  readonly metrics: Readonly<Record<ThresholdMetric, MetricJudgment>>;
  readonly health: HealthScore;
}

/** Gives the judgment of the latest snapshot (the monitor's sampler provides it; health and admin read it). */
export interface JudgmentSource {
  /** The latest snapshot's judgment; takes a snapshot first when none was taken yet. */
  currentJudgment(): Promise<SnapshotJudgment>;
}
/** Token of {@link JudgmentSource}. */
export const JudgmentSource = Symbol('JudgmentSource');
