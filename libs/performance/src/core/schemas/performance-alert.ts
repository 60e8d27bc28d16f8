import type { AlertMetric, AlertSeverity } from '../options/alerts.options';

/** Rules about background jobs, evaluated with each snapshot beside the metric rules. */
export type JobAlertRule = 'job-failure-rate' | 'job-overdue';

/**
 * Rules about the stores the app uses, evaluated with each snapshot:
 * `cache-store-down` (the response cache's store does not answer) and
 * `database-down` (a TypeORM DataSource does not answer `SELECT 1`).
 */
export type OutageAlertRule = 'cache-store-down' | 'database-down';

/** What an alert watches: a snapshot metric, a job rule (then `job` names the job) or an outage rule (then `dependency` names the store). */
export type AlertSubject = AlertMetric | JobAlertRule | OutageAlertRule;

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

/** A store that did not answer its health check. */
export interface StoreOutage {
  /** `cache`: the response cache's store; `database`: a TypeORM DataSource. */
  readonly kind: 'cache' | 'database';
  /** The store's name (`redis`, `two-tier`, ...) or the DataSource's (`default`, ...). */
  readonly name: string;
  /** The DataSource's driver (`postgres`, `mysql`, ...); absent for the cache. */
  readonly type?: string;
  /** Why the check failed, with any URL's user name and password masked. */
  readonly reason: string;
}

/**
 * Checks the cache store and every TypeORM DataSource the module knows; the
 * sampler asks it once per snapshot when an outage rule is on (the health
 * feature provides it, with each check under `health.timeoutMs`).
 */
export interface StoreOutageSource {
  /** The stores that do not answer now; empty when every one does. */
  storeOutages(): Promise<readonly StoreOutage[]>;
}
/** Token of {@link StoreOutageSource}. */
export const StoreOutageSource = Symbol('StoreOutageSource');

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
  /** The snapshot field the rule watches, the job rule (`job-failure-rate`, `job-overdue`) or the outage rule (`cache-store-down`, `database-down`). */
  readonly metric: AlertSubject;
  /** The job a job rule is about; absent for metric rules. One alert is open per rule and job. */
  readonly job?: string;
  /**
   * The store an outage rule is about: the cache store's name or the
   * DataSource's name. One alert is open per rule and store.
   */
  readonly dependency?: string;
  severity: AlertSeverity;
  status: 'firing' | 'resolved';
  /** What is wrong, with the numbers. */
  message: string;
  /** The latest value of the metric while firing (the last breaching one once resolved); 1 (down) for an outage rule. */
  value: number;
  /** The level crossed for `severity`; 1 for an outage rule. */
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
