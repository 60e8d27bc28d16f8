import { cpus, freemem, totalmem } from 'node:os';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { PerformanceEvents } from '../core/context/performance-events.service';
import { AppDiscovery } from '../core/discovery/app-discovery.service';
import { mergePoolSources } from '../core/ports/merge-sources';
import { PoolStatsSource } from '../core/ports/observability.port';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { HistoryStore } from './history.store';
import { downsample, type MetricsHistory } from './history-downsampler';
import { roundTo, type MetricsSnapshot } from './metrics-snapshot';
import { readMemoryLimitBytes } from '../core/process-memory';
import { RequestStats } from './request-stats.service';

const MB = 1024 * 1024;
const HOUR = 3_600_000;

function hostCpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/**
 * Sees every snapshot the sampler takes. The alerts feature registers one
 * with {@link MetricsSampler.observe} at start-up (its rules evaluate each
 * snapshot); the sampler knows nothing else of it.
 */
export interface SnapshotObserver {
  /** Once at bootstrap, after the history store is ready (skipped when the store failed to start). */
  samplerStarted?(): Promise<void>;
  /** Each snapshot, right after it was taken; `collect()` waits for it. A throw or rejection is logged. */
  snapshotTaken(snapshot: MetricsSnapshot): void | Promise<void>;
  /** At shutdown, after the last snapshot is stored and before the store closes. */
  samplerStopped?(): Promise<void>;
}

/**
 * Takes a {@link MetricsSnapshot} every `monitoring.collectionIntervalSeconds`
 * (env `METRICS_COLLECTION_INTERVAL`), stores it in the history store and
 * hands it to its observers (the alert rules, which check the cache store
 * and the DataSources for the outage rules at the same time). It starts when the app has bootstrapped and
 * stops before shutdown (its timers are unref'd and cleared, the event loop
 * monitor disabled), so it never keeps a process alive. Nothing it does runs
 * on the request path: requests only feed {@link RequestStats}.
 */
