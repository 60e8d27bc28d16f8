import type { Level, SnapshotJudgment } from '../core/judgment/judgment';
import { METRIC_CATALOGUE } from '../core/judgment/metric-catalogue';
import { THRESHOLD_METRIC_NAMES, type ThresholdMetric } from '../core/options/thresholds.options';

/** One KPI: a metric's `good` boundary (its target), the current value and whether it passes. */
export interface KpiResult {
  /** `responseTimeP95`, `throughput`, `jobFailureRate`, ... */
  readonly name: string;
  /** The snapshot field (and `thresholds` key) it reads. */
  readonly metric: ThresholdMetric;
  /** `<=`: the value must stay at or under the target; `>=`: at or above it. */
  readonly comparison: '<=' | '>=';
  /** `thresholds.<metric>.good`. */
  readonly target: number;
  /** `thresholds.<metric>.critical`; null when the metric is never critical. */
  readonly critical: number | null;
  readonly current: number | null;
  readonly unit: string;
  /**
   * `pass` (good), `fail` (warning or critical: a failing KPI is an alert);
   * `no-data` when the window measured nothing (no requests, no pool, no
   * jobs); `n/a` when the KPI does not apply to the window (a capacity
   * figure outside a load test).
   */
  readonly status: 'pass' | 'fail' | 'no-data' | 'n/a';
  /** The level under `thresholds`: the same as the alert's severity and the dashboard card's colour. */
  readonly level: Level | null;
  /** Why the status is `n/a`. */
  readonly note?: string;
}

/** The body of `kpis`. */
export interface KpiReport {
  /** Time of the snapshot the KPIs were checked against (the time of its data); null before the first one. */
  readonly evaluatedAt: string | null;
  /** The same: the time of the data. */
  readonly dataAt: string | null;
  /** The window the snapshot's rates and percentiles cover; null before the first snapshot. */
  readonly window: SnapshotJudgment['window'] | null;
  /** True when no KPI fails. */
  readonly passing: boolean;
  readonly kpis: readonly KpiResult[];
}

/**
 * The KPIs of a judged snapshot: each metric judged (not switched off in
 * `thresholds`) with its `good` boundary as target. Throughput and jobs per
 * minute are capacity targets: judged only on a window that lay wholly
 * inside a load test, `n/a` otherwise (a quiet app is not slow because few
 * requests came, and a window that straddles the start of a run mixes idle
 * time into the rate).
 */
export function kpiReport(judgment: SnapshotJudgment | undefined): KpiReport {
  if (!judgment) return { evaluatedAt: null, dataAt: null, window: null, passing: true, kpis: [] };
  const kpis: KpiResult[] = [];
  for (const metric of THRESHOLD_METRIC_NAMES) {
    const j = judgment.metrics[metric];
    if (j.status === 'off' || j.good === null) continue;
    const def = METRIC_CATALOGUE[metric];
    const level = j.status === 'good' || j.status === 'warning' || j.status === 'critical' ? j.status : null;
    const status = level === null ? (j.status as 'no-data' | 'n/a') : level === 'good' ? 'pass' : 'fail';
    const result: KpiResult = {
      name: def.kpi,
      metric,
      comparison: def.direction === 'above' ? '<=' : '>=',
      target: j.good,
      critical: j.critical,
      current: j.value,
      unit: def.unit,
      status,
      level,
    };
    kpis.push(j.note === undefined ? result : { ...result, note: j.note });
  }
  return { evaluatedAt: judgment.dataAt, dataAt: judgment.dataAt, window: judgment.window, passing: kpis.every((k) => k.status !== 'fail'), kpis };
}
