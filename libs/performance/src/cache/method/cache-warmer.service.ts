import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ResolvedCacheWarmingOptions } from '../../core/options/schema/cache-warming';
import type { MethodCache, WarmTarget } from './method-cache.service';

/** One warmed entry in {@link CacheWarmingReport}. */
export interface WarmedEntry {
  readonly key: string;
  readonly namespace: string;
  /** `Class.method`. */
  readonly method: string;
  /** ISO time of the latest successful fill, or null. */
  readonly lastWarmedAt: string | null;
  /** ISO time of the next refresh, or null while none is planned. */
  readonly nextRefreshAt: string | null;
  readonly failures: number;
  /** The latest failure's message, or null. */
  readonly lastError: string | null;
}

/** One warming run: the start-up fill or one refresh round. */
export interface WarmingRun {
  readonly trigger: 'startup' | 'refresh';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly entries: number;
  readonly failed: number;
}

/** What the admin `cache-warming` endpoint shows. */
export interface CacheWarmingReport {
  readonly enabled: boolean;
  readonly concurrency: number;
  readonly refreshAheadPercent: number;
  readonly totals: { readonly runs: number; readonly fills: number; readonly failures: number };
  /** The latest runs, newest first (at most 20). */
  readonly runs: readonly WarmingRun[];
  readonly entries: readonly WarmedEntry[];
}

/** The `warming` section of the admin `cache-stats`: warming at a glance. */
export interface CacheWarmingStats {
  /** Warming runs since start (the start-up fill and each refresh round). */
  readonly runs: number;
  /** `@WarmCache()` entries kept warm. */
  readonly entries: number;
  /** Entries filled successfully since start, over all runs. */
  readonly entriesWarmed: number;
  /** Fills that failed since start. */
  readonly failures: number;
  /** The latest finished run, or null before the first one ends. */
  readonly lastRun: WarmingRun | null;
  /** ISO time of the earliest planned refresh, or null while none is planned. */
  readonly nextRefreshAt: string | null;
}

const MAX_RUNS = 20;

/** Mutable state of one target; one shape for all. */
class TargetState {
  lastWarmedAt = 0;
  nextDue = 0;
  failures = 0;
  lastError: string | null = null;
  running = false;

  constructor(readonly target: WarmTarget) {}
}

/**
 * Fills the entries of `@WarmCache()` methods at start-up and refreshes each
 * one shortly before it expires, at most `cacheWarming.concurrency` at a time.
 * One timer for all entries (set to the earliest refresh), unref'd, so
 * warming never keeps the process alive.
 *
 * Injectable when the cache and `cacheWarming.enabled` are on; `null` otherwise.
 */
export class CacheWarmer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance');
  private states: TargetState[] = [];
  private readonly runs: WarmingRun[] = [];
  private totalRuns = 0;
  private fills = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly methods: MethodCache,
    private readonly options: ResolvedCacheWarmingOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.states = this.methods.warmTargets.map((t) => new TargetState(t));
    if (this.states.length === 0) return;
    const startup = this.runRound(this.states, 'startup');
    if (this.options.awaitStartup) await startup;
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs, entries and their next refresh. */
  report(): CacheWarmingReport {
    const iso = (ms: number) => (ms > 0 ? new Date(ms).toISOString() : null);
    return {
      enabled: true,
      concurrency: this.options.concurrency,
      refreshAheadPercent: this.options.refreshAheadPercent,
      totals: { runs: this.totalRuns, fills: this.fills, failures: this.failures },
      runs: [...this.runs],
      entries: this.states.map((s) => ({
        key: s.target.key,
        namespace: s.target.definition.namespace,
        method: s.target.definition.id,
        lastWarmedAt: iso(s.lastWarmedAt),
        nextRefreshAt: iso(s.nextDue),
        failures: s.failures,
        lastError: s.lastError,
      })),
    };
  }

  /** Runs, entries warmed, failures, the latest run and the next refresh: the `warming` section of `cache-stats`. */
  stats(): CacheWarmingStats {
    const planned = this.states.filter((s) => s.nextDue > 0).map((s) => s.nextDue);
    return {
      runs: this.totalRuns,
      entries: this.states.length,
      entriesWarmed: this.fills,
      failures: this.failures,
      lastRun: this.runs[0] ?? null,
      nextRefreshAt: planned.length && !this.stopped ? new Date(Math.min(...planned)).toISOString() : null,
    };
  }

  private async runRound(states: TargetState[], trigger: WarmingRun['trigger']): Promise<void> {
    const started = Date.now();
    let failed = 0;
    let next = 0;
    const worker = async () => {
      while (next < states.length && !this.stopped) {
        const state = states[next++]!;
        if (!(await this.fill(state))) failed++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.options.concurrency, states.length) }, worker));
    const finished = Date.now();
    this.totalRuns++;
    this.runs.unshift({
      trigger,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - started,
      entries: states.length,
      failed,
    });
    if (this.runs.length > MAX_RUNS) this.runs.length = MAX_RUNS;
    this.schedule();
  }

  private async fill(state: TargetState): Promise<boolean> {
    state.running = true;
    const ttlMs = state.target.definition.ttlSeconds * 1000;
    const ahead = Math.max(1000, (ttlMs * this.options.refreshAheadPercent) / 100);
    try {
      await this.methods.refresh(state.target);
      state.lastWarmedAt = Date.now();
      state.lastError = null;
      state.nextDue = state.lastWarmedAt + Math.max(1000, ttlMs - ahead);
      this.fills++;
      return true;
    } catch (error) {
      state.failures++;
      this.failures++;
      state.lastError = error instanceof Error ? error.message : String(error);
      // Retry at the next refresh time, as if it had filled.
      state.nextDue = Date.now() + Math.max(1000, ttlMs - ahead);
      if (state.failures === 1) this.logger.warn(`cache warming of ${state.target.key} failed: ${state.lastError}`);
      return false;
    } finally {
      state.running = false;
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const pending = this.states.filter((s) => !s.running && s.nextDue > 0);
    if (pending.length === 0) return;
    const due = Math.min(...pending.map((s) => s.nextDue));
    this.timer = setTimeout(
      () => {
        this.timer = null;
        // Entries due within the next second join this round: one wake-up for entries filled together.
        const horizon = Date.now() + 1000;
        const round = this.states.filter((s) => !s.running && s.nextDue > 0 && s.nextDue <= horizon);
        if (round.length) void this.runRound(round, 'refresh');
        else this.schedule();
      },
      Math.max(0, due - Date.now()),
    );
    this.timer.unref?.();
  }
}
