import type { SloAlertCondition } from '../../core/schemas/performance-alert';
import type { BurnWindow, SloObjectiveReport, SloReport } from '../../slo/slo-monitor.service';

/**
 * The multi-window burn-rate scheme of Google's SRE workbook: a long window
 * says the budget is really being spent, a short one that it still is (so
 * the alert resolves soon after the problem ends).
 */
export const SLO_BURN_RATE_ALERTS = [
  // 2 % of a 30-day budget in one hour.
  { kind: 'fast burn', severity: 'critical', long: '1h', short: '5m', burnRate: 14.4 },
  // 5 % of a 30-day budget in six hours.
  { kind: 'slow burn', severity: 'warning', long: '6h', short: '30m', burnRate: 6 },
] as const satisfies readonly { kind: string; severity: 'critical' | 'warning'; long: BurnWindow; short: BurnWindow; burnRate: number }[];

function objectiveLabel(o: SloObjectiveReport): string {
  return o.objective === 'availability' ? `availability ${o.targetPercent}%` : `latency ${o.targetPercent}% within ${o.thresholdMs} ms`;
}

/**
 * `slo-burn-rate`: an SLO objective spends its error budget too fast. Fast
 * burn (critical): the last hour and the last 5 minutes both burn more than
 * 14.4 times the sustainable rate; slow burn (warning): 6 hours and 30
 * minutes above 6 times. Judged once the short window holds
 * `alertMinRequests` requests; the most severe breach of the SLO's
 * objectives is its one condition.
 */
export function sloBurnRateRule(slo: SloReport): readonly SloAlertCondition[] {
  for (const level of SLO_BURN_RATE_ALERTS) {
    for (const o of slo.objectives) {
      const long = o.burnRates[level.long];
      const short = o.burnRates[level.short];
      if (long === null || short === null || o.windowRequests[level.short] < slo.alertMinRequests) continue;
      if (long <= level.burnRate || short <= level.burnRate) continue;
      return [
        {
          rule: 'slo-burn-rate',
          slo: slo.name,
          severity: level.severity,
          message:
            `SLO "${slo.name}" (${objectiveLabel(o)}) ${level.kind}: the error budget burns ${long}x over ${level.long} and ${short}x over ${level.short} ` +
            `(alert above ${level.burnRate}x); ${o.errorBudget.remainingPercent ?? 100}% of the ${slo.windowDays}-day budget left`,
          value: short,
          threshold: level.burnRate,
        },
      ];
    }
  }
  return [];
}
