import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AlertsFiringSource } from '../core/ports/observability.port';
import type { HistoryStore } from '../monitor/history.store';
import type { SnapshotObserver } from '../monitor/metrics-sampler.service';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { roundTo } from '../monitor/metrics-snapshot';
import type { AlertDispatcher } from './alert-dispatcher';
import { ALERT_METRICS, type AlertMetric, type AlertSeverity } from '../core/options/alerts.options';
import type { AlertRule, ResolvedAlertsOptions } from '../core/options/schema/alerts';
import type {
  AlertEvent,
  AlertSubject,
  JobAlertCondition,
  JobAlertSource,
  OutageAlertRule,
  PendingAlert,
  PerformanceAlert,
  RouteAlertSource,
  RouteJudgement,
  SloAlertCondition,
  SloAlertSource,
  StoreOutage,
  StoreOutageSource,
} from '../core/schemas/performance-alert';
import { maskSecretsInText } from '../core/secret-masking';
import { METRIC_CATALOGUE } from '../core/judgment/metric-catalogue';

/** Each metric rule's label and unit in messages, from the threshold model's catalogue. */
const LABELS: Record<AlertMetric, { label: string; unit: string }> = Object.fromEntries(
  (Object.keys(ALERT_METRICS) as AlertMetric[]).map((m) => {
    const { label, unit } = METRIC_CATALOGUE[m];
    return [m, { label, unit: unit === '%' || unit === '' ? unit : ` ${unit}` }];
  }),
) as Record<AlertMetric, { label: string; unit: string }>;

const ORDER: readonly AlertSeverity[] = ['critical', 'warning', 'info'];

/** The level a value reaches under a rule, or undefined when healthy (or unmeasured). */
export function levelOf(rule: AlertRule, value: number | null): { severity: AlertSeverity; threshold: number } | undefined {
  if (value === null || !Number.isFinite(value)) return undefined;
  for (const severity of ORDER) {
    const threshold = rule.levels[severity];
    if (threshold === undefined) continue;
    if (rule.direction === 'above' ? value > threshold : value < threshold) return { severity, threshold };
  }
  return undefined;
}

/** Metrics measured on the requests of the window: without requests they say nothing. */
const PER_REQUEST: ReadonlySet<AlertMetric> = new Set<AlertMetric>(['p95Ms', 'errorRatePercent']);

/**
 * Whether the snapshot measured the metric: a value, and for the metrics of
 * requests (latency, error rate) at least one request in the window. The
 * others say null when they had nothing to measure (no cache lookups, no
 * queries, no pool).
 */
export function measured(snapshot: MetricsSnapshot, metric: AlertMetric): boolean {
  const value = snapshot[metric];
  if (value === null || value === undefined || !Number.isFinite(value)) return false;
  return !PER_REQUEST.has(metric) || snapshot.requests > 0;
}

interface Open {
  alert: PerformanceAlert;
  healthy: number;
}

/** A rule breaching since `since` (ms) that has not held for `forSeconds` yet. */
interface Pending {
  readonly since: number;
  readonly firstSeen: string;
  breach: Breach;
  last: string;
}

/** A resolved alert whose RESOLVED notification waits for `flapWindowSeconds` (it reopens if its rule fires meanwhile). */
interface Quiet {
  readonly alert: PerformanceAlert;
  readonly at: number;
}

/** Sets an alert's duration: from firing to resolving, or to its latest snapshot while it fires. */
function stamp(a: PerformanceAlert): PerformanceAlert {
  a.durationSeconds = Math.max(0, roundTo((Date.parse(a.resolvedAt ?? a.lastSeen) - Date.parse(a.firedAt)) / 1000, 1));
  return a;
}

/** An alert saved before alerts had a lifecycle record, completed: fired when first seen, no flapping. */
export function withLifecycle(a: PerformanceAlert): PerformanceAlert {
  const partial = a as Partial<PerformanceAlert> & PerformanceAlert;
  if (partial.firedAt !== undefined && partial.transitions !== undefined && partial.flapping !== undefined) return stamp(a);
  return stamp({
    ...a,
    firedAt: partial.firedAt ?? a.firstSeen,
    flapping: partial.flapping ?? false,
    transitions: partial.transitions ?? (a.status === 'resolved' ? 1 : 0),
  });
}

