import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

/** What the liveness and readiness checks read of the event loop. */
export interface EventLoopLagReading {
  /** Lag p99 of the latest whole slice, ms (0 before the first one closes). */
  readonly lagP99Ms: number;
  /** How long the lag has stayed above the threshold without a break, up to the latest slice, ms. */
  readonly sustainedMs: number;
}

/**
 * The event loop's lag over rolling slices (1 s by default), measured with
 * perf_hooks' `monitorEventLoopDelay` (native, sampled every 20 ms off the JS
 * thread).
 *
 * A slice is over the threshold when its lag p99 is above it, or when the
 * slice's own timer fired later than the threshold (the loop was blocked
 * through the slice's end: a stall counts for the time the timer was late).
 * Consecutive slices over the threshold add up to a sustained lag; one slice
 * under it ends the run. A busy spell of a second or two is one slice over,
 * not a stuck process.
 */
export class EventLoopLag {
  private readonly histogram: IntervalHistogram;
  private timer: NodeJS.Timeout | undefined;
  private sliceStart = performance.now();
  private lastP99Ms = 0;
  private runMs = 0;

  constructor(
    private readonly thresholdMs: number,
    private readonly sliceMs = 1000,
  ) {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.histogram.enable();
    this.sliceStart = performance.now();
    this.timer = setInterval(() => this.roll(), this.sliceMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.histogram.disable();
  }

  /** Forgets what was measured so far (the app's own start-up blocks the loop on purpose). */
  reset(): void {
    this.histogram.reset();
    this.sliceStart = performance.now();
    this.lastP99Ms = 0;
    this.runMs = 0;
  }

  /** The latest slices, after closing the current one if its time is up (its timer may be waiting behind this call). */
  read(now: number = performance.now()): EventLoopLagReading {
    if (now - this.sliceStart >= this.sliceMs) this.roll(now);
    return { lagP99Ms: this.lastP99Ms, sustainedMs: Math.round(this.runMs) };
  }

  /** Closes the current slice. @internal exposed for tests */
  roll(now: number = performance.now()): void {
    const elapsed = now - this.sliceStart;
    const p99Ms = this.histogram.count > 0 ? this.histogram.percentile(99) / 1e6 : 0;
    this.histogram.reset();
    this.sliceStart = now;
    const lateMs = elapsed - this.sliceMs;
    this.lastP99Ms = Math.round(Math.max(p99Ms, lateMs, 0) * 10) / 10;
    if (lateMs > this.thresholdMs) this.runMs += lateMs;
    else if (p99Ms > this.thresholdMs) this.runMs += elapsed;
    else this.runMs = 0;
  }
}
