import { statfs } from 'node:fs/promises';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type * as Terminus from '@nestjs/terminus';
import type { StoreOutage, StoreOutageSource } from '../core/schemas/performance-alert';
import { maskSecretsInText } from '../core/secret-masking';
import { INTERNAL_QUERY_MARK } from '../core/ports/data-source.port';
import type { AppDiscovery } from '../core/discovery/app-discovery.service';
import { requireOptional } from '../core/performance-errors';
import { mergeCacheProbes, mergePoolSources } from '../core/ports/merge-sources';
import { CacheHealthProbe, PoolStatsSource } from '../core/ports/observability.port';
import { readMemoryLimitBytes } from '../core/process-memory';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { EventLoopLag } from './event-loop-lag';
import { spanExportHealth, type DeliveryTargetHealth, type NotifierHealthSource } from '../core/ports/delivery-health.port';

/** Which probe a check belongs to: `/health/live`, `/health/ready`, or only `/health`. */
export type HealthProbe = 'live' | 'ready' | 'all';

/** One indicator's result, Terminus style: `status` plus its inputs. */
export type IndicatorResult = Readonly<Record<string, unknown>> & { readonly status: 'up' | 'down' | 'degraded' };

/**
 * The result of a health check, in the shape of Terminus' `HealthCheckResult`:
 * `error` when a check that `/health/live` or `/health/ready` runs is down,
 * `degraded` when only others are (the cache store outside readiness, memory,
 * disk, alert notifiers, span export), `ok` when every check is up. Every
 * indicator that is down is under `error` either way.
 */
export interface HealthReport {
  readonly status: 'ok' | 'degraded' | 'error';
  readonly info: Readonly<Record<string, IndicatorResult>>;
  readonly error: Readonly<Record<string, IndicatorResult>>;
  readonly details: Readonly<Record<string, IndicatorResult>>;
}

/** What health needs of a TypeORM DataSource (duck-typed: typeorm stays optional). */
interface DataSourceLike {
  /** Absent on TypeORM 1's DataSource unless the app named it. */
  readonly name?: string;
  readonly isInitialized: boolean;
  readonly options: { readonly type: string };
  query(sql: string): Promise<unknown>;
}

interface Indicator {
  readonly key: string;
  /** The probes that run it besides `/health`; `['all']` for `/health` only. */
  readonly probes: readonly HealthProbe[];
  /** The store it checks, for the outage alerts. */
  readonly store?: { readonly kind: StoreOutage['kind']; name(): string; readonly type?: string };
  /** Runs only while this says so (an indicator whose subject can come and go); always when absent. */
  present?(): boolean;
  run(): PromiseLike<Record<string, IndicatorResult>>;
}

const MIB = 1024 * 1024;
/** How long a health result is reused, in ms. */
const RESULT_TTL_MS = 1000;

/** What the module's response cache offers beside its probe: its store's name and state. */
interface StoreHealthReader {
  storeHealth(): { readonly store: string };
}

function readsStoreHealth(value: unknown): value is StoreHealthReader {
  return typeof (value as Partial<StoreHealthReader> | null)?.storeHealth === 'function';
}

/** An indicator counts towards `error` (not just `degraded`) when a probe other than `/health` runs it. */
const essential = (indicator: Indicator): boolean => indicator.probes.some((p) => p !== 'all');

/** A result with its message (a driver's error text may quote a URL) free of URL credentials. */
function redacted(result: IndicatorResult): IndicatorResult {
  return typeof result.message === 'string' ? { ...result, message: maskSecretsInText(result.message) } : result;
}

/**
 * The name Nest's TypeORM module gives a DataSource by its provider token:
 * `default` for the unnamed one, `reports` for `TypeOrmModule.forRoot({ name: 'reports' })`.
 */
function nameOfToken(token: unknown): string {
  if (typeof token === 'function') return token.name === 'DataSource' ? 'default' : token.name;
  if (typeof token === 'string') return token.replace(/DataSource$/, '') || 'default';
  return 'default';
}

function isDataSource(value: unknown): value is DataSourceLike {
  const v = value as Partial<DataSourceLike> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.query === 'function' &&
    typeof v.isInitialized === 'boolean' &&
    typeof v.options?.type === 'string' &&
    v.constructor?.name === 'DataSource'
  );
}

