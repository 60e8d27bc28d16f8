import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AlertSeverity } from '../core/options/alerts.options';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { PerformanceAlert } from '../core/schemas/performance-alert';
import { HistoryStore } from './history.store';
import { latencyPercentiles, mergeLatencyHistograms, type LatencyPercentiles } from './latency-histogram';
import { MetricsSampler } from './metrics-sampler.service';
import { roundTo, type MetricsSnapshot } from './metrics-snapshot';

const HOUR = 3_600_000;

/**
 * Requests, errors and latency of a set of snapshots (one instance's, or the
 * whole fleet's). Counts are summed; percentiles come from the sum of the
 * snapshots' latency histograms, exactly as if one histogram had recorded
 * every response (never an average of percentiles).
 */
export interface FleetTotals {
  /** Instances whose snapshots are counted. */
  readonly instances: number;
  /** Snapshots counted. */
  readonly snapshots: number;
  /** Responses completed. */
  readonly requests: number;
  /** Responses with status 500 or above. */
  readonly errors: number;
  /** `errors / requests` in percent (0 without requests). */
  readonly errorRatePercent: number;
  /** Each instance's requests over the seconds its snapshots cover, summed over the instances. */
  readonly requestsPerSecond: number;
  /** Response time percentiles, ms, from the merged histograms (at most `maxMs`); null without requests. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  /** The slowest response, ms: the largest `maxMs` of the snapshots (exact, not a histogram bucket). */
  readonly maxMs: number | null;
  /** Snapshots with requests but no latency histogram (stored by an older version): counted, but not in the percentiles. */
  readonly snapshotsWithoutHistogram: number;
}

/** A snapshot as the fleet view shows it: every figure, without the encoded histogram. */
export type FleetSnapshot = Omit<MetricsSnapshot, 'latencyHistogram'>;

/** One instance that shares the history store. */
export interface FleetInstance {
  readonly instanceId: string;
  /** True for the instance that answered. */
  readonly self: boolean;
  /** Its latest snapshot; null when it has none left in the store (it only has open alerts). */
  readonly latest: FleetSnapshot | null;
  /** Seconds since its latest snapshot was taken; null without one. */
  readonly ageSeconds: number | null;
  /** True when its latest snapshot is older than `staleAfterSeconds` (stopped, or cut off from the store); false before its first. */
  readonly stale: boolean;
  /** Its totals over the window. */
  readonly window: FleetTotals;
  /** Its firing alerts. */
  readonly firingAlerts: number;
}

/** Body of `GET <admin>/fleet`. */
export interface FleetView {
  /** The instance that answered (`instanceId` option). */
  readonly instanceId: string;
  /** ISO 8601 time of the answer. */
  readonly generatedAt: string;
  readonly hours: number;
  /** The window of `window` totals, ISO 8601. */
  readonly from: string;
  readonly to: string;
  /** An instance whose latest snapshot is older than this is stale: twice the collection interval, plus 5 s. */
  readonly staleAfterSeconds: number;
  /** Every instance with a snapshot in the window, the one that answered first, then by id. */
  readonly instances: FleetInstance[];
  /** The latest snapshot of each instance that is not stale, added up: the fleet now. */
  readonly current: FleetTotals;
  /** Every snapshot of every instance in the window, added up. */
  readonly window: FleetTotals;
  /** Firing alerts of the instances listed, newest first; each names its instance. */
  readonly alerts: {
    /** How many are firing (`open.length`). */
    readonly firing: number;
    readonly bySeverity: Readonly<Record<AlertSeverity, number>>;
    readonly open: PerformanceAlert[];
    /** Firing alerts left in the store by instances with no snapshot in the window (stopped before it): not listed. */
    readonly notListed: number;
  };
}

/** The fields of a snapshot that {@link fleetTotals} adds up. */
export type CountedSnapshot = Pick<MetricsSnapshot, 'instanceId' | 'intervalSeconds' | 'requests' | 'errors' | 'maxMs' | 'latencyHistogram'>;

/**
 * Percentiles no higher than the slowest response: a histogram reads each one
 * as the top of its bucket, which can lie above the exact maximum.
 */
function capped(p: LatencyPercentiles, max: number | null): Omit<LatencyPercentiles, 'maxMs'> {
  const cap = (v: number | null): number | null => (v === null || max === null ? v : Math.min(v, max));
  return { p50Ms: cap(p.p50Ms), p95Ms: cap(p.p95Ms), p99Ms: cap(p.p99Ms) };
}

