import type { AlertMetric, AlertSeverity } from './alerts.options';

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
  /** The snapshot field the rule watches. */
  readonly metric: AlertMetric;
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