/** A rule breaching in the snapshot under evaluation. */
interface Breach {
  readonly metric: AlertSubject;
  readonly job?: string;
  readonly dependency?: string;
  readonly slo?: string;
  readonly route?: string;
  readonly severity: AlertSeverity;
  readonly threshold: number;
  readonly value: number;
  /** The message at `threshold` (the alert's own level may be higher while it stays escalated). */
  message(threshold: number): string;
}

/** The open-alert key: the metric, `rule:job` for a job rule, `rule:store` for an outage rule (one open alert per rule and subject). */
function keyOf(metric: AlertSubject, subject: string | undefined): string {
  return subject === undefined ? metric : `${metric}:${subject}`;
}

const OUTAGE_RULES: Record<StoreOutage['kind'], OutageAlertRule> = { cache: 'cache-store-down', database: 'database-down' };

function outageMessage(o: StoreOutage): string {
  const reason = maskSecretsInText(o.reason);
  return o.kind === 'cache'
    ? `Cache store "${o.name}" is down (requests go on without the cache): ${reason}`
    : `Database "${o.name}"${o.type ? ` (${o.type})` : ''} is down: ${reason}`;
}

/**
 * Evaluates the alert rules against each snapshot and keeps each alert's
 * lifecycle: a breach opens one alert per rule (firing), later breaches
 * update it (count, last seen, value, escalation), and `resolveAfterSamples`
 * healthy snapshots in a row resolve it. A snapshot that did not measure a
 * rule's metric (no requests for latency and error rate; no cache lookups,
 * queries or pool for theirs) leaves that rule's alert as it is: no data is
 * not healthy, so an alert does not resolve and fire again across quiet
 * intervals. Every change is saved to the history store
 * and handed to the notifiers; neither is awaited by the sampler.
 *
 * Job rules (`job-failure-rate`, `job-overdue`) come from a
 * {@link JobAlertSource} read at the same time as each snapshot and follow
 * the same lifecycle, with one open alert per rule and job.
 *
 * Outage rules (`cache-store-down`, `database-down`) come from the store
 * outages checked (through the {@link StoreOutageSource}) with each snapshot
 * the sampler hands over, with one open alert per rule and store;
 * `alerts.outages` sets their severity.
 */