@Injectable()
export class MetricsSampler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance:monitor');
  private readonly limitBytes: number;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private loopDelay: IntervalHistogram | undefined;
  private unsubscribe: (() => void)[] = [];
  private last: MetricsSnapshot | undefined;
  private lastAt = performance.now();
  private lastCpu = process.cpuUsage();
  private lastHost = hostCpuTimes();
  private storeWarned = false;
  private appending: Promise<void> = Promise.resolve();
  private running = false;
  private observers: SnapshotObserver[] = [];

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly stats: RequestStats,
    private readonly events: PerformanceEvents,
    @Inject(HistoryStore) private readonly store: HistoryStore,
    @Optional() @Inject(PoolStatsSource) private pools?: PoolStatsSource,
    @Optional() private readonly discovery?: AppDiscovery,
  ) {
    const configured = options.monitoring.maxMemoryUsageMb;
    this.limitBytes = configured !== undefined ? configured * MB : readMemoryLimitBytes();
  }

  /** Registers an observer of every snapshot. Call it at start-up, before the app bootstraps. */
  observe(observer: SnapshotObserver): void {
    this.observers = [...this.observers, observer];
  }

  /** True while the periodic sampling runs. */
  get started(): boolean {
    return this.running;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.enabled || this.running) return;
    this.running = true;
    // The app's own pool sources, registered in any module, count beside the module's.
    if (this.discovery) this.pools = mergePoolSources(this.discovery.instancesOf<PoolStatsSource>(PoolStatsSource)) ?? this.pools;
    try {
      await this.store.init();
      for (const observer of this.observers) await observer.samplerStarted?.();
    } catch (error) {
      this.warnStore(error);
    }
    this.unsubscribe = [this.events.onCache(this.stats.onCache), this.events.onQuery(this.stats.onQuery)];
    this.loopDelay = monitorEventLoopDelay({ resolution: 10 });
    this.loopDelay.enable();
    this.lastAt = performance.now();
    this.lastCpu = process.cpuUsage();
    this.lastHost = hostCpuTimes();
    this.stats.takeWindow();
    this.timer = setInterval(() => void this.collect(), this.options.monitoring.collectionIntervalSeconds * 1000);
    this.timer.unref();
    this.pruneTimer = setInterval(() => void this.prune(), HOUR);
    this.pruneTimer.unref();
    void this.prune();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.timer);
    clearInterval(this.pruneTimer);
    this.timer = this.pruneTimer = undefined;
    this.loopDelay?.disable();
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    await this.appending;
    for (const observer of this.observers) await observer.samplerStopped?.();
    await this.store.close().catch(() => undefined);
  }

  /**
   * Takes a snapshot now (the timer calls this; tests and tools may too),
   * stores it and hands it to the observers (the alert rules, outage checks
   * included). Resolves once it is stored and evaluated.
   */
  async collect(): Promise<MetricsSnapshot> {
    const snapshot = this.read();
    this.last = snapshot;
    this.appending = this.appending.then(() => this.store.append(snapshot)).catch((e: unknown) => this.warnStore(e));
    for (const observer of this.observers) {
      try {
        await observer.snapshotTaken(snapshot);
      } catch (error) {
        this.logger.warn(`alert evaluation failed: ${(error as Error).message}`);
      }
    }
    await this.appending;
    return snapshot;
  }

  /** The latest snapshot, or undefined before the first one. */
  latest(): MetricsSnapshot | undefined {
    return this.last;
  }

  /**
   * Snapshots of this instance (or of `instanceId`, another instance sharing
   * the history store) in the last `hours`, downsampled to `monitoring.history.maxPoints`.
   */
  async history(hours: number, instanceId: string = this.options.instanceId): Promise<MetricsHistory> {
    await this.appending;
    const to = Date.now();
    const from = to - hours * HOUR;
    const snapshots = await this.store.snapshots(from, instanceId);
    const maxPoints = this.options.monitoring.history.maxPoints;
    const points = downsample(snapshots, from, to, maxPoints);
    return {
      hours,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      bucketSeconds: snapshots.length > maxPoints ? roundTo((to - from) / maxPoints / 1000) : null,
      snapshots: snapshots.length,
      points,
    };
  }

  /** Resolves once every snapshot taken so far is in the history store. */
  async stored(): Promise<void> {
    await this.appending;
  }

  /** Raw snapshots of this instance since `sinceMs`, oldest first (for forecasts). */
  async snapshotsSince(sinceMs: number): Promise<MetricsSnapshot[]> {
    await this.appending;
    return this.store.snapshots(sinceMs, this.options.instanceId);
  }

  private read(): MetricsSnapshot {
    const now = performance.now();
    const seconds = Math.max(0.001, (now - this.lastAt) / 1000);
    const cpu = process.cpuUsage(this.lastCpu);
    const host = hostCpuTimes();
    const hostTotal = host.total - this.lastHost.total;
    const hostIdle = host.idle - this.lastHost.idle;
    this.lastAt = now;
    this.lastCpu = process.cpuUsage();
    this.lastHost = host;

    const memory = process.memoryUsage();
    const lag = this.loopDelay;
    const lagP99 = lag && lag.count > 0 ? lag.percentile(99) / 1e6 : 0;
    lag?.reset();

    const w = this.stats.takeWindow();
    let pool: number | null = null;
    try {
      for (const p of this.pools?.pools() ?? []) {
        if (p.max > 0) pool = Math.max(pool ?? 0, ((p.total - p.idle) / p.max) * 100);
      }
    } catch {
      pool = null;
    }
    return {
      timestamp: new Date().toISOString(),
      instanceId: this.options.instanceId,
      intervalSeconds: roundTo(seconds, 3),
      cpuPercent: roundTo(((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100, 1),
      hostCpuPercent: hostTotal > 0 ? roundTo(((hostTotal - hostIdle) / hostTotal) * 100, 1) : 0,
      rssMb: roundTo(memory.rss / MB, 1),
      heapUsedMb: roundTo(memory.heapUsed / MB, 1),
      heapTotalMb: roundTo(memory.heapTotal / MB, 1),
      memoryPercent: roundTo((memory.rss / this.limitBytes) * 100, 1),
      hostMemoryPercent: roundTo((1 - freemem() / totalmem()) * 100, 1),
      eventLoopLagP99Ms: roundTo(lagP99),
      requests: w.requests,
      requestsPerSecond: roundTo(w.requests / seconds),
      errors: w.errors,
      errorRatePercent: w.requests ? roundTo((w.errors / w.requests) * 100) : 0,
      p50Ms: w.p50Ms,
      p95Ms: w.p95Ms,
      p99Ms: w.p99Ms,
      maxMs: w.maxMs,
      latencyHistogram: w.latencyHistogram,
      cacheLookups: w.cacheLookups,
      cacheHitRatePercent: w.cacheLookups ? roundTo((w.cacheHits / w.cacheLookups) * 100, 1) : null,
      dbQueries: w.dbQueries,
      dbMeanQueryMs: w.dbQueries ? roundTo(w.dbTimeMs / w.dbQueries) : null,
      dbQueriesPerRequest: w.requests ? roundTo(w.dbQueries / w.requests) : null,
      poolUtilizationPercent: pool === null ? null : roundTo(pool, 1),
    };
  }

  private async prune(): Promise<void> {
    if (this.options.monitoring.history.store !== 'typeorm') return;
    try {
      await this.store.prune(Date.now() - this.options.monitoring.history.retentionDays * 24 * HOUR);
    } catch (error) {
      this.warnStore(error);
    }
  }

  private warnStore(error: unknown): void {
    if (this.storeWarned) return;
    this.storeWarned = true;
    this.logger.warn(`the history store failed (history is incomplete until it recovers): ${(error as Error).message}`);
  }
}
