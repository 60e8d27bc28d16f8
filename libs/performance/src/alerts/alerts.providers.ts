import type { Provider } from '@nestjs/common';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedLevels } from '../core/judgment/judgment';
import type { ResolvedJobsOptions } from '../core/options/schema/jobs';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { NotifierHealthSource } from '../core/ports/delivery-health.port';
import { AlertsFiringSource } from '../core/ports/observability.port';
import { RouteAlertSource, StoreOutageSource } from '../core/schemas/performance-alert';
import { JobMonitor } from '../jobs/job-monitor.service';
import type { JobAlert, JobAlertRules } from '../jobs/job-status';
import { HistoryStore } from '../monitor/history.store';
import { MetricsSampler } from '../monitor/metrics-sampler.service';
import { SloMonitor } from '../slo/slo-monitor.service';
import { AlertDispatcher, createNotifiers } from './alert-dispatcher';
import { AlertManager } from './alert-manager.service';
import { jobFailureRateRule } from './rules/job-failure-rate.rule';
import { jobOverdueRule } from './rules/job-overdue.rule';
import { sloBurnRateRule } from './rules/slo-burn-rate.rule';

/** The job alert rules, in the order a job's alerts are listed: failure rate, then overdue. */
export function jobAlertRules(options: ResolvedJobsOptions, failureRate: ResolvedLevels | false): JobAlertRules {
  const rules = [jobFailureRateRule(options, failureRate), jobOverdueRule(options)];
  return (job) => rules.map((rule) => rule(job)).filter((alert): alert is JobAlert => alert !== undefined);
}

/** The services of the alerts feature, exported by the module. */
export const ALERTS_EXPORTS = [AlertManager];

/**
 * The alerts feature and every rule's wiring: the metric and outage rules
 * evaluate each snapshot the sampler takes, the job rules judge each job the
 * job monitor lists (and fire with the snapshots); the notifiers' delivery
 * state goes to health, the firing counts to metrics.
 */
export const ALERTS_PROVIDERS: Provider[] = [
  {
    provide: AlertDispatcher,
    useFactory: (options: ResolvedPerformanceOptions): AlertDispatcher => {
      const notifiers = options.enabled && options.alerts.enabled ? createNotifiers(options.alerts.notifiers) : [];
      return new AlertDispatcher(notifiers, options.alerts.notifiers);
    },
    inject: [PERFORMANCE_OPTIONS],
  },
  // Read by health (`alert_notifiers`).
  { provide: NotifierHealthSource, useExisting: AlertDispatcher },
  {
    provide: AlertManager,
    useFactory: (
      options: ResolvedPerformanceOptions,
      store: HistoryStore,
      dispatcher: AlertDispatcher,
      sampler: MetricsSampler,
      jobs: JobMonitor | null,
      outages: StoreOutageSource | null,
      slos: SloMonitor | null,
      routes: RouteAlertSource | null,
    ): AlertManager => {
      // Job rules (failure rate, overdue) join the metric rules when job monitoring is on.
      jobs?.judgeWith(jobAlertRules(options.jobs, options.thresholds.jobFailureRatePercent));
      // The SLO burn-rate rule, when the app declares SLOs.
      slos?.judgeWith(sloBurnRateRule);
      const manager = new AlertManager(options.alerts, options.instanceId, store, dispatcher, jobs ?? null, outages ?? null, slos ?? null, routes ?? null);
      sampler.observe(manager);
      return manager;
    },
    inject: [
      PERFORMANCE_OPTIONS,
      HistoryStore,
      AlertDispatcher,
      MetricsSampler,
      { token: JobMonitor, optional: true },
      // The cache store and DataSource checks of the outage rules (health's; null while health is off).
      { token: StoreOutageSource, optional: true },
      // Null when no SLO is declared.
      { token: SloMonitor, optional: true },
      // The route baselines' judgement of each window (null while baselines are off).
      { token: RouteAlertSource, optional: true },
    ],
  },
  { provide: AlertsFiringSource, useExisting: AlertManager },
];
