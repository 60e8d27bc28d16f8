import { readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, cpus, freemem, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap, Optional } from '@nestjs/common';
import { PerformanceEvents } from '../core/context/performance-events.service';
import { AppDiscovery } from '../core/discovery/app-discovery.service';
import { mergePoolSources } from '../core/ports/merge-sources';
import { JobRunsSource, PoolStatsSource } from '../core/ports/observability.port';
import { type StoreOutage, StoreOutageSource } from '../core/schemas/performance-alert';
import { healthScore, judgeAll, type JudgmentSource, type SnapshotJudgment } from '../core/judgment/judgment';
import type { ThresholdMetric } from '../core/options/thresholds.options';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { HistoryStore } from './history.store';
import { downsample, type MetricsHistory } from './history-downsampler';
import { roundTo, type MetricsSnapshot } from './metrics-snapshot';
import { readMemoryLimitBytes } from '../core/process-memory';
import { RequestStats } from './request-stats.service';
import { LoadTestRuns } from './load-test-runs.service';

const MB = 1024 * 1024;
const HOUR = 3_600_000;

/** Bytes received and sent by the host's interfaces (loopback aside) since boot, from `/proc/net/dev`; null where it cannot be read. */
function networkBytes(): { rx: number; tx: number } | null {
  try {
    let rx = 0;
    let tx = 0;
    for (const line of readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2)) {
      const [name, data] = line.split(':');
      if (data === undefined || name!.trim() === 'lo') continue;
      const fields = data.trim().split(/\s+/);
      rx += Number(fields[0]);
      tx += Number(fields[8]);
    }
    return Number.isFinite(rx) && Number.isFinite(tx) ? { rx, tx } : null;
  } catch {
    return null;
  }
}

/** Used share of the file system holding `path`, percent; null when it cannot be read. */
function diskUsedPercent(path: string): number | null {
  try {
    const fs = statfsSync(path);
    // As the disk health check reads it: space not available to the app counts as used.
    return fs.blocks > 0 ? roundTo((1 - fs.bavail / fs.blocks) * 100, 1) : null;
  } catch {
    return null;
  }
}

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
export class MetricsSampler implements OnApplicationBootstrap, BeforeApplicationShutdown, JudgmentSource {
  private readonly logger = new Logger('nestjs-performance:monitor');
  private readonly limitBytes: number;
  private timer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private loopDelay: IntervalHistogram | undefined;
  private unsubscribe: (() => void)[] = [];
  private last: MetricsSnapshot | undefined;
  private lastJudgment: SnapshotJudgment | undefined;
  private lastNetwork = networkBytes();
  private lastJobs: { runs: number; failures: number } | null = null;
  /** Slow statements per snapshot of the last hour, oldest first. */
  private slowHistory: { at: number; count: number }[] = [];
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
    @Optional() private readonly loadTests?: LoadTestRuns,
    @Optional() @Inject(JobRunsSource) private readonly jobs?: JobRunsSource | null,
    @Optional() @Inject(StoreOutageSource) private readonly outages?: StoreOutageSource | null,
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
    this.lastNetwork = networkBytes();
    this.lastJobs = this.jobTotals();
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
    const { snapshot, judgment } = this.judged(this.read(await this.checkOutages()));
    this.last = snapshot;
    this.lastJudgment = judgment;
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

  /** The latest snapshot's judgment; takes a snapshot first when none was taken yet. */
  async currentJudgment(): Promise<SnapshotJudgment> {
    if (!this.lastJudgment) await this.collect();
    return this.lastJudgment!;
  }

  /** The judgment of the latest snapshot (levels and health score), or undefined before the first one. */
  judgment(): SnapshotJudgment | undefined {
    return this.lastJudgment;
  }

  /**
   * Judges a snapshot against `thresholds` and scores its health with
   * `health.weights`; the score goes into the snapshot (so history keeps it).
   */
  private judged(raw: MetricsSnapshot): { snapshot: MetricsSnapshot; judgment: SnapshotJudgment } {
    const to = Date.parse(raw.timestamp);
    const from = to - raw.intervalSeconds * 1000;
    const underLoad = this.loadTests?.coveredWhole(from, to) ?? false;
    const metrics = judgeAll(raw as unknown as Partial<Record<ThresholdMetric, number | null>>, this.options.thresholds, { underLoad });
    const health = healthScore(metrics, this.options.health.weights);
    const judgment: SnapshotJudgment = {
      dataAt: raw.timestamp,
      window: { seconds: raw.intervalSeconds, from: new Date(from).toISOString(), to: raw.timestamp },
      underLoad,
      metrics,
      health,
    };
    return { snapshot: { ...raw, healthScore: health.score }, judgment };
  }

