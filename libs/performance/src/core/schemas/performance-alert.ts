import type { AlertMetric, AlertSeverity } from '../options/alerts.options';

/** Rules about background jobs, evaluated with each snapshot beside the metric rules. */
export type JobAlertRule = 'job-failure-rate' | 'job-overdue';

/**
 * Rules about the stores the app uses, evaluated with each snapshot:
 * `cache-store-down` (the response cache's store does not answer) and
 * `database-down` (a TypeORM DataSource does not answer `SELECT 1`).
 */
export type OutageAlertRule = 'cache-store-down' | 'database-down';

/**
 * The rule about service level objectives, evaluated with each snapshot:
 * `slo-burn-rate` (an SLO spends its error budget too fast; critical on a
 * fast burn, warning on a slow one).
 */
export type SloAlertRule = 'slo-burn-rate';

/**
 * What an alert watches: a snapshot metric, a job rule (then `job` names the job), an outage rule (then
 * `dependency` names the store), the SLO rule (then `slo` names the SLO) or a route rule (then `route` names the route).
 */
export type AlertSubject = AlertMetric | JobAlertRule | OutageAlertRule | SloAlertRule | RouteAlertRule;

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

/** A condition that breaches now about one SLO, as the SLO monitor computes it. */
export interface SloAlertCondition {
  readonly rule: SloAlertRule;
  readonly slo: string;
  readonly severity: AlertSeverity;
  readonly message: string;
  /** The burn rate of the shorter window that breached. */
  readonly value: number;
  /** The burn rate it crossed (14.4 fast, 6 slow). */
  readonly threshold: number;
}

/**
 * Where the alert manager reads SLO conditions from at each snapshot; the
 * module passes its `SloMonitor` when SLOs are declared.
 */
export interface SloAlertSource {
  /** The SLO conditions breaching at `now` (ms since the epoch). */
  sloAlerts(now: number): readonly SloAlertCondition[];
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
 * Rules about one route (`route` names it, `GET /documents/:id`), evaluated
 * with each snapshot: `route-anomaly` (the route runs far outside the
 * baseline learned from its own history) and `route-target` (the route is
 * over the target set for it in `baselines.routeTargets`).
 */
export type RouteAlertRule = 'route-anomaly' | 'route-target';

/** A condition that breaches now about one route, as the route baselines judge it. */
export interface RouteAlertCondition {
  readonly rule: RouteAlertRule;
  /** `METHOD /template`, as `routes` lists it. */
  readonly route: string;
  readonly severity: AlertSeverity;
  readonly message: string;
  readonly value: number;
  readonly threshold: number;
}

/** What the route baselines judged in the window that ended with a snapshot. */
export interface RouteJudgement {
  /** The routes the window measured (enough requests to judge): a route missing here keeps its alert as it is. */
  readonly measured: readonly string[];
  /** The measured routes that breach a rule. */
  readonly breaching: readonly RouteAlertCondition[];
}

/**
 * Where the alert manager reads route conditions from at each snapshot; the
 * module passes its route baselines when `baselines.enabled`.
 */
export interface RouteAlertSource {
  /** The judgement of the window that ended at `now` (ms since the epoch, the snapshot's time). */
  routeAlerts(now: number): RouteJudgement;
}
/** Token of {@link RouteAlertSource}. */
export const RouteAlertSource = Symbol('RouteAlertSource');

/**
 * One alert: a rule whose metric crossed a level. A metric, outage or route
 * rule fires once it has breached for `alerts.forSeconds` (windows without
 * data do not interrupt it, a healthy window with data does); job rules fire
 * at once. While it fires, further breaching snapshots update it
 * (`lastSeen`, `count`, `value`, and the severity when it escalates) instead
 * of opening another; `resolveAfterSamples` healthy snapshots with data in a
 * row resolve it. A rule that fires again within `alerts.flapWindowSeconds`
 * of resolving reopens the same alert, marked `flapping`.
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
  /** The SLO the `slo-burn-rate` rule is about. One alert is open per SLO. */
  readonly slo?: string;
  /** The route a route rule is about (`GET /documents/:id`). One alert is open per rule and route. */
  readonly route?: string;
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
  /** ISO 8601: when it fired (`firstSeen` is its first breaching snapshot, `alerts.forSeconds` earlier or more). */
  firedAt: string;
  /** Seconds from `firedAt` to `resolvedAt`, or to `lastSeen` while it fires. */
  durationSeconds: number;
  /** True once it resolved and fired again within `alerts.flapWindowSeconds`: kept as this one alert. */
  flapping: boolean;
  /** Changes between firing and resolved after it first fired (a flapping alert has at least 2). */
  transitions: number;
}

/** A rule breaching now that has not held for `alerts.forSeconds` yet: its alert fires when it has. */
export interface PendingAlert {
  readonly metric: AlertSubject;
  readonly job?: string;
  readonly dependency?: string;
  readonly slo?: string;
  readonly route?: string;
  readonly severity: AlertSeverity;
  readonly message: string;
  /** ISO 8601: the first breaching snapshot. */
  readonly since: string;
  /** Seconds it has breached so far (to the latest snapshot). */
  readonly heldSeconds: number;
  /** `alerts.forSeconds`: it fires once {@link heldSeconds} reaches it. */
  readonly forSeconds: number;
}

/**
 * What notifiers receive: an alert that fired, escalated or resolved, or
 * (`flapping`, once per alert) that resolved and fired again within
 * `alerts.flapWindowSeconds`, so it stays one open alert.
 */
export interface AlertEvent {
  readonly kind: 'fired' | 'escalated' | 'flapping' | 'resolved';
  readonly alert: Readonly<PerformanceAlert>;
}