export class AlertManager implements AlertsFiringSource, SnapshotObserver {
  private readonly logger = new Logger('nestjs-performance:alerts');
  private readonly open = new Map<string, Open>();
  private readonly pendings = new Map<string, Pending>();
  private readonly quiet = new Map<string, Quiet>();
  private routesWarned = false;
  /** The time of the latest snapshot evaluated (ms). */
  private latestAt = 0;
  private storeWarned = false;
  private jobsWarned = false;
  private outagesWarned = false;
  private checkingOutages: Promise<readonly StoreOutage[] | undefined> | undefined;
  // Saves run one after another, so an alert's insert always precedes its updates.
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ResolvedAlertsOptions,
    private readonly instanceId: string,
    private readonly store: HistoryStore,
    readonly dispatcher: AlertDispatcher,
    private readonly jobs: JobAlertSource | null = null,
    private readonly outages: StoreOutageSource | null = null,
    private readonly slos: SloAlertSource | null = null,
    private readonly routes: RouteAlertSource | null = null,
  ) {}

  /** @internal The sampler started: continue the alerts that were firing at the last stop. */
  samplerStarted(): Promise<void> {
    return this.restore();
  }

  /** @internal The sampler took a snapshot: check the stores for the outage rules, then evaluate every rule. */
  async snapshotTaken(snapshot: MetricsSnapshot): Promise<void> {
    const outages = await this.checkOutages();
    this.evaluate(snapshot, outages);
  }

  /**
   * The stores down now, for the outage rules: empty when no rule is on or
   * health is off (nothing is checked), undefined when the check failed to
   * run. Snapshots taken while a check runs share it.
   */
  private checkOutages(): Promise<readonly StoreOutage[] | undefined> {
    const source = this.outages;
    if (!source || !this.watchesOutages) return Promise.resolve([]);
    this.checkingOutages ??= source
      .storeOutages()
      .catch((error: unknown) => {
        if (!this.outagesWarned) {
          this.outagesWarned = true;
          this.logger.warn(`could not check the cache store and databases for outage alerts: ${(error as Error).message}`);
        }
        return undefined;
      })
      .finally(() => (this.checkingOutages = undefined));
    return this.checkingOutages;
  }

  /** @internal The sampler stops: send the RESOLVED notifications still waiting, save what is pending, then close the notifiers. */
  async samplerStopped(): Promise<void> {
    for (const [key, q] of [...this.quiet]) {
      this.quiet.delete(key);
      this.dispatcher.dispatch({ kind: 'resolved', alert: { ...q.alert } });
    }
    await this.flush();
    await this.dispatcher.close();
  }

  /** Picks up alerts that were firing when this instance last stopped. */
  async restore(): Promise<void> {
    for (const saved of await this.store.firingAlerts(this.instanceId)) {
      const alert = withLifecycle(saved);
      const key = keyOf(alert.metric, alert.job ?? alert.dependency ?? alert.slo ?? alert.route);
      if (!this.open.has(key)) this.open.set(key, { alert, healthy: 0 });
    }
  }

  /**
   * Applies one snapshot (and the job conditions at its time) and the store
   * outages checked with it; returns the events it caused (already
   * dispatched). `outages` undefined means the stores were not checked this
   * time: their open alerts stay as they are.
   */
  evaluate(snapshot: MetricsSnapshot, outages?: readonly StoreOutage[]): AlertEvent[] {
    if (!this.options.enabled) return [];
    const events: AlertEvent[] = [];
    const now = snapshot.timestamp;
    for (const rule of this.options.rules) {
      const value = snapshot[rule.metric] ?? null;
      // No data is not healthy: a window without what the metric measures keeps the alert as it is.
      if (!measured(snapshot, rule.metric)) continue;
      const level = levelOf(rule, value);
      const breach: Breach | undefined =
        level && value !== null
          ? {
              metric: rule.metric,
              severity: level.severity,
              threshold: level.threshold,
              value,
              message: (threshold) => this.message(rule, value, threshold),
            }
          : undefined;
      this.apply(rule.metric, breach, now, events, true);
    }
    this.evaluateJobs(Date.parse(now), now, events);
    this.evaluateSlos(Date.parse(now), now, events);
    if (outages) this.evaluateOutages(outages, now, events);
    this.evaluateRoutes(Date.parse(now), now, events);
    this.latestAt = Math.max(this.latestAt, Date.parse(now));
    this.releaseResolved(Date.parse(now), events);
    for (const event of events) {
      this.save(event.alert);
      this.dispatcher.dispatch(event);
    }
    return events;
  }

  /** Alerts of this instance seen in the last `hours`, newest first. */
  async list(hours: number): Promise<PerformanceAlert[]> {
    await this.saving;
    return (await this.store.alerts(Date.now() - hours * 3_600_000, this.instanceId)).map(withLifecycle);
  }

  /** The rules breaching now whose alert waits for `alerts.forSeconds`, longest held first. */
  pending(): PendingAlert[] {
    return [...this.pendings.values()]
      .map((p): PendingAlert => {
        const b = p.breach;
        return {
          metric: b.metric,
          ...(b.job === undefined ? {} : { job: b.job }),
          ...(b.dependency === undefined ? {} : { dependency: b.dependency }),
          ...(b.slo === undefined ? {} : { slo: b.slo }),
          ...(b.route === undefined ? {} : { route: b.route }),
          severity: b.severity,
          message: b.message(b.threshold),
          since: p.firstSeen,
          heldSeconds: roundTo((Math.max(this.latestAt, Date.parse(p.last)) - p.since) / 1000, 1),
          forSeconds: this.options.forSeconds,
        };
      })
      .sort((a, b) => b.heldSeconds - a.heldSeconds);
  }

  /** Waits until every alert change so far is saved. */
  async flush(): Promise<void> {
    await this.saving;
  }

  /** The alerts firing now. */
  firing(): PerformanceAlert[] {
    return [...this.open.values()].map((o) => ({ ...o.alert }));
  }

  /**
   * Deletes resolved alerts; firing ones stay, since they describe the present. A resolved alert whose
   * RESOLVED notification was waiting out the flap window is notified now: once deleted it cannot reopen.
   */
  async clear(): Promise<{ cleared: number; firing: number }> {
    for (const [key, q] of [...this.quiet]) {
      this.quiet.delete(key);
      this.dispatcher.dispatch({ kind: 'resolved', alert: { ...q.alert } });
    }
    await this.saving;
    const cleared = await this.store.clearResolvedAlerts(this.instanceId);
    return { cleared, firing: this.open.size };
  }

  firingBySeverity(): Readonly<Record<string, number>> {
    const out: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
    for (const o of this.open.values()) out[o.alert.severity]++;
    return out;
  }

  /**
   * Job conditions breaching now open or update their alerts; open job alerts
   * without one count a healthy sample. Without a source (job monitoring
   * switched off since a restart) restored job alerts resolve.
   */
  private evaluateJobs(nowMs: number, now: string, events: AlertEvent[]): void {
    let conditions: readonly JobAlertCondition[];
    try {
      conditions = this.jobs ? this.jobs.jobAlerts(nowMs) : [];
    } catch (error) {
      if (!this.jobsWarned) {
        this.jobsWarned = true;
        this.logger.warn(`could not read the job alert conditions: ${(error as Error).message}`);
      }
      return;
    }
    const breaching = new Set<string>();
    for (const c of conditions) {
      const key = keyOf(c.rule, c.job);
      if (breaching.has(key)) continue;
      breaching.add(key);
      this.apply(key, { metric: c.rule, job: c.job, severity: c.severity, threshold: c.threshold, value: c.value, message: () => c.message }, now, events);
    }
    for (const [key, open] of [...this.open]) {
      if (open.alert.job !== undefined && !breaching.has(key)) this.apply(key, undefined, now, events);
    }
  }

  /**
   * SLO burn-rate conditions breaching now open or update their alert (one
   * per SLO); open SLO alerts without one count a healthy sample.
   */
  private evaluateSlos(nowMs: number, now: string, events: AlertEvent[]): void {
    let conditions: readonly SloAlertCondition[];
    try {
      conditions = this.slos ? this.slos.sloAlerts(nowMs) : [];
    } catch (error) {
      if (!this.slosWarned) {
        this.slosWarned = true;
        this.logger.warn(`could not read the SLO alert conditions: ${(error as Error).message}`);
      }
      return;
    }
    const breaching = new Set<string>();
    for (const c of conditions) {
      const key = keyOf(c.rule, c.slo);
      if (breaching.has(key)) continue;
      breaching.add(key);
      this.apply(key, { metric: c.rule, slo: c.slo, severity: c.severity, threshold: c.threshold, value: c.value, message: () => c.message }, now, events);
    }
    for (const [key, open] of [...this.open]) {
      if (open.alert.slo !== undefined && !breaching.has(key)) this.apply(key, undefined, now, events);
    }
  }

  private slosWarned = false;

  /** True when an outage rule is on: the stores are checked only then. */
  get watchesOutages(): boolean {
    const o = this.options.outages;
    return this.options.enabled && (o.cacheStore !== false || o.database !== false);
  }

  /**
   * Each store down now opens or updates its alert (when its rule is on);
   * open outage alerts of stores that answered count a healthy sample.
   */
  private evaluateOutages(outages: readonly StoreOutage[], now: string, events: AlertEvent[]): void {
    const breaching = new Set<string>();
    for (const o of outages) {
      const severity = o.kind === 'cache' ? this.options.outages.cacheStore : this.options.outages.database;
      const rule = OUTAGE_RULES[o.kind];
      const key = keyOf(rule, o.name);
      if (severity === false || breaching.has(key)) continue;
      breaching.add(key);
      const message = outageMessage(o);
      this.apply(key, { metric: rule, dependency: o.name, severity, threshold: 1, value: 1, message: () => message }, now, events, true);
    }
    for (const key of this.keysOf((a) => a.dependency !== undefined)) {
      if (!breaching.has(key)) this.apply(key, undefined, now, events, true);
    }
  }

  /** Keys of the open alerts and pending rules whose subject passes `test`. */
  private keysOf(test: (subject: { readonly dependency?: string; readonly route?: string }) => boolean): string[] {
    const keys: string[] = [];
    for (const [key, o] of this.open) if (test(o.alert)) keys.push(key);
    for (const [key, p] of this.pendings) if (test(p.breach)) keys.push(key);
    return keys;
  }

  /**
   * Route rules (`route-anomaly`, `route-target`) from the route baselines:
   * each breaching route opens or updates its alert; a route the window
   * measured without a breach counts a healthy sample; a route without
   * enough requests in the window keeps its alert as it is. Without a
   * source (baselines switched off since a restart) restored route alerts resolve.
   */
  private evaluateRoutes(nowMs: number, now: string, events: AlertEvent[]): void {
    let judgement: RouteJudgement;
    try {
      judgement = this.routes ? this.routes.routeAlerts(nowMs) : { measured: [], breaching: [] };
    } catch (error) {
      if (!this.routesWarned) {
        this.routesWarned = true;
        this.logger.warn(`could not read the route baselines: ${(error as Error).message}`);
      }
      return;
    }
    const breaching = new Set<string>();
    for (const c of judgement.breaching) {
      const key = keyOf(c.rule, c.route);
      if (breaching.has(key)) continue;
      breaching.add(key);
      this.apply(
        key,
        { metric: c.rule, route: c.route, severity: c.severity, threshold: c.threshold, value: c.value, message: () => c.message },
        now,
        events,
        true,
      );
    }
    const measured = new Set(judgement.measured);
    for (const key of this.keysOf((a) => a.route !== undefined && (this.routes === null || measured.has(a.route)))) {
      if (!breaching.has(key)) this.apply(key, undefined, now, events, true);
    }
  }

  /** Sends the RESOLVED notifications that waited `flapWindowSeconds` without their rule firing again. */
  private releaseResolved(nowMs: number, events: AlertEvent[]): void {
    for (const [key, q] of [...this.quiet]) {
      if (nowMs - q.at < this.options.flapWindowSeconds * 1000) continue;
      this.quiet.delete(key);
      events.push({ kind: 'resolved', alert: { ...q.alert } });
    }
  }

  /**
   * One step of an alert's lifecycle: open, update or escalate on a breach; count towards resolving otherwise
   * (only windows that measured the metric get here: `resolveAfterSamples` healthy ones in a row resolve it).
   * A `settled` rule (metric, outage, route) fires only once it has breached for `forSeconds`, and a
   * resolved alert of it waits `flapWindowSeconds` before its RESOLVED goes out: firing again meanwhile
   * reopens it as one flapping alert. Other rules (jobs, SLOs) fire and resolve at once.
   */
  private apply(key: string, breach: Breach | undefined, now: string, events: AlertEvent[], settled = false): void {
    const current = this.open.get(key);
    if (breach) {
      if (current) {
        this.update(current, breach, now, events);
        return;
      }
      let firstSeen = now;
      if (settled) {
        const nowMs = Date.parse(now);
        const pending = this.pendings.get(key) ?? { since: nowMs, firstSeen: now, breach, last: now };
        pending.breach = breach;
        pending.last = now;
        if (nowMs - pending.since < this.options.forSeconds * 1000) {
          this.pendings.set(key, pending);
          return;
        }
        this.pendings.delete(key);
        firstSeen = pending.firstSeen;
        const quiet = this.quiet.get(key);
        if (quiet) {
          this.quiet.delete(key);
          this.reopen(key, quiet.alert, breach, now, events);
          return;
        }
      }
      this.fire(key, breach, firstSeen, now, events);
      return;
    }
    // A healthy window with data: a rule that had not held long enough starts over.
    if (settled) this.pendings.delete(key);
    if (!current) return;
    current.healthy++;
    if (current.healthy < this.options.resolveAfterSamples) return;
    const a = current.alert;
    a.status = 'resolved';
    a.resolvedAt = now;
    a.lastSeen = now;
    a.transitions++;
    stamp(a);
    this.open.delete(key);
    if (settled && this.options.flapWindowSeconds > 0) {
      // Resolved now (the alert list says so); receivers hear it once it stayed resolved through the window.
      this.quiet.set(key, { alert: a, at: Date.parse(now) });
      this.save(a);
    } else {
      events.push({ kind: 'resolved', alert: { ...a } });
    }
  }

  private fire(key: string, breach: Breach, firstSeen: string, now: string, events: AlertEvent[]): void {
    const alert: PerformanceAlert = stamp({
      id: randomUUID(),
      instanceId: this.instanceId,
      metric: breach.metric,
      ...(breach.job === undefined ? {} : { job: breach.job }),
      ...(breach.dependency === undefined ? {} : { dependency: breach.dependency }),
      ...(breach.slo === undefined ? {} : { slo: breach.slo }),
      ...(breach.route === undefined ? {} : { route: breach.route }),
      severity: breach.severity,
      status: 'firing',
      message: breach.message(breach.threshold),
      value: roundTo(breach.value),
      threshold: breach.threshold,
      firstSeen,
      lastSeen: now,
      resolvedAt: null,
      count: 1,
      firedAt: now,
      durationSeconds: 0,
      flapping: false,
      transitions: 0,
    });
    this.open.set(key, { alert, healthy: 0 });
    events.push({ kind: 'fired', alert: { ...alert } });
  }

  /** A further breach of an open alert: counted, and escalated when it reaches a higher level. */
  private update(current: Open, breach: Breach, now: string, events: AlertEvent[]): void {
    const a = current.alert;
    current.healthy = 0;
    a.count++;
    a.lastSeen = now;
    a.value = roundTo(breach.value);
    const escalated = ORDER.indexOf(breach.severity) < ORDER.indexOf(a.severity);
    if (escalated) {
      a.severity = breach.severity;
      a.threshold = breach.threshold;
    }
    a.message = breach.message(a.threshold);
    stamp(a);
    if (escalated) events.push({ kind: 'escalated', alert: { ...a } });
    else this.save(a);
  }

  /**
   * The rule fired again while its resolved alert's RESOLVED was still waiting: the same alert fires
   * again, marked flapping. Receivers, who never heard it resolve, get one `flapping` note (the first
   * time) or `escalated` when it came back at a higher level; nothing otherwise.
   */
  private reopen(key: string, a: PerformanceAlert, breach: Breach, now: string, events: AlertEvent[]): void {
    const escalated = ORDER.indexOf(breach.severity) < ORDER.indexOf(a.severity);
    const first = !a.flapping;
    a.status = 'firing';
    a.resolvedAt = null;
    a.transitions++;
    a.flapping = true;
    a.count++;
    a.lastSeen = now;
    a.value = roundTo(breach.value);
    a.severity = breach.severity;
    a.threshold = breach.threshold;
    a.message = breach.message(breach.threshold);
    stamp(a);
    this.open.set(key, { alert: a, healthy: 0 });
    if (first) events.push({ kind: 'flapping', alert: { ...a } });
    else if (escalated) events.push({ kind: 'escalated', alert: { ...a } });
    else this.save(a);
  }

  private message(rule: AlertRule, value: number, threshold: number): string {
    const { label, unit } = LABELS[rule.metric];
    const op = rule.direction === 'above' ? 'above' : 'below';
    return `${label} ${roundTo(value)}${unit} is ${op} ${threshold}${unit}`;
  }

  private save(alert: PerformanceAlert): void {
    const copy = { ...alert };
    this.saving = this.saving
      .then(() => this.store.saveAlert(copy))
      .catch((error: unknown) => {
        if (this.storeWarned) return;
        this.storeWarned = true;
        this.logger.warn(`could not save an alert to the history store: ${(error as Error).message}`);
      });
  }
}