  private jobTotals(): { runs: number; failures: number } | null {
    try {
      return this.jobs?.jobRunTotals() ?? null;
    } catch {
      return null;
    }
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

  /**
   * The stores down now (the health feature's checks of the cache store and
   * each DataSource, reused within a second by the outage alerts), or
   * undefined without health or when the check failed.
   */
  private async checkOutages(): Promise<readonly StoreOutage[] | undefined> {
    if (!this.outages) return undefined;
    try {
      return await this.outages.storeOutages();
    } catch {
      return undefined;
    }
  }

  private read(outages?: readonly StoreOutage[]): MetricsSnapshot {
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
    let waiting: number | null = null;
    try {
      for (const p of this.pools?.pools() ?? []) {
        if (p.max > 0) pool = Math.max(pool ?? 0, ((p.total - p.idle) / p.max) * 100);
        if (Number.isFinite(p.waiting)) waiting = (waiting ?? 0) + p.waiting;
      }
    } catch {
      pool = waiting = null;
    }
    const nowMs = Date.now();
    this.slowHistory.push({ at: nowMs, count: w.slowQueries });
    while (this.slowHistory.length > 0 && this.slowHistory[0]!.at <= nowMs - HOUR) this.slowHistory.shift();
    const network = networkBytes();
    const before = this.lastNetwork;
    this.lastNetwork = network;
    const jobs = this.jobTotals();
    const jobsBefore = this.lastJobs;
    this.lastJobs = jobs;
    const jobRuns = jobs === null ? null : jobs.runs - (jobsBefore?.runs ?? 0);
    const jobFailures = jobs === null ? null : jobs.failures - (jobsBefore?.failures ?? 0);
    const load = process.platform === 'win32' ? null : loadavg()[0]!;
    const cacheAsked = w.cacheLookups + w.cacheStoreErrors;
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
      diskPercent: diskUsedPercent(this.options.health.diskPath),
      loadAverage1m: load === null ? null : roundTo(load),
      loadPerCore: load === null ? null : roundTo(load / availableParallelism()),
      networkRxBytes: network && before ? Math.max(0, network.rx - before.rx) : null,
      networkTxBytes: network && before ? Math.max(0, network.tx - before.tx) : null,
      requests: w.requests,
      requestsPerSecond: roundTo(w.requests / seconds),
      errors: w.errors,
      errorRatePercent: w.requests ? roundTo((w.errors / w.requests) * 100) : 0,
      p50Ms: w.p50Ms,
      p95Ms: w.p95Ms,
      p99Ms: w.p99Ms,
      maxMs: w.maxMs,
      meanMs: w.requests ? roundTo(w.totalMs / w.requests) : null,
      latencyHistogram: w.latencyHistogram,
      cacheLookups: w.cacheLookups,
      cacheHitRatePercent: w.cacheLookups ? roundTo((w.cacheHits / w.cacheLookups) * 100, 1) : null,
      dbQueries: w.dbQueries,
      dbMeanQueryMs: w.dbQueries ? roundTo(w.dbTimeMs / w.dbQueries) : null,
      dbQueriesPerRequest: w.requests ? roundTo(w.dbQueries / w.requests) : null,
      poolUtilizationPercent: pool === null ? null : roundTo(pool, 1),
      poolWaiting: waiting,
      slowQueries: w.slowQueries,
      slowQueriesPerHour: this.slowHistory.reduce((sum, e) => sum + e.count, 0),
      cacheAvailabilityPercent: cacheAsked ? roundTo((w.cacheLookups / cacheAsked) * 100, 2) : null,
      cacheMeanMs: cacheAsked ? roundTo(w.cacheTimeMs / cacheAsked) : null,
      jobRuns,
      jobFailures,
      jobsPerMinute: jobRuns === null ? null : roundTo((jobRuns / seconds) * 60),
      jobFailureRatePercent: jobRuns ? roundTo(((jobFailures ?? 0) / jobRuns) * 100) : null,
      databasesDown: outages ? outages.filter((o) => o.kind === 'database').length : null,
      cacheStoreDown: outages ? (outages.some((o) => o.kind === 'cache') ? 1 : 0) : null,
      healthScore: null,
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
