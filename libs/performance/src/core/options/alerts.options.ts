/** Alert severities, lowest first. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
/** One of {@link ALERT_SEVERITIES}. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/**
 * The snapshot fields alert rules watch, and which way is bad: `above` fires
 * when the value rises past a level, `below` when it falls past it. Their
 * levels come from `thresholds`: past `good` a warning, past `critical` a
 * critical alert.
 */
export const ALERT_METRICS = {
  p50Ms: 'above',
  p95Ms: 'above',
  p99Ms: 'above',
  meanMs: 'above',
  errorRatePercent: 'above',
  cpuPercent: 'above',
  memoryPercent: 'above',
  diskPercent: 'above',
  eventLoopLagP99Ms: 'above',
  loadPerCore: 'above',
  dbMeanQueryMs: 'above',
  slowQueriesPerHour: 'above',
  poolUtilizationPercent: 'above',
  poolWaiting: 'above',
  cacheHitRatePercent: 'below',
  cacheAvailabilityPercent: 'below',
  cacheMeanMs: 'above',
} as const;
/** A key of {@link ALERT_METRICS}. */
export type AlertMetric = keyof typeof ALERT_METRICS;

/** Levels of one rule, from `thresholds`: the value past which it is a warning, and critical. */
export interface AlertRuleLevels {
  info?: number;
  warning?: number;
  critical?: number;
}

/** A generic webhook: the alert event is POSTed as JSON. */
export interface WebhookNotifierOptions {
  /** http(s) URL. */
  url: string;
  /** Extra request headers (an `Authorization` for the receiver, ...). */
  headers?: Record<string, string>;
}

/** Email over SMTP with nodemailer (installed by the app). */
export interface EmailNotifierOptions {
  /** SMTP URL: `smtp://user:pass@host:587`, `smtps://host:465`. */
  smtpUrl: string;
  /** Sender address. */
  from: string;
  /** Recipients. */
  to: string[];
}

/** Where alerts go, and how hard the module tries. */
export interface NotifierOptions {
  /** Log each alert event with Nest's logger. Env: `ALERT_LOG`. @default true */
  log?: boolean;
  /** Generic JSON webhooks. Env: `ALERT_WEBHOOK_URL` (one). @default [] */
  webhooks?: WebhookNotifierOptions[];
  /** Slack-compatible incoming webhooks (also Mattermost, Rocket.Chat). Env: `ALERT_SLACK_WEBHOOK_URL` (one). @default [] */
  slack?: { url: string }[];
  /** Email. Env: `ALERT_SMTP_URL`, `ALERT_EMAIL_FROM`, `ALERT_EMAIL_TO` (comma-separated). */
  email?: EmailNotifierOptions;
  /** Events below this severity are only logged. Env: `ALERT_MIN_SEVERITY`. @default 'warning' */
  minSeverity?: AlertSeverity;
  /** Attempts after the first failed delivery. @default 3 */
  retries?: number;
  /** First retry delay in ms, doubled each attempt. @default 1000 */
  backoffMs?: number;
  /** Timeout of one delivery in ms. @default 5000 */
  timeoutMs?: number;
}

/**
 * The outage rules: the severity of the alert raised while a store does not
 * answer its health check, or `false` to switch the rule off. Checked with
 * each snapshot of the sampler; needs the health feature (`health.enabled`).
 */
export interface OutageAlertOptions {
  /**
   * `cache-store-down`: the response cache's store (the Redis tier, or the
   * app's store) does not answer. Requests go on without the cache meanwhile.
   * @default 'warning'
   */
  cacheStore?: AlertSeverity | false;
  /**
   * `database-down`: a TypeORM DataSource does not answer `SELECT 1`; one
   * alert per DataSource.
   * @default 'critical'
   */
  database?: AlertSeverity | false;
}

/**
 * The `alerts` section: rules over each snapshot of the sampler, with one open
 * alert per rule, and the notifiers that hear when one fires or resolves. The
 * rules' levels are the `thresholds`: a metric past `good` raises a warning,
 * past `critical` a critical alert.
 *
 * @example
 * PerformanceModule.forRoot({
 *   alerts: {
 *     notifiers: { slack: [{ url: process.env.SLACK_WEBHOOK! }] },
 *   },
 * })
 */
export interface AlertsOptions {
  /** Evaluate alert rules. Env: `ALERTS_ENABLED`. @default true */
  enabled?: boolean;
  /**
   * Alerts while the cache store or a database is down, resolved when it
   * answers again. @default { cacheStore: 'warning', database: 'critical' }
   */
  outages?: OutageAlertOptions;
  /**
   * Seconds a metric, outage or route rule must breach, from its first
   * breaching snapshot, before its alert fires (`0`: on the first). Windows
   * without data (no requests for latency) do not interrupt it; a healthy
   * window with data does. Job rules fire at once: they are judged on runs.
   * Env: `ALERT_FOR_SECONDS`. @default 60
   */
  forSeconds?: number;
  /** Healthy snapshots with data in a row before an open alert resolves. @default 1 */
  resolveAfterSamples?: number;
  /**
   * Flapping: a metric, outage or route alert that resolved and fires again
   * within this many seconds reopens as the same alert, marked `flapping`
   * (one `flapping` notification, no new FIRING). Its RESOLVED notification
   * waits this long, so receivers hear it once, when it stays resolved.
   * `0` notifies each resolve at once and opens a new alert each time.
   * Env: `ALERT_FLAP_WINDOW_SECONDS`. @default 300
   */
  flapWindowSeconds?: number;
  /** Alerts kept in memory (newest first); older ones are dropped. @default 1000 */
  maxAlerts?: number;
  /** Delivery of alert events. */
  notifiers?: NotifierOptions;
}