/** Adds up snapshots: counts summed, rates per instance summed, percentiles from the merged histograms. */
export function fleetTotals(snapshots: readonly CountedSnapshot[]): FleetTotals {
  let requests = 0;
  let errors = 0;
  let withoutHistogram = 0;
  let max: number | null = null;
  const seconds = new Map<string, { requests: number; seconds: number }>();
  for (const s of snapshots) {
    requests += s.requests;
    errors += s.errors;
    if (s.requests > 0 && !s.latencyHistogram) withoutHistogram++;
    if (s.maxMs !== null && (max === null || s.maxMs > max)) max = s.maxMs;
    const own = seconds.get(s.instanceId) ?? { requests: 0, seconds: 0 };
    own.requests += s.requests;
    own.seconds += s.intervalSeconds;
    seconds.set(s.instanceId, own);
  }
  let rate = 0;
  for (const own of seconds.values()) if (own.seconds > 0) rate += own.requests / own.seconds;
  const { histogram, unreadable } = mergeLatencyHistograms(snapshots.map((s) => s.latencyHistogram));
  return {
    instances: seconds.size,
    snapshots: snapshots.length,
    requests,
    errors,
    errorRatePercent: requests ? roundTo((errors / requests) * 100) : 0,
    requestsPerSecond: roundTo(rate),
    ...capped(latencyPercentiles(histogram), max),
    maxMs: max,
    snapshotsWithoutHistogram: withoutHistogram + unreadable,
  };
}

function withoutHistogram(s: MetricsSnapshot): FleetSnapshot {
  const { latencyHistogram: _dropped, ...rest } = s;
  return rest;
}

/** Totals of one window, and what they were computed from. */
interface WindowTotals {
  /** The latest snapshot of each instance in the window when they were computed. */
  readonly key: string;
  /** Time of the oldest snapshot counted, epoch ms: once the window starts after it, they are computed again. */
  readonly oldestMs: number;
  readonly all: FleetTotals;
  readonly byInstance: ReadonlyMap<string, FleetTotals>;
}

/** Thrown when the history store fails to answer (the database is down, the tables are missing); the log says why. */
export class FleetStoreError extends Error {
  constructor() {
    super("the history store did not answer; the app's log says why");
  }
}

/** Thrown for an instance the store holds nothing of. */
export class UnknownInstanceError extends Error {
  constructor(
    readonly instanceId: string,
    readonly known: readonly string[],
  ) {
    super(`instance ${JSON.stringify(instanceId)} has no snapshot in the history store`);
  }
}

/**
 * The instances that share the history store (with `monitoring.history.store:
 * 'typeorm'`, every instance that writes to the app's database; with the
 * memory store, only this one): each one's latest snapshot and its age, the
 * fleet's totals, and the firing alerts of each.
 */
