/*
 * The answer of `GET <admin>/slos`, as plain types: the public API exports
 * them from here, so an app's declarations never reach the monitor (nor the
 * option schemas it is built from).
 */

/** A burn-rate window: `5m`, `30m`, `1h`, `6h` or `3d`. */
export type BurnWindow = '5m' | '30m' | '1h' | '6h' | '3d';

/** What one objective of an SLO achieved over its window. */
export interface SloObjectiveReport {
  /** `availability`: not answered with a 5xx; `latency`: answered within `thresholdMs`. */
  readonly objective: 'availability' | 'latency';
  /** The share of good requests aimed at, percent. */
  readonly targetPercent: number;
  /** Latency objective: the most a good request may take, ms. */
  readonly thresholdMs?: number;
  /**
   * Latency objective: the `http_request_duration_seconds` bucket bound the
   * Prometheus export counts good requests with (the largest at or below the
   * threshold); null when every bucket is above it.
   */
  readonly metricsBucketSeconds?: number | null;
  /** Requests of the window (since counting started, when that is more recent). */
  readonly requests: number;
  readonly goodRequests: number;
  readonly badRequests: number;
  /** Achieved share of good requests, percent (4 decimals); null without requests. */
  readonly sliPercent: number | null;
  readonly errorBudget: {
    /** Bad requests the objective allows for the requests of the window: requests × (100 − target) / 100. */
    readonly allowedBadRequests: number;
    /** Allowed minus bad: negative once the budget is overspent. */
    readonly remainingRequests: number;
    /** Share of the budget left, percent (negative when overspent); null without requests. */
    readonly remainingPercent: number | null;
  };
  /**
   * How fast each recent window spends the budget: its bad share divided by
   * the share the objective allows (1 spends exactly the budget over the
   * window; 14.4 spends 2 % of a 30-day budget in an hour). Null without requests.
   */
  readonly burnRates: Readonly<Record<BurnWindow, number | null>>;
  /** Requests in each burn-rate window. */
  readonly windowRequests: Readonly<Record<BurnWindow, number>>;
}

/** One SLO: its definition, and what each objective achieved. */
export interface SloReport {
  readonly name: string;
  readonly routes: readonly string[];
  readonly windowDays: number;
  /** Counting started (the app's start): the window holds no request before it. */
  readonly countingSince: string;
  /** The route templates that matched the SLO's routes so far, as `METHOD /template`. */
  readonly matchedRoutes: readonly string[];
  /** Whether burn-rate alerts are on for it. */
  readonly alerts: boolean;
  readonly alertMinRequests: number;
  readonly objectives: readonly SloObjectiveReport[];
}

/** The body of `GET <admin>/slos`. */
export interface SlosBody {
  readonly generatedAt: string;
  readonly slos: readonly SloReport[];
}
