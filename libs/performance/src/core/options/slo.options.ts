/**
 * One service level objective of the `slos` option: a group of routes, an
 * availability objective, a latency objective (or both), over a rolling
 * window. `GET <admin>/slos` shows what each achieves and the error budget
 * left; burn-rate alerts (`slo-burn-rate`) fire through the module's alerts.
 *
 * @example
 * PerformanceModule.forRoot({
 *   slos: [{
 *     name: 'api',
 *     routes: ['GET /api/v1/documents', 'GET /api/v1/documents/*'],
 *     availability: 99.9,
 *     latency: { thresholdMs: 300, percent: 99 },
 *     windowDays: 30,
 *   }],
 * })
 */
export interface SloOptions {
  /** 1-64 letters, digits, `.`, `_` or `-`; unique among the SLOs. */
  name: string;
  /**
   * The routes it covers: `[METHOD ]<route template>`, the template as the
   * client sees it (global prefix included, `/api/v1/documents/:id`). `*`
   * matches any characters, and a trailing `/*` also the path without it;
   * no method (or `*`) means every method. Requests that matched no route
   * (404s of unknown paths) and the admin API are never counted.
   * @example ['GET /api/v1/documents/*', 'POST /api/v1/orders']
   */
  routes: string[];
  /**
   * Percent of requests that must not fail with a 5xx status, above 0 and
   * below 100 (`99.9`). Give this, `latency`, or both.
   */
  availability?: number;
  /** Percent of requests (`percent`, below 100) that must take at most `thresholdMs` milliseconds. */
  latency?: { thresholdMs: number; percent: number };
  /**
   * The rolling window the SLI and the error budget cover, 1 to 90 days.
   * Counted in memory since the app started: per-minute counts for the last
   * 6 hours, per-hour counts for the window.
   * @default 30
   */
  windowDays?: number;
  /**
   * Multi-window burn-rate alerts for this SLO: fast burn (the last hour
   * and the last 5 minutes both burn the budget more than 14.4 times as fast
   * as the window allows; critical) and slow burn (6 hours and 30 minutes,
   * more than 6 times; warning).
   * @default true
   */
  alerts?: boolean;
  /**
   * Requests the short window (5 or 30 minutes) must hold before a burn-rate
   * alert fires, so one failed request of a quiet route does not page.
   * @default 10
   */
  alertMinRequests?: number;
}
