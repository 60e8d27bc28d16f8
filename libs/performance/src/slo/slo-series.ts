const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** Minutes kept one by one: the last 6 hours (the 5m, 30m, 1h and 6h windows). */
export const MINUTE_SLOTS = 6 * 60;

/** Requests and bad requests of one objective over a window. */
export interface WindowCounts {
  readonly total: number;
  readonly bad: number;
}

/**
 * One ring of time buckets: a slot holds the counts of one minute (or hour)
 * and the number of that minute, so a slot left over from an earlier turn of
 * the ring is recognised and reset. Fixed size, allocated once.
 */
class BucketRing {
  private readonly ids: Float64Array;
  readonly total: Float64Array;
  /** Bad requests per objective (0: availability, 1: latency). */
  readonly bad: [Float64Array, Float64Array];

  constructor(readonly slots: number) {
    this.ids = new Float64Array(slots).fill(-1);
    this.total = new Float64Array(slots);
    this.bad = [new Float64Array(slots), new Float64Array(slots)];
  }

  add(id: number, availabilityBad: boolean, latencyBad: boolean): void {
    const slot = id % this.slots;
    if (this.ids[slot] !== id) {
      this.ids[slot] = id;
      this.total[slot] = 0;
      this.bad[0][slot] = 0;
      this.bad[1][slot] = 0;
    }
    this.total[slot]!++;
    if (availabilityBad) this.bad[0][slot]!++;
    if (latencyBad) this.bad[1][slot]!++;
  }

  /** Sums of the `count` buckets ending with `lastId`. */
  sum(lastId: number, count: number, objective: 0 | 1): WindowCounts {
    let total = 0;
    let bad = 0;
    const n = Math.min(count, this.slots);
    for (let id = lastId - n + 1; id <= lastId; id++) {
      const slot = id % this.slots;
      if (this.ids[slot] !== id) continue;
      total += this.total[slot]!;
      bad += this.bad[objective][slot]!;
    }
    return { total, bad };
  }
}

/**
 * The counts of one SLO: per minute for the last 6 hours, per hour for its
 * window (at least 3 days, for the 3-day burn rate). Each request adds to
 * one minute and one hour bucket; memory is fixed (about 13 KiB for 6 hours
 * of minutes plus 24 bytes per hour of the window).
 */
export class SloSeries {
  private readonly minutes = new BucketRing(MINUTE_SLOTS);
  private readonly hours: BucketRing;

  constructor(windowDays: number) {
    this.hours = new BucketRing(Math.max(windowDays, 3) * 24);
  }

  /** One request: `minute` is `Math.floor(nowMs / 60_000)`, computed once per response for every SLO of the route. */
  record(minute: number, availabilityBad: boolean, latencyBad: boolean): void {
    this.minutes.add(minute, availabilityBad, latencyBad);
    this.hours.add((minute / 60) | 0, availabilityBad, latencyBad);
  }

  /**
   * Counts of the last `minutes` minutes (current minute included): from the
   * minute buckets up to 6 hours, from the hour buckets beyond (whole hours,
   * the current one included).
   */
  window(nowMs: number, minutes: number, objective: 0 | 1): WindowCounts {
    if (minutes <= MINUTE_SLOTS) return this.minutes.sum(Math.floor(nowMs / MINUTE_MS), minutes, objective);
    return this.hours.sum(Math.floor(nowMs / HOUR_MS), Math.ceil(minutes / 60), objective);
  }
}
