import * as hdr from 'hdr-histogram-js';
import { roundTo } from './metrics-snapshot';

/** Seconds the live ring keeps: the last 15 minutes. */
export const LIVE_RING_SECONDS = 900;
/** One hour in microseconds: the largest response time the histogram keeps apart. */
const HIGHEST_US = 3_600_000_000;

/** What the app did in one second (responses that closed in it; SQL and cache lookups that ended in it). */
export interface LivePoint {
  /** Start of the second, epoch ms. */
  readonly t: number;
  readonly requests: number;
  /** Responses by status class. */
  readonly status: { readonly '2xx': number; readonly '3xx': number; readonly '4xx': number; readonly '5xx': number };
  /** Responses with status 500 or above (the same as `status['5xx']`). */
  readonly errors: number;
  /** Response-time percentiles of the second, null when no response closed in it. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  readonly dbQueries: number;
  readonly dbTimeMs: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
}

/**
 * One-second aggregates of the last {@link LIVE_RING_SECONDS} seconds, in
 * preallocated typed arrays: recording a response writes a few numbers into
 * the current second's slot and one value into a histogram; nothing is
 * allocated per response. When a new second starts, the previous one's
 * percentiles are read from the histogram, stored, and the histogram reset.
 */
export class LiveRing {
  private readonly second = new Float64Array(LIVE_RING_SECONDS).fill(-1);
  private readonly requests = new Uint32Array(LIVE_RING_SECONDS);
  private readonly s2 = new Uint32Array(LIVE_RING_SECONDS);
  private readonly s3 = new Uint32Array(LIVE_RING_SECONDS);
  private readonly s4 = new Uint32Array(LIVE_RING_SECONDS);
  private readonly s5 = new Uint32Array(LIVE_RING_SECONDS);
  private readonly p50 = new Float64Array(LIVE_RING_SECONDS);
  private readonly p95 = new Float64Array(LIVE_RING_SECONDS);
  private readonly p99 = new Float64Array(LIVE_RING_SECONDS);
  private readonly max = new Float64Array(LIVE_RING_SECONDS);
  private readonly dbQueries = new Uint32Array(LIVE_RING_SECONDS);
  private readonly dbTimeMs = new Float64Array(LIVE_RING_SECONDS);
  private readonly cacheHits = new Uint32Array(LIVE_RING_SECONDS);
  private readonly cacheMisses = new Uint32Array(LIVE_RING_SECONDS);
  private readonly latency = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 2,
    autoResize: true,
    useWebAssembly: false,
  });
  /** The second (epoch s) the histogram and the current slot belong to. */
  private current = -1;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one closed response of `ms` with `status` in the current second (`nowMs`: the clock read by the caller). */
  recordResponse(status: number, ms: number, nowMs: number = this.now()): void {
    const i = this.slot(nowMs);
    this.requests[i]!++;
    if (status >= 500) this.s5[i]!++;
    else if (status >= 400) this.s4[i]!++;
    else if (status >= 300) this.s3[i]!++;
    else this.s2[i]!++;
    this.latency.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
  }

  /** Counts one SQL statement that ended now. */
  recordQuery(ms: number): void {
    const i = this.slot();
    this.dbQueries[i]!++;
    this.dbTimeMs[i]! += ms;
  }

  /** Counts one cache lookup that ended now (`hit` includes stale answers). */
  recordCache(hit: boolean): void {
    const i = this.slot();
    if (hit) this.cacheHits[i]!++;
    else this.cacheMisses[i]!++;
  }

  /** The epoch second of the latest complete second. */
  lastCompleteSecond(): number {
    return Math.floor(this.now() / 1000) - 1;
  }

  /**
   * The complete seconds after `afterSecond` (epoch s, exclusive) up to the
   * latest complete one, at most `limit` of them (the newest), oldest first.
   * Seconds without traffic are points of zeros.
   */
  pointsAfter(afterSecond: number, limit = LIVE_RING_SECONDS): LivePoint[] {
    const last = this.lastCompleteSecond();
    this.advance(last + 1);
    const first = Math.max(afterSecond + 1, last - Math.min(limit, LIVE_RING_SECONDS) + 1);
    const out: LivePoint[] = [];
    for (let s = first; s <= last; s++) out.push(this.point(s));
    return out;
  }

  /** The last `seconds` complete seconds, oldest first. */
  lastSeconds(seconds: number): LivePoint[] {
    return this.pointsAfter(-Infinity, seconds);
  }

  private point(s: number): LivePoint {
    const i = s % LIVE_RING_SECONDS;
    const t = s * 1000;
    if (this.second[i] !== s) {
      return {
        t,
        requests: 0,
        status: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 },
        errors: 0,
        p50Ms: null,
        p95Ms: null,
        p99Ms: null,
        maxMs: null,
        dbQueries: 0,
        dbTimeMs: 0,
        cacheHits: 0,
        cacheMisses: 0,
      };
    }
    const any = this.requests[i]! > 0;
    return {
      t,
      requests: this.requests[i]!,
      status: { '2xx': this.s2[i]!, '3xx': this.s3[i]!, '4xx': this.s4[i]!, '5xx': this.s5[i]! },
      errors: this.s5[i]!,
      p50Ms: any ? this.p50[i]! : null,
      p95Ms: any ? this.p95[i]! : null,
      p99Ms: any ? this.p99[i]! : null,
      maxMs: any ? this.max[i]! : null,
      dbQueries: this.dbQueries[i]!,
      dbTimeMs: roundTo(this.dbTimeMs[i]!),
      cacheHits: this.cacheHits[i]!,
      cacheMisses: this.cacheMisses[i]!,
    };
  }

  /** The slot of the current second, after closing the previous one when a new second began. */
  private slot(nowMs: number = this.now()): number {
    const s = Math.floor(nowMs / 1000);
    if (s !== this.current) this.advance(s);
    return s % LIVE_RING_SECONDS;
  }

  /** Closes the current second if `s` is later, and starts `s` with an empty slot. */
  private advance(s: number): void {
    if (s <= this.current) return;
    if (this.current >= 0) {
      const i = this.current % LIVE_RING_SECONDS;
      const h = this.latency;
      if (h.totalCount > 0) {
        // A percentile is its bucket's highest value, which can pass the exact maximum: capped by it.
        const max = h.maxValue;
        this.p50[i] = roundTo(Math.min(max, h.getValueAtPercentile(50)) / 1000);
        this.p95[i] = roundTo(Math.min(max, h.getValueAtPercentile(95)) / 1000);
        this.p99[i] = roundTo(Math.min(max, h.getValueAtPercentile(99)) / 1000);
        this.max[i] = roundTo(max / 1000);
        h.reset();
      }
    }
    const i = s % LIVE_RING_SECONDS;
    this.second[i] = s;
    this.requests[i] = this.s2[i] = this.s3[i] = this.s4[i] = this.s5[i] = 0;
    this.p50[i] = this.p95[i] = this.p99[i] = this.max[i] = 0;
    this.dbQueries[i] = this.cacheHits[i] = this.cacheMisses[i] = 0;
    this.dbTimeMs[i] = 0;
    this.current = s;
  }
}
