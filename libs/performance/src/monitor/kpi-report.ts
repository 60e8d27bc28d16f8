import type { MetricsSnapshot, SnapshotMetric } from './metrics-snapshot';
import type { ResolvedKpiOptions } from '../core/options/schema/monitoring';

/** One KPI: its target, the current value and whether it passes. */
export interface KpiResult {
  readonly name: 'responseTimeP95' | 'responseTimeP99' | 'throughput' | 'cpuUsage' | 'memoryUsage' | 'poolUsage' | 'errorRate';
  readonly metric: SnapshotMetric;
  /** `<=`: the value must stay at or under the target; `>=`: at or above it. */
  readonly comparison: '<=' | '>=';
  readonly target: number;
  readonly current: number | null;
  readonly unit: 'ms' | 'req/s' | '%';
  /**
   * `no-data` when the snapshot has no value (no requests, no pool); `n/a`
   * when the KPI does not apply to the snapshot (throughput below target
   * while the app was not under load: that measures demand, not capacity).
   */
  readonly status: 'pass' | 'fail' | 'no-data' | 'n/a';
  /** Why the status is `n/a`. */
  readonly note?: string;
}

/** What else decides whether a KPI applies to a snapshot. */
export interface KpiContext {
  /** True when a load test reported by the CLI ran during the snapshot's interval. */
  readonly loadTestDuring: boolean;
}

const IDLE_NOTE =
  'not under load: below target because few requests came, which says nothing of capacity; evaluated while a load test runs (POST load-test/runs)';

/** The body of `kpis`. */
export interface KpiReport {
  /** Time of the snapshot the KPIs were checked against; null before the first one. */
  readonly evaluatedAt: string | null;
  /** True when no KPI fails. */
  readonly passing: boolean;
  readonly kpis: readonly KpiResult[];
}

/**
 * Checks a snapshot against the KPI targets. Throughput is a capacity target:
 * reaching it passes, but falling short fails only when the app was under
 * load (a load test ran during the snapshot's interval); otherwise it is
 * `n/a`, so a quiet app does not fail its KPIs. CPU is no sign of load here:
 * over a short interval it is noise, and a busy CPU fails its own KPI.
 */
export function evaluateKpis(snapshot: MetricsSnapshot | undefined, t: ResolvedKpiOptions, context: KpiContext = { loadTestDuring: false }): KpiReport {
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
    if (name === 'throughput' && status === 'fail' && !context.loadTestDuring) {
      return { name, metric, comparison, target, current, unit, status: 'n/a', note: IDLE_NOTE };
    }
    return { name, metric, comparison, target, current, unit, status };
  });
  return { evaluatedAt: snapshot?.timestamp ?? null, passing: kpis.every((k) => k.status !== 'fail'), kpis };
}
