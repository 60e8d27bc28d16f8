import type { ResolvedBaselinesOptions } from '../core/options/schema/baselines';

/** Rounds to `digits` decimals. */
function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * A moving average with its spread (exponentially weighted mean and standard
 * deviation). The first values are averaged plainly (weight `1/n`), so a
 * young series is not biased to its first value; then each value weighs
 * at least `alpha`.
 */
export class MovingStats {
  samples = 0;
  mean = 0;
  private variance = 0;

  /** Adds one value with weight `max(1/n, alpha)`. */
  add(value: number, alpha: number): void {
    this.samples++;
    const a = Math.max(1 / this.samples, Math.min(1, alpha));
    const diff = value - this.mean;
    const step = a * diff;
    this.mean += step;
    this.variance = (1 - a) * (this.variance + diff * step);
  }

  get spread(): number {
    return Math.sqrt(Math.max(0, this.variance));
  }
}

/** What one window measured of one route. */
export interface RouteWindow {
  /** End of the window, ms since the epoch (the snapshot's time). */
  readonly at: number;
  /** Seconds the window covers. */
  readonly seconds: number;
  readonly requests: number;
  /** Responses with status 500 or above. */
  readonly errors: number;
  readonly p95Ms: number;
  readonly meanMs: number;
}

/** The baseline a window is judged against, for one figure. */
export interface BaselineFigure {
  /** The mean the route usually has (of its windows' p95, or of their error rates). */
  readonly mean: number;
  /** Its spread: the standard deviation of the windows around the mean. */
  readonly spread: number;
  /**
   * Past this the window is anomalous: `mean + sensitivity × spread` (spread at least 10 % of the mean,
   * 1 point for errors), and at least the floor (`minP95Ms` and 1.5 × the mean; `minErrorRatePercent`).
   */
  readonly threshold: number;
  /** Windows it learned from. */
  readonly samples: number;
}

/** Where a judgement's baseline came from: this hour of the day over past days, or the moving average of all windows. */
export type BaselineSource = 'hour-of-day' | 'moving-average';

/** `learning`: not enough windows yet; `normal`; `anomalous`: far outside the baseline. */
export type BaselineStatus = 'learning' | 'normal' | 'anomalous';

/** One window of a route judged against its baseline (taken before the window teaches it). */
export interface RouteJudged {
  readonly status: BaselineStatus;
  readonly source: BaselineSource;
  /** The UTC hour of the window, for `hour-of-day`. */
  readonly hour: number;
  readonly latency: BaselineFigure;
  readonly errorRate: BaselineFigure;
  /** The window's error rate, percent. */
  readonly errorRatePercent: number;
  readonly latencyAnomalous: boolean;
  readonly errorsAnomalous: boolean;
}

const DAY = 86_400_000;
/** A latency anomaly is at least this many times the usual p95. */
export const LATENCY_RATIO = 1.5;

/** One hour of the day over the days seen: its own moving statistics. */
class HourBucket {
  readonly latency = new MovingStats();
  readonly errors = new MovingStats();
  firstDay = Infinity;
  lastDay = -Infinity;
}

/**
 * The baseline of one route: a moving average of its windows' p95 and error
 * rate with their spread, and the same per UTC hour of the day. An hour's
 * own figures are used once that hour was seen on two days at least, with
 * `minSamples` windows; before, the moving average of all windows is.
 */
export class RouteBaseline {
  readonly latency = new MovingStats();
  readonly errors = new MovingStats();
  private readonly hours: (HourBucket | undefined)[] = new Array<HourBucket | undefined>(24);
  /** First and latest window learned, ms. */
  firstAt: number | null = null;
  lastAt: number | null = null;

  constructor(private readonly options: ResolvedBaselinesOptions) {}

  /** Judges a window against what was learned before it. */
  judge(w: RouteWindow): RouteJudged {
    const o = this.options;
    const hour = new Date(w.at).getUTCHours();
    const bucket = this.hours[hour];
    const hourly = bucket !== undefined && bucket.lastDay > bucket.firstDay && bucket.latency.samples >= o.minSamples;
    const source: BaselineSource = hourly ? 'hour-of-day' : 'moving-average';
    const lat = hourly ? bucket.latency : this.latency;
    const err = hourly ? bucket.errors : this.errors;
    // Far outside: past k spreads, 50 % over the usual p95 at least (a p95 of few requests is noisy), and past the floor.
    const latency = figure(lat, o.sensitivity, lat.mean * 0.1, Math.max(o.minP95Ms, lat.mean * LATENCY_RATIO));
    const errorRate = figure(err, o.sensitivity, 1, o.minErrorRatePercent);
    const errorRatePercent = w.requests > 0 ? (w.errors / w.requests) * 100 : 0;
    const learning = this.latency.samples < o.minSamples;
    const latencyAnomalous = !learning && w.p95Ms > latency.threshold;
    const errorsAnomalous = !learning && errorRatePercent > errorRate.threshold;
    const status: BaselineStatus = learning ? 'learning' : latencyAnomalous || errorsAnomalous ? 'anomalous' : 'normal';
    return { status, source, hour, latency, errorRate, errorRatePercent: round(errorRatePercent), latencyAnomalous, errorsAnomalous };
  }

  /**
   * Learns from a window. An anomalous figure teaches as if it had been at
   * its threshold: a slow spell does not become the normal at once (nor
   * blow up the spread), a lasting change does, step by step.
   */
  learn(w: RouteWindow, judged: RouteJudged): void {
    const o = this.options;
    const since = this.lastAt === null ? w.seconds * 1000 : Math.max(0, w.at - this.lastAt);
    const alpha = 1 - 0.5 ** (since / (o.halfLifeMinutes * 60_000));
    const p95 = judged.latencyAnomalous ? judged.latency.threshold : w.p95Ms;
    const errorRate = judged.errorsAnomalous ? judged.errorRate.threshold : judged.errorRatePercent;
    this.latency.add(p95, alpha);
    this.errors.add(errorRate, alpha);
    const hour = new Date(w.at).getUTCHours();
    const bucket = (this.hours[hour] ??= new HourBucket());
    // An hour's windows are days apart: each weighs at least 1/minSamples.
    const hourAlpha = 1 / o.minSamples;
    bucket.latency.add(p95, hourAlpha);
    bucket.errors.add(errorRate, hourAlpha);
    const day = Math.floor(w.at / DAY);
    bucket.firstDay = Math.min(bucket.firstDay, day);
    bucket.lastDay = Math.max(bucket.lastDay, day);
    this.firstAt ??= w.at - w.seconds * 1000;
    this.lastAt = w.at;
  }

  /** Hours of the day (UTC) whose own baseline is in use. */
  learnedHours(): number[] {
    const out: number[] = [];
    this.hours.forEach((b, h) => {
      if (b && b.lastDay > b.firstDay && b.latency.samples >= this.options.minSamples) out.push(h);
    });
    return out;
  }
}

function figure(stats: MovingStats, sensitivity: number, minSpread: number, floor: number): BaselineFigure {
  const spread = Math.max(stats.spread, minSpread);
  return {
    mean: round(stats.mean),
    spread: round(stats.spread),
    threshold: round(Math.max(stats.mean + sensitivity * spread, floor)),
    samples: stats.samples,
  };
}
