import type { PerformanceAlert } from '../core/schemas/performance-alert';
import type { HistoryStore } from './history.store';
import type { MetricsSnapshot } from './metrics-snapshot';

/** Hours a snapshot keeps its latency histogram in memory: the longest window the fleet view adds up. */
export const MEMORY_HISTOGRAM_HOURS = 24;

/**
 * The default {@link HistoryStore}: a ring of the last `maxSnapshots`
 * snapshots and at most `maxAlerts` alerts (resolved ones are dropped first),
 * in this process only. Snapshots older than {@link MEMORY_HISTOGRAM_HOURS}
 * are kept without their latency histogram, which nothing reads past it.
 */
export class MemoryHistoryStore implements HistoryStore {
  private readonly ring: (MetricsSnapshot | undefined)[];
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;
  /** Snapshots appended since start, and how many of the oldest have lost their histogram (or left the ring). */
  private appended = 0;
  private trimmed = 0;
  private readonly alertsById = new Map<string, PerformanceAlert>();

  constructor(
    private readonly maxSnapshots: number,
    private readonly maxAlerts: number,
  ) {
    this.ring = new Array<MetricsSnapshot | undefined>(maxSnapshots);
    this.times = new Float64Array(maxSnapshots);
  }

  async init(): Promise<void> {}

  async append(snapshot: MetricsSnapshot): Promise<void> {
    this.ring[this.next] = snapshot;
    this.times[this.next] = Date.parse(snapshot.timestamp);
    this.next = (this.next + 1) % this.maxSnapshots;
    this.size = Math.min(this.size + 1, this.maxSnapshots);
    this.appended++;
    this.trimHistograms(Date.parse(snapshot.timestamp) - MEMORY_HISTOGRAM_HOURS * 3_600_000);
  }

  /** Drops the histograms of snapshots taken before `beforeMs`, oldest first: each snapshot is looked at once. */
  private trimHistograms(beforeMs: number): void {
    this.trimmed = Math.max(this.trimmed, this.appended - this.size);
    while (this.trimmed < this.appended) {
      const at = this.trimmed % this.maxSnapshots;
      if (!(this.times[at]! < beforeMs)) return;
      const s = this.ring[at];
      if (s?.latencyHistogram) {
        const { latencyHistogram: _dropped, ...rest } = s;
        this.ring[at] = rest;
      }
      this.trimmed++;
    }
  }

  async snapshots(sinceMs: number, instanceId?: string): Promise<MetricsSnapshot[]> {
    const out: MetricsSnapshot[] = [];
    const start = (this.next - this.size + this.maxSnapshots) % this.maxSnapshots;
    for (let i = 0; i < this.size; i++) {
      const at = (start + i) % this.maxSnapshots;
      const s = this.ring[at]!;
      if (this.times[at]! >= sinceMs && (instanceId === undefined || s.instanceId === instanceId)) out.push(s);
    }
    return out;
  }

  async latestSnapshots(sinceMs: number): Promise<MetricsSnapshot[]> {
    const latest = new Map<string, MetricsSnapshot>();
    for (const s of await this.snapshots(sinceMs)) latest.set(s.instanceId, s);
    return [...latest.values()];
  }

  async openAlerts(): Promise<PerformanceAlert[]> {
    return [...this.alertsById.values()].filter((a) => a.status === 'firing').map((a) => ({ ...a }));
  }

  async saveAlert(alert: PerformanceAlert): Promise<void> {
    this.alertsById.set(alert.id, { ...alert });
    if (this.alertsById.size <= this.maxAlerts) return;
    // Over the bound: drop the oldest resolved alert, else the oldest one.
    const oldest = [...this.alertsById.values()].sort((a, b) => a.lastSeen.localeCompare(b.lastSeen));
    const victim = oldest.find((a) => a.status === 'resolved') ?? oldest[0]!;
    this.alertsById.delete(victim.id);
  }

  async alerts(sinceMs: number, instanceId?: string): Promise<PerformanceAlert[]> {
    return [...this.alertsById.values()]
      .filter((a) => Date.parse(a.lastSeen) >= sinceMs && (instanceId === undefined || a.instanceId === instanceId))
      .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || b.firstSeen.localeCompare(a.firstSeen))
      .map((a) => ({ ...a }));
  }

  async firingAlerts(instanceId: string): Promise<PerformanceAlert[]> {
    return [...this.alertsById.values()].filter((a) => a.status === 'firing' && a.instanceId === instanceId).map((a) => ({ ...a }));
  }

  async clearResolvedAlerts(instanceId: string): Promise<number> {
    let n = 0;
    for (const [id, a] of this.alertsById) {
      if (a.status === 'resolved' && a.instanceId === instanceId) {
        this.alertsById.delete(id);
        n++;
      }
    }
    return n;
  }

  async prune(beforeMs: number): Promise<void> {
    for (const [id, a] of this.alertsById) {
      if (a.status === 'resolved' && Date.parse(a.lastSeen) < beforeMs) this.alertsById.delete(id);
    }
  }

  async close(): Promise<void> {}
}
