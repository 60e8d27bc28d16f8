import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { AlertsFiringSource } from '../metrics/observability.sources';
import type { HistoryStore } from '../monitor/history.store';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { roundTo } from '../monitor/metrics-snapshot';
import type { AlertDispatcher } from './alert-dispatcher';
import type { AlertMetric, AlertRule, AlertSeverity, ResolvedAlertsOptions } from './alerts.options';
import type { AlertEvent, PerformanceAlert } from './performance-alert';

const LABELS: Record<AlertMetric, { label: string; unit: string }> = {
  cpuPercent: { label: 'CPU usage', unit: '%' },
  memoryPercent: { label: 'Memory usage', unit: '%' },
  p95Ms: { label: 'Response time p95', unit: ' ms' },
  errorRatePercent: { label: 'Error rate', unit: '%' },
  poolUtilizationPercent: { label: 'Connection pool usage', unit: '%' },
  dbMeanQueryMs: { label: 'Mean query time', unit: ' ms' },
  eventLoopLagP99Ms: { label: 'Event loop lag p99', unit: ' ms' },
  cacheHitRatePercent: { label: 'Cache hit rate', unit: '%' },
};

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

interface Open {
  alert: PerformanceAlert;
  healthy: number;
}

/**
 * Evaluates the alert rules against each snapshot and keeps each alert's
 * lifecycle: a breach opens one alert per rule (firing), later breaches
 * update it (count, last seen, value, escalation), and `resolveAfterSamples`
 * healthy snapshots resolve it. Every change is saved to the history store
 * and handed to the notifiers; neither is awaited by the sampler.
 */
export class AlertManager implements AlertsFiringSource {
  private readonly logger = new Logger('nestjs-performance:alerts');
  private readonly open = new Map<AlertMetric, Open>();
  private storeWarned = false;
  // Saves run one after another, so an alert's insert always precedes its updates.
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: ResolvedAlertsOptions,
    private readonly instanceId: string,
    private readonly store: HistoryStore,
    readonly dispatcher: AlertDispatcher,
  ) {}

  /** Picks up alerts that were firing when this instance last stopped. */
  async restore(): Promise<void> {
    for (const alert of await this.store.firingAlerts(this.instanceId)) {
      if (!this.open.has(alert.metric)) this.open.set(alert.metric, { alert, healthy: 0 });
    }
  }

  /** Applies one snapshot; returns the events it caused (already dispatched). */
  evaluate(snapshot: MetricsSnapshot): AlertEvent[] {
    if (!this.options.enabled) return [];
    const events: AlertEvent[] = [];
    const now = snapshot.timestamp;
    for (const rule of this.options.rules) {
      const value = snapshot[rule.metric];
      const level = levelOf(rule, value);
      const current = this.open.get(rule.metric);
      if (level && value !== null) {
        if (!current) {
          const alert: PerformanceAlert = {
            id: randomUUID(),
            instanceId: this.instanceId,
            metric: rule.metric,
            severity: level.severity,
            status: 'firing',
            message: this.message(rule, value, level.threshold),
            value: roundTo(value),
            threshold: level.threshold,
            firstSeen: now,
            lastSeen: now,
            resolvedAt: null,
            count: 1,
          };
          this.open.set(rule.metric, { alert, healthy: 0 });
          events.push({ kind: 'fired', alert: { ...alert } });
        } else {
          const a = current.alert;
          current.healthy = 0;
          a.count++;
          a.lastSeen = now;
          a.value = roundTo(value);
          const escalated = ORDER.indexOf(level.severity) < ORDER.indexOf(a.severity);
          if (escalated) {
            a.severity = level.severity;
            a.threshold = level.threshold;
          }
          a.message = this.message(rule, value, a.threshold);
          if (escalated) events.push({ kind: 'escalated', alert: { ...a } });
          else this.save(a);
        }
      } else if (current) {
        current.healthy++;
        if (current.healthy >= this.options.resolveAfterSamples) {
          const a = current.alert;
          a.status = 'resolved';
          a.resolvedAt = now;
          a.lastSeen = now;
          this.open.delete(rule.metric);
          events.push({ kind: 'resolved', alert: { ...a } });
        }
      }
    }
    for (const event of events) {
      this.save(event.alert);
      this.dispatcher.dispatch(event);
    }
    return events;
  }

  /** Alerts of this instance seen in the last `hours`, newest first. */
  async list(hours: number): Promise<PerformanceAlert[]> {
    await this.saving;
    return this.store.alerts(Date.now() - hours * 3_600_000, this.instanceId);
  }

  /** Waits until every alert change so far is saved. */
  async flush(): Promise<void> {
    await this.saving;
  }

  /** The alerts firing now. */
  firing(): PerformanceAlert[] {
    return [...this.open.values()].map((o) => ({ ...o.alert }));
  }

  /** Deletes resolved alerts; firing ones stay, since they describe the present. */
  async clear(): Promise<{ cleared: number; firing: number }> {
    await this.saving;
    const cleared = await this.store.clearResolvedAlerts(this.instanceId);
    return { cleared, firing: this.open.size };
  }

  firingBySeverity(): Readonly<Record<string, number>> {
    const out: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
    for (const o of this.open.values()) out[o.alert.severity]++;
    return out;
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
