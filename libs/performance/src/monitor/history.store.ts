import type { PerformanceAlert } from '../core/schemas/performance-alert';
import type { MetricsSnapshot } from './metrics-snapshot';

/**
 * Where snapshots and alerts are kept. Two come with the module:
 * {@link MemoryHistoryStore} (default) and {@link TypeOrmHistoryStore}; an app
 * may provide its own under the {@link HistoryStore} token. Every store is
 * bounded (by count or by retention).
 */
export interface HistoryStore {
  /** Prepares the store (tables, ...). Called once at start-up. */
  init(): Promise<void>;
  append(snapshot: MetricsSnapshot): Promise<void>;
  /** Snapshots taken at or after `sinceMs` (epoch ms), oldest first; one instance's when `instanceId` is given. */
  snapshots(sinceMs: number, instanceId?: string): Promise<MetricsSnapshot[]>;
  /**
   * The latest snapshot of each instance that took one at or after `sinceMs`,
   * in no particular order: the fleet view reads every instance sharing the
   * store from it. Optional: without it the fleet view reads `snapshots()`.
   */
  latestSnapshots?(sinceMs: number): Promise<MetricsSnapshot[]>;
  /**
   * Firing alerts of every instance sharing the store. Optional: without it
   * the fleet view filters `alerts(0)`.
   */
  openAlerts?(): Promise<PerformanceAlert[]>;
  /** Inserts or updates an alert (by id). */
  saveAlert(alert: PerformanceAlert): Promise<void>;
  /** Alerts seen (last seen) at or after `sinceMs`, newest first. */
  alerts(sinceMs: number, instanceId?: string): Promise<PerformanceAlert[]>;
  /** Firing alerts of an instance, to continue their lifecycle after a restart. */
  firingAlerts(instanceId: string): Promise<PerformanceAlert[]>;
  /** Deletes resolved alerts of an instance; returns how many. */
  clearResolvedAlerts(instanceId: string): Promise<number>;
  /**
   * Deletes snapshots and resolved alerts older than `beforeMs`, and the
   * firing alerts of instances that have no snapshot left (stopped long ago).
   */
  prune(beforeMs: number): Promise<void>;
  close(): Promise<void>;
}

/** Injection token of the {@link HistoryStore} in use. */
export const HistoryStore = Symbol('HistoryStore');