@Injectable()
export class FleetMonitor {
  private readonly logger = new Logger('nestjs-performance:fleet');
  /** The window totals last computed, per `hours` (1 to 24 entries). */
  private readonly windows = new Map<number, WindowTotals>();
  private failing = false;

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    @Inject(HistoryStore) private readonly store: HistoryStore,
    private readonly sampler: MetricsSampler,
  ) {}

  /** Seconds after which an instance without a newer snapshot is stale. */
  get staleAfterSeconds(): number {
    return this.options.monitoring.collectionIntervalSeconds * 2 + 5;
  }

  /** The ids of the instances with a snapshot in the store, sorted. */
  async instanceIds(): Promise<string[]> {
    await this.sampler.stored();
    return [...new Set((await this.read(this.latest(0))).map((s) => s.instanceId))].sort();
  }

  /**
   * What the store answers; its failure becomes a {@link FleetStoreError} and
   * is logged once until the store answers again (a dashboard polls every few seconds).
   */
  private async read<T>(answer: Promise<T>): Promise<T> {
    try {
      const value = await answer;
      this.failing = false;
      return value;
    } catch (error) {
      if (!this.failing) this.logger.warn(`the fleet view could not read the history store: ${(error as Error).message}`);
      this.failing = true;
      throw new FleetStoreError();
    }
  }

  /**
   * Checks that the store holds snapshots of `instanceId`.
   * @throws UnknownInstanceError naming the instances it knows
   */
  async assertKnown(instanceId: string): Promise<void> {
    const known = await this.instanceIds();
    if (!known.includes(instanceId)) throw new UnknownInstanceError(instanceId, known);
  }

  /** The fleet over the last `hours`. */
  async view(hours: number): Promise<FleetView> {
    const self = this.options.instanceId;
    const to = Date.now();
    const from = to - hours * HOUR;
    await this.sampler.stored();
    const latest = await this.read(this.latest(from));
    const open = await this.read(this.openAlerts());
    const windowed = await this.windowTotals(hours, from, latest);

    const staleMs = this.staleAfterSeconds * 1000;
    const latestOf = new Map(latest.map((s) => [s.instanceId, s]));
    const ids = [...new Set([self, ...latestOf.keys()])];
    const listed = new Set(ids);
    const shown = open.filter((a) => listed.has(a.instanceId));
    const firingOf = new Map<string, number>();
    for (const a of shown) firingOf.set(a.instanceId, (firingOf.get(a.instanceId) ?? 0) + 1);
    ids.sort((a, b) => (a === self ? -1 : b === self ? 1 : a < b ? -1 : a > b ? 1 : 0));

    const live: MetricsSnapshot[] = [];
    const instances = ids.map((instanceId): FleetInstance => {
      const last = latestOf.get(instanceId);
      const age = last ? Math.max(0, to - Date.parse(last.timestamp)) : null;
      // Without a snapshot yet (only the answering instance, before its first one) it is not stale.
      const stale = age !== null && age > staleMs;
      if (last && !stale) live.push(last);
      return {
        instanceId,
        self: instanceId === self,
        latest: last ? withoutHistogram(last) : null,
        ageSeconds: age === null ? null : roundTo(age / 1000, 1),
        stale,
        window: windowed.byInstance.get(instanceId) ?? fleetTotals([]),
        firingAlerts: firingOf.get(instanceId) ?? 0,
      };
    });

    const bySeverity: Record<AlertSeverity, number> = { critical: 0, warning: 0, info: 0 };
    for (const a of shown) bySeverity[a.severity]++;
    return {
      instanceId: self,
      generatedAt: new Date(to).toISOString(),
      hours,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      staleAfterSeconds: this.staleAfterSeconds,
      instances,
      current: fleetTotals(live),
      window: windowed.all,
      alerts: { firing: shown.length, bySeverity, open: shown, notListed: open.length - shown.length },
    };
  }

  /**
   * The totals of the window, per instance and for all: read and merged
   * again only when a snapshot entered the window (an instance's latest one
   * changed) or left it; a dashboard polling every few seconds between two
   * snapshots reuses them.
   */
  private async windowTotals(hours: number, from: number, latest: readonly MetricsSnapshot[]): Promise<WindowTotals> {
    const key = latest
      .map((s) => `${s.instanceId}@${s.timestamp}`)
      .sort()
      .join('\n');
    const cached = this.windows.get(hours);
    if (cached && cached.key === key && from <= cached.oldestMs) return cached;
    const snapshots = await this.read(this.store.snapshots(from));
    const byInstance = new Map<string, MetricsSnapshot[]>();
    let oldestMs = Infinity;
    for (const s of snapshots) {
      const own = byInstance.get(s.instanceId);
      if (own) own.push(s);
      else byInstance.set(s.instanceId, [s]);
      oldestMs = Math.min(oldestMs, Date.parse(s.timestamp));
    }
    const totals: WindowTotals = {
      key,
      oldestMs,
      all: fleetTotals(snapshots),
      byInstance: new Map([...byInstance].map(([id, own]) => [id, fleetTotals(own)])),
    };
    this.windows.set(hours, totals);
    return totals;
  }

  /** The latest snapshot of each instance since `sinceMs`. */
  private async latest(sinceMs: number): Promise<MetricsSnapshot[]> {
    if (this.store.latestSnapshots) return this.store.latestSnapshots(sinceMs);
    const last = new Map<string, MetricsSnapshot>();
    for (const s of await this.store.snapshots(sinceMs)) last.set(s.instanceId, s);
    return [...last.values()];
  }

  /** Firing alerts of every instance, newest first. */
  private async openAlerts(): Promise<PerformanceAlert[]> {
    const open = this.store.openAlerts ? await this.store.openAlerts() : (await this.store.alerts(0)).filter((a) => a.status === 'firing');
    return open.sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || b.firstSeen.localeCompare(a.firstSeen));
  }
}
