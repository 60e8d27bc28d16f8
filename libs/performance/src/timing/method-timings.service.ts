import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type * as Hdr from 'hdr-histogram-js';
import { setTimedRecorder, timedRecorder, type TimedMethod } from './timed.decorator';

/** The longest call the histogram holds, in µs (an hour); longer calls count as this. */
const HISTOGRAM_MAX_US = 3600 * 1_000_000;

/** One `@Timed()` method in `GET <admin>/methods`; durations in ms. */
export interface MethodTiming {
  /** The class that declares the method (or the class part of the name given to `@Timed`). */
  className: string;
  /** The method (or the rest of the name given). */
  method: string;
  /** Calls finished since the app started. */
  calls: number;
  /** Calls that threw or whose promise rejected. */
  errors: number;
  /** Errors per 100 calls. */
  errorRatePercent: number;
  /** Time spent in the method over all calls. */
  totalMs: number;
  /** Mean duration; null before the first call (as are the percentiles and the max). */
  meanMs: number | null;
  /** Median duration. */
  p50Ms: number | null;
  /** 95th percentile of the durations. */
  p95Ms: number | null;
  /** 99th percentile of the durations. */
  p99Ms: number | null;
  /** The longest call. */
  maxMs: number | null;
  /** ISO 8601; null before the first call. */
  lastCallAt: string | null;
}

/** Body of `GET <admin>/methods`. */
export interface MethodTimingsBody {
  /** When the counts started (the app's start). */
  since: string;
  /** Every method called at least once, most total time first. */
  methods: MethodTiming[];
}

/** Called for each finished call; what the Prometheus histogram observes. */
export type MethodTimingListener = (method: TimedMethod, seconds: number, failed: boolean) => void;

class MethodState {
  calls = 0;
  errors = 0;
  totalMs = 0;
  maxMs = 0;
  lastCallAt = 0;
  constructor(
    readonly method: TimedMethod,
    readonly histogram: Hdr.Histogram,
  ) {}
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/**
 * Counts and times the calls of `@Timed()` methods while the app runs: calls,
 * errors and an HDR histogram of durations per class and method. Bounded by
 * the code: one entry per decorated method (or per `name` given).
 *
 * Injectable when the module is enabled; `null` otherwise.
 */
export class MethodTimings implements OnModuleInit, OnApplicationShutdown {
  private readonly states = new Map<string, MethodState>();
  /** The same states by decorated method (bounded by the code: one per decorated method). */
  private readonly byMethod = new Map<TimedMethod, MethodState>();
  private readonly listeners: MethodTimingListener[] = [];
  private readonly startedAt = Date.now();
  private readonly hdr: typeof Hdr;

  /** @internal */
  constructor() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is CommonJS; loaded with the feature
    this.hdr = require('hdr-histogram-js') as typeof Hdr;
  }

  /** Starts recording the calls of every `@Timed()` method of the process. */
  onModuleInit(): void {
    setTimedRecorder(this);
  }

  /** Stops recording (unless another app started since). */
  onApplicationShutdown(): void {
    if (timedRecorder() === this) setTimedRecorder(null);
  }

  /** @internal Calls `listener` after each recorded call (the metrics feature's histogram). */
  observe(listener: MethodTimingListener): void {
    this.listeners.push(listener);
  }

  /** @internal Called by `@Timed()` wrappers once per finished call. Never throws into the method. */
  record(method: TimedMethod, durationMs: number, failed: boolean): void {
    try {
      // Optimization: found by the method object (no key string built per call); by name the first time only.
      let state = this.byMethod.get(method);
      if (state === undefined) state = this.stateOf(method);
      state.calls++;
      if (failed) state.errors++;
      state.totalMs += durationMs;
      if (durationMs > state.maxMs) state.maxMs = durationMs;
      state.lastCallAt = Date.now();
      state.histogram.recordValue(Math.min(HISTOGRAM_MAX_US, Math.max(1, Math.round(durationMs * 1000))));
      for (const listener of this.listeners) listener(method, durationMs / 1000, failed);
    } catch {
      // Timing must never change what the method returns or throws.
    }
  }

  /** The state of a method's name (two decorated methods may share one), remembered for the method object. */
  private stateOf(method: TimedMethod): MethodState {
    const key = `${method.className}\u0000${method.method}`;
    let state = this.states.get(key);
    if (!state) {
      state = new MethodState(
        method,
        this.hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: HISTOGRAM_MAX_US, numberOfSignificantValueDigits: 2, bitBucketSize: 'packed' }),
      );
      this.states.set(key, state);
    }
    this.byMethod.set(method, state);
    return state;
  }

  /** Every method called so far, most total time first. */
  list(): MethodTimingsBody {
    const methods = [...this.states.values()].map((s): MethodTiming => {
      // The histogram rounds to 2 significant digits: never above the true max.
      const pct = (p: number) => round(Math.min(s.maxMs, s.histogram.getValueAtPercentile(p) / 1000));
      return {
        className: s.method.className,
        method: s.method.method,
        calls: s.calls,
        errors: s.errors,
        errorRatePercent: s.calls === 0 ? 0 : round((s.errors / s.calls) * 100),
        totalMs: round(s.totalMs),
        meanMs: s.calls === 0 ? null : round(s.totalMs / s.calls),
        p50Ms: s.calls === 0 ? null : pct(50),
        p95Ms: s.calls === 0 ? null : pct(95),
        p99Ms: s.calls === 0 ? null : pct(99),
        maxMs: s.calls === 0 ? null : round(s.maxMs),
        lastCallAt: s.lastCallAt === 0 ? null : new Date(s.lastCallAt).toISOString(),
      };
    });
    methods.sort((a, b) => b.totalMs - a.totalMs || a.className.localeCompare(b.className) || a.method.localeCompare(b.method));
    return { since: new Date(this.startedAt).toISOString(), methods };
  }
}
