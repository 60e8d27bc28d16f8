import type { AlertMetric, AlertSeverity } from './alerts.options';

/** Rules about background jobs, evaluated with each snapshot beside the metric rules. */
export type JobAlertRule = 'job-failure-rate' | 'job-overdue';

/** What an alert watches: a snapshot metric, or a job rule (then `job` names the job). */
export type AlertSubject = AlertMetric | JobAlertRule;

/**
 * A condition that breaches now about one job, as the job monitor computes
 * it (`jobs/status` shows the same list).
 */
export interface JobAlertCondition {
  readonly rule: JobAlertRule;
  readonly job: string;
  readonly severity: AlertSeverity;
  readonly message: string;
  readonly value: number;
  readonly threshold: number;
}

/**
 * Where the alert manager reads job conditions from at each snapshot; the
 * module passes its `JobMonitor` when job monitoring is on.
 */
export interface JobAlertSource {
  /** The job conditions breaching at `now` (ms since the epoch). */
  jobAlerts(now: number): readonly JobAlertCondition[];
}

/**
 * One alert: a rule whose metric crossed a level. While it fires, further
 * breaching snapshots update it (`lastSeen`, `count`, `value`, and the
 * severity when it escalates) instead of opening another; one healthy
 * snapshot (or `resolveAfterSamples`) resolves it.
 */
export interface PerformanceAlert {
  /** Unique id of this occurrence. */
  readonly id: string;
  readonly instanceId: string;
  /** The snapshot field the rule watches, or the job rule (`job-failure-rate`, `job-overdue`). */
  readonly metric: AlertSubject;
  /** The job a job rule is about; absent for metric rules. One alert is open per rule and job. */
  readonly job?: string;
  severity: AlertSeverity;
  status: 'firing' | 'resolved';
  /** What is wrong, with the numbers. */
  message: string;
  /** The latest value of the metric while firing (the last breaching one once resolved). */
  value: number;
  /** The level crossed for `severity`. */
  threshold: number;
  /** ISO 8601. */
  readonly firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  /** Snapshots that breached the rule while it was open. */
  count: number;
}

/** What notifiers receive: an alert that fired, escalated or resolved. */
export interface AlertEvent {
  readonly kind: 'fired' | 'escalated' | 'resolved';
  readonly alert: Readonly<PerformanceAlert>;
}