/**
 * The health indicators, built on Terminus' `HealthIndicatorService`: each
 * TypeORM DataSource, heap and RSS against the memory limit, disk space,
 * event-loop lag, the cache store (when the cache feature registers a
 * {@link CacheHealthProbe}), pool saturation (with a {@link PoolStatsSource}),
 * the outbound HTTP dependencies of `health.dependencies`, the alert
 * notifiers' deliveries (`alert_notifiers`) and the span exporters wrapped by
 * `monitorSpanExporter` (`tracing_export`). Every check runs under
 * `health.timeoutMs` and counts as down when it takes longer.
 *
 * `/health/live` runs what says the process is alive (event-loop lag);
 * `/health/ready` what says it can serve (databases, pools, dependencies,
 * and the cache store only with `health.readiness.cache`); `/health` runs
 * everything. The cache store (the response cache fails open), notifiers and
 * exporters are outside readiness by default: an app that cannot cache,
 * notify or export spans still serves. One of them down makes `/health`
 * `degraded`, not `error`.
 *
 * It is also the {@link StoreOutageSource} of the outage alerts: the cache
 * store and the DataSources, checked once per snapshot of the sampler.
 */
export class HealthChecks implements OnApplicationBootstrap, OnApplicationShutdown, StoreOutageSource {
  private readonly logger = new Logger('nestjs-performance');
  private readonly terminus: Terminus.HealthIndicatorService;
  private readonly loopLag: EventLoopLag;
  private readonly memoryLimitBytes: number;
  private indicators: Indicator[] = [];
  /** Each DataSource with its name in Nest (`default`, or the name given to TypeOrmModule). */
  private dataSources: { readonly ds: DataSourceLike; readonly name: string }[] = [];
  /** The cache store's name: read from the module's cache, or the last one a ping reported. */
  private cacheStoreName: () => string = () => this.lastCacheStore ?? 'cache';
  private lastCacheStore: string | undefined;

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly discovery: AppDiscovery,
    private readonly moduleRef: ModuleRef,
    private cacheProbe?: CacheHealthProbe,
    private pools?: PoolStatsSource,
    private readonly notifiers?: NotifierHealthSource,
  ) {
    const terminus = requireOptional<typeof Terminus>('@nestjs/terminus', 'health checks', 'health: { enabled: false }');
    this.terminus = new terminus.HealthIndicatorService();
    const max = options.monitoring.maxMemoryUsageMb;
    this.memoryLimitBytes = max !== undefined ? max * MIB : readMemoryLimitBytes();
    // Measured in 1 s slices of its own, whoever probes and however often: the check reads it without waiting.
    this.loopLag = new EventLoopLag(options.health.eventLoopLagMs);
    this.loopLag.start();
  }

  /** The TypeORM DataSources found in the app at start-up. */
  get databases(): readonly { readonly name: string; readonly type: string }[] {
    return this.dataSources.map(({ ds, name }) => ({ name, type: ds.options.type }));
  }

  /** The pools the checks read: the module's and the app's sources side by side (known after bootstrap). */
  get poolSource(): PoolStatsSource | undefined {
    return this.pools;
  }

  /** True when a cache store probe is registered. */
  get hasCache(): boolean {
    return this.cacheProbe !== undefined;
  }

  onApplicationBootstrap(): void {
    // The app's own start-up (module init, schema sync, route registration) blocked the loop on
    // purpose; the first probe after it judges the lag of a running app, not that.
    this.loopLag.reset();
    // A probe or pool source the app (or a feature) registered outside this module counts too.
    const own = this.cacheProbe ?? this.lookup<CacheHealthProbe>(CacheHealthProbe);
    const appProbes = this.discovery.instancesOf<CacheHealthProbe>(CacheHealthProbe).filter((p) => p !== own);
    this.cacheProbe = mergeCacheProbes(own ? [own, ...appProbes] : appProbes);
    if (own && !appProbes.length && readsStoreHealth(own)) this.cacheStoreName = () => own.storeHealth().store;
    this.pools = mergePoolSources(this.discovery.instancesOf<PoolStatsSource>(PoolStatsSource)) ?? this.pools;
    const found = new Map<DataSourceLike, string>();
    for (const { token, instance } of this.discovery.instances()) {
      if (isDataSource(instance) && !found.has(instance)) found.set(instance, instance.name ?? nameOfToken(token));
    }
    const seen = new Map<string, number>();
    this.dataSources = [...found].map(([ds, name]) => {
      const n = seen.get(name) ?? 0;
      seen.set(name, n + 1);
      return { ds, name: n ? `${name}_${n}` : name };
    });
    this.indicators = this.buildIndicators();
  }

  private lookup<T>(token: symbol): T | undefined {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return undefined;
    }
  }

  onApplicationShutdown(): void {
    this.loopLag.stop();
  }

  /**
   * Runs the checks of one probe, all at once, each under its timeout.
   * Callers within `RESULT_TTL_MS` of a run (or during it) share its result,
   * so probes and anonymous callers cannot turn into a flood of database pings.
   */
  check(probe: HealthProbe): Promise<HealthReport> {
    const now = Date.now();
    const cached = this.recent.get(probe);
    if (cached && now - cached.at < RESULT_TTL_MS) return cached.report;
    const report = this.runChecks(probe);
    this.recent.set(probe, { at: now, report });
    return report;
  }

  private readonly recent = new Map<HealthProbe, { at: number; report: Promise<HealthReport> }>();

  private async runChecks(probe: HealthProbe): Promise<HealthReport> {
    const chosen = this.indicators.filter((i) => (probe === 'all' || i.probes.includes(probe)) && (i.present?.() ?? true));
    const results = await Promise.all(chosen.map((i) => i.run()));
    const info: Record<string, IndicatorResult> = {};
    const error: Record<string, IndicatorResult> = {};
    const details: Record<string, IndicatorResult> = {};
    let status: HealthReport['status'] = 'ok';
    for (const [i, result] of results.entries()) {
      for (const [key, raw] of Object.entries(result)) {
        const value = redacted(raw);
        details[key] = value;
        if (value.status === 'up') {
          info[key] = value;
          continue;
        }
        if (value.status === 'down') error[key] = value;
        else info[key] = value;
        if (value.status === 'down' && essential(chosen[i]!)) status = 'error';
        else if (status === 'ok') status = 'degraded';
      }
    }
    return { status, info, error, details };
  }

  /**
   * Checks the cache store and every DataSource now, each under
   * `health.timeoutMs`, and returns those that did not answer.
   */
  async storeOutages(): Promise<StoreOutage[]> {
    const chosen = this.indicators.filter((i) => i.store !== undefined);
    const results = await Promise.all(chosen.map((i) => i.run()));
    const outages: StoreOutage[] = [];
    for (const [i, result] of results.entries()) {
      const value = result[chosen[i]!.key];
      const store = chosen[i]!.store!;
      if (!value || value.status === 'up') continue;
      const reason = typeof value.message === 'string' ? maskSecretsInText(value.message) : 'no answer';
      outages.push({ kind: store.kind, name: store.name(), ...(store.type === undefined ? {} : { type: store.type }), reason });
    }
    return outages;
  }

  private buildIndicators(): Indicator[] {
    const { health } = this.options;
    const timeout = health.timeoutMs;
    const attempt = (key: string, fn: (o: { signal: AbortSignal }) => Promise<Record<string, unknown> | void> | Record<string, unknown>, ms = timeout) =>
      this.terminus.check(key).attempt(fn).withTimeout(ms) as PromiseLike<Record<string, IndicatorResult>>;
    const down = (message: string, data: Record<string, unknown> = {}): never => {
      throw Object.assign(new Error(message), { data });
    };
    const list: Indicator[] = [];

    for (const { ds, name } of this.dataSources) {
      const key = this.dataSources.length > 1 || name !== 'default' ? `database_${name}` : 'database';
      list.push({
        key,
        probes: ['ready'],
        store: { kind: 'database', name: () => name, type: ds.options.type },
        run: () =>
          attempt(key, async () => {
            if (!ds.isInitialized) down('not initialized');
            // Marked as the module's own, so probes and outage checks never count as the app's queries.
            await ds.query(`${INTERNAL_QUERY_MARK} SELECT 1`);
            return { type: ds.options.type };
          }),
      });
    }

    const limitMb = Math.round(this.memoryLimitBytes / MIB);
    list.push({
      key: 'memory_heap',
      probes: ['all'],
      run: () =>
        attempt('memory_heap', () => {
          const usedMb = Math.round(process.memoryUsage().heapUsed / MIB);
          if (usedMb > limitMb) down(`heap ${usedMb} MiB is above the limit of ${limitMb} MiB`);
          return { usedMb, limitMb };
        }),
    });
    list.push({
      key: 'memory_rss',
      probes: ['all'],
      run: () =>
        attempt('memory_rss', () => {
          const usedMb = Math.round(process.memoryUsage.rss() / MIB);
          if (usedMb > limitMb) down(`RSS ${usedMb} MiB is above the limit of ${limitMb} MiB`);
          return { usedMb, limitMb };
        }),
    });
    list.push({
      key: 'disk',
      probes: ['all'],
      run: () =>
        attempt('disk', async () => {
          const fs = await statfs(health.diskPath);
          const usedPercent = Math.round((1 - fs.bavail / fs.blocks) * 1000) / 10;
          // Down past the critical level of `thresholds.diskPercent` (never when disk is not judged).
          const disk = this.options.thresholds.diskPercent;
          const thresholdPercent = disk === false || disk.critical === false ? null : disk.critical;
          if (thresholdPercent !== null && usedPercent > thresholdPercent) down(`disk ${usedPercent}% used, above ${thresholdPercent}%`);
          return { path: health.diskPath, usedPercent, thresholdPercent };
        }),
    });
    const lagLimitMs = health.eventLoopLagMs;
    const windowMs = health.liveness.lagSeconds * 1000;
    // Liveness: down only once the lag lasted the whole window (a busy spell is not a stuck process).
    list.push({
      key: 'event_loop',
      probes: ['live', 'all'],
      run: () =>
        attempt('event_loop', () => {
          const { lagP99Ms, sustainedMs } = this.loopLag.read();
          const data = { lagP99Ms, thresholdMs: lagLimitMs, laggingForMs: sustainedMs, livenessWindowMs: windowMs };
          if (sustainedMs >= windowMs)
            down(`event loop lag above ${lagLimitMs} ms for ${Math.round(sustainedMs / 100) / 10} s (limit ${windowMs / 1000} s)`, data);
          return data;
        }),
    });
    // Readiness (opt-in): down while the latest slice lags, so a busy instance sheds load first.
    if (health.readiness.eventLoop) {
      list.push({
        key: 'event_loop',
        probes: ['ready'],
        run: () =>
          attempt('event_loop', () => {
            const { lagP99Ms, sustainedMs } = this.loopLag.read();
            const data = { lagP99Ms, thresholdMs: lagLimitMs, laggingForMs: sustainedMs };
            if (lagP99Ms > lagLimitMs) down(`event loop lag p99 ${lagP99Ms} ms is above ${lagLimitMs} ms`, data);
            return data;
          }),
      });
    }

    const cache = this.cacheProbe;
    if (cache) {
      // Down, the result names the store (a failed ping has no details of its own).
      const storeName = () => this.cacheStoreName();
      list.push({
        key: 'cache',
        probes: health.readiness.cache ? ['ready'] : ['all'],
        store: { kind: 'cache', name: storeName },
        run: async () => {
          const result = await attempt('cache', async ({ signal }) => {
            const details = { ...(await cache.ping(signal)) };
            if (typeof details.store === 'string') this.lastCacheStore = details.store;
            return details;
          });
          return result.cache?.status === 'down' ? { cache: { ...result.cache, store: storeName() } } : result;
        },
      });
    }

    const pools = this.pools;
    if (pools) {
      list.push({
        key: 'pool',
        probes: ['ready'],
        run: () =>
          attempt('pool', () => {
            const stats = pools.pools().map((p) => ({
              name: p.name,
              busyPercent: p.max > 0 ? Math.round(((p.total - p.idle) / p.max) * 1000) / 10 : 0,
              waiting: p.waiting,
            }));
            // Down past the critical level of `thresholds.poolUtilizationPercent` (never when the pool is not judged).
            const levels = this.options.thresholds.poolUtilizationPercent;
            const limit = levels === false || levels.critical === false ? null : levels.critical;
            const saturated = limit === null ? [] : stats.filter((p) => p.busyPercent > limit);
            if (saturated.length) {
              down(`pool ${saturated.map((p) => `${p.name} ${p.busyPercent}% busy`).join(', ')}, above ${limit}%`);
            }
            return { pools: stats };
          }),
      });
    }

    for (const dep of health.dependencies) {
      const key = `http_${dep.name}`;
      list.push({
        key,
        probes: ['ready'],
        run: () =>
          attempt(
            key,
            async ({ signal }) => {
              const res = await fetch(dep.url, { signal, redirect: 'manual' });
              await res.body?.cancel();
              if (res.status >= 500) down(`${maskSecretsInText(dep.url)} answered ${res.status}`);
              return { url: maskSecretsInText(dep.url), statusCode: res.status };
            },
            dep.timeoutMs,
          ),
      });
    }
    const notifiers = this.notifiers;
    if (notifiers) {
      list.push({
        key: 'alert_notifiers',
        probes: ['all'],
        present: () => notifiers.notifierHealth().length > 0,
        run: async () => ({ alert_notifiers: deliveryIndicator('alert notifier', 'notifiers', notifiers.notifierHealth()) }),
      });
    }
    list.push({
      key: 'tracing_export',
      probes: ['all'],
      present: () => spanExportHealth().length > 0,
      run: async () => ({ tracing_export: deliveryIndicator('span exporter', 'exporters', spanExportHealth()) }),
    });
    this.logger.debug?.(`health indicators: ${list.map((i) => i.key).join(', ')}`);
    return list;
  }
}

/**
 * One indicator over delivery targets (notifiers, exporters): down while any
 * target's latest delivery failed, with a message that names each failing
 * target and why; every target's state under `field`.
 */
function deliveryIndicator(kind: string, field: string, targets: readonly DeliveryTargetHealth[]): IndicatorResult {
  const failing = targets.filter((t) => t.status === 'down');
  if (!failing.length) return { status: 'up', [field]: targets };
  const message = failing.map((t) => `${kind} "${t.name}" failing: ${t.lastError ?? 'unknown error'} (${t.consecutiveFailures} failed in a row)`).join('; ');
  return { status: 'down', message, [field]: targets };
}
