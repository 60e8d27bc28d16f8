import type { MetricsSnapshot, SnapshotMetric } from './metrics-snapshot';
import type { ResolvedKpiOptions } from './monitoring.options';

/** One KPI: its target, the current value and whether it passes. */
export interface KpiResult {
  readonly name: 'responseTimeP95' | 'responseTimeP99' | 'throughput' | 'cpuUsage' | 'memoryUsage' | 'poolUsage' | 'errorRate';
  readonly metric: SnapshotMetric;
  /** `<=`: the value must stay at or under the target; `>=`: at or above it. */
  readonly comparison: '<=' | '>=';
  readonly target: number;
  readonly current: number | null;
  readonly unit: 'ms' | 'req/s' | '%';
  /** `no-data` when the snapshot has no value (no requests, no pool). */
  readonly status: 'pass' | 'fail' | 'no-data';
}

/** The body of `kpis`. */
export interface KpiReport {
  /** Time of the snapshot the KPIs were checked against; null before the first one. */
  readonly evaluatedAt: string | null;
  /** True when no KPI fails. */
  readonly passing: boolean;
  readonly kpis: readonly KpiResult[];
}

/** Checks a snapshot against the KPI targets. */
export function evaluateKpis(snapshot: MetricsSnapshot | undefined, t: ResolvedKpiOptions): KpiReport {
  const spec: [KpiResult['name'], SnapshotMetric, KpiResult['comparison'], number, KpiResult['unit']][] = [
    ['responseTimeP95', 'p95Ms', '<=', t.p95Ms, 'ms'],
    ['responseTimeP99', 'p99Ms', '<=', t.p99Ms, 'ms'],
    ['throughput', 'requestsPerSecond', '>=', t.minRequestsPerSecond, 'req/s'],
    ['cpuUsage', 'cpuPercent', '<=', t.maxCpuPercent, '%'],
    ['memoryUsage', 'memoryPercent', '<=', t.maxMemoryPercent, '%'],
    ['poolUsage', 'poolUtilizationPercent', '<=', t.maxPoolPercent, '%'],
    ['errorRate', 'errorRatePercent', '<=', t.maxErrorRatePercent, '%'],
  ];
  const kpis = spec.map(([name, metric, comparison, target, unit]): KpiResult => {
    const current = snapshot ? snapshot[metric] : null;
    const status = current === null ? 'no-data' : (comparison === '<=' ? current <= target : current >= target) ? 'pass' : 'fail';
    return { name, metric, comparison, target, current, unit, status };
  });
  return { evaluatedAt: snapshot?.timestamp ?? null, passing: kpis.every((k) => k.status !== 'fail'), kpis };
}
