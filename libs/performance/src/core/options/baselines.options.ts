/** A target set by hand for one route: over it, the route raises a `route-target` alert. */
export interface RouteTarget {
  /** The route's p95 response time must stay at or under this, ms. */
  p95Ms?: number;
  /** The share of its responses with status 500 or above must stay at or under this, percent. */
  errorRatePercent?: number;
}

/**
 * The `baselines` section: per route (method and template), a latency and
 * error-rate baseline learned from the route's own history, shown beside the
 * live figure in `GET <admin>/baselines`, and a `route-anomaly` alert when a
 * route runs far outside it. Each snapshot window with at least
 * `minRequests` requests of a route teaches its baseline: a moving average
 * with its spread, and per hour of the day (UTC) once an hour has been seen
 * on two days with `minSamples` windows. A window is anomalous when its p95
 * is above `mean + sensitivity × spread` and above `minP95Ms` (or its error
 * rate above `mean + sensitivity × spread` and above `minErrorRatePercent`).
 * Baselines are learned in memory: a restart learns them again.
 *
 * @example
 * PerformanceModule.forRoot({
 *   baselines: { sensitivity: 4, routeTargets: { 'GET /api/v1/documents/:id': { p95Ms: 50 } } },
 * })
 */
export interface BaselinesOptions {
  /** Learn per-route baselines and judge each window against them. Env: `BASELINES_ENABLED`. @default true */
  enabled?: boolean;
  /** How many spreads above its mean a route's window must be to be anomalous. Env: `BASELINES_SENSITIVITY`. @default 3 */
  sensitivity?: number;
  /** Windows a baseline learns from before it judges (until then the route is `learning`). @default 30 */
  minSamples?: number;
  /** Requests of a route a window needs to teach or be judged (fewer: the window says nothing of the route). @default 20 */
  minRequests?: number;
  /** A latency anomaly needs the p95 above this too, ms: a route going from 2 to 9 ms is not worth an alert. @default 50 */
  minP95Ms?: number;
  /** An error-rate anomaly needs the error rate above this too, percent. @default 5 */
  minErrorRatePercent?: number;
  /** Half-life of the moving average, minutes: how fast a baseline follows a lasting change. @default 60 */
  halfLifeMinutes?: number;
  /**
   * Targets set by hand, by `METHOD /route-template` as `GET <admin>/routes`
   * lists it: a route over its target raises a `route-target` alert (a
   * warning), whatever its baseline. @default {}
   * @example { 'GET /api/v1/documents/:id': { p95Ms: 50 }, 'POST /api/v1/orders': { p95Ms: 300, errorRatePercent: 1 } }
   */
  routeTargets?: Record<string, RouteTarget>;
}
