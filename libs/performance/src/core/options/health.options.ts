/** An outbound HTTP dependency the app relies on, checked by `/health/ready`. */
export interface HttpDependency {
  /** Indicator key suffix: `http_<name>`. Letters, digits, `_` and `-`. */
  name: string;
  /** URL answered with a GET; any status below 500 counts as up. */
  url: string;
  /** Timeout of this check in ms. @default the health `timeoutMs` */
  timeoutMs?: number;
}

/** Weights of the three parts of the health score (any positive scale); each part scores its worst metric (see `thresholds`). */
export interface HealthScoreWeights {
  /** Mean query time, slow queries per hour, pool use and callers waiting. @default 40 */
  database?: number;
  /** CPU, memory, disk and event-loop lag (and load average when judged). @default 35 */
  system?: number;
  /** Cache hit rate, availability and operation time. @default 25 */
  cache?: number;
}

/** What `/health/ready` checks beyond the databases, pools and `dependencies`. */
export interface HealthReadinessOptions {
  /**
   * Count the cache store (the Redis tier, or the store the app configured)
   * in readiness, so `/health/ready` answers 503 while it is down. Off by
   * default: the response cache fails open (requests go on without it), so a
   * cache outage only degrades `/health` and raises an alert. Turn it on only
   * when the app cannot serve without its cache. Env: `HEALTH_READINESS_CACHE`.
   * @default false
   */
  cache?: boolean;
  /**
   * Count the event loop in readiness: `/health/ready` answers 503 while the
   * lag p99 of the latest 1 s slice is above `eventLoopLagMs`, so a busy
   * instance sheds load long before liveness would call it stuck.
   * Env: `HEALTH_READINESS_EVENT_LOOP`.
   * @default false
   */
  eventLoop?: boolean;
}

/** When `/health/live` calls the process stuck. */
export interface HealthLivenessOptions {
  /**
   * Seconds the event loop's lag must stay above `eventLoopLagMs` without a
   * break (every 1 s slice over it) before `/health/live` answers 503. A busy
   * spell shorter than this keeps liveness up. Env: `HEALTH_LIVENESS_LAG_SECONDS`.
   * @default 10
   */
  lagSeconds?: number;
}

/**
 * The `health` section of the module options: Terminus health indicators,
 * `/health`, `/health/live`, `/health/ready`, and the health overview score.
 *
 * @example
 * PerformanceModule.forRoot({
 *   health: { timeoutMs: 2000, dependencies: [{ name: 'billing', url: 'http://billing:8080/health' }] },
 * })
 */
export interface HealthOptions {
  /**
   * Mount the health endpoints and compute the overview. Needs `@nestjs/terminus`.
   * Env: `HEALTH_ENABLED`.
   * @default true
   */
  enabled?: boolean;
  /**
   * Path of the health endpoint, at the server root; `/live` and `/ready`
   * are mounted below it. Env: `HEALTH_ENDPOINT`.
   * @default '/health'
   */
  endpoint?: string;
  /**
   * Time each check may take before it counts as down, in ms.
   * Env: `HEALTH_CHECK_TIMEOUT_MS`.
   * @default 3000
   */
  timeoutMs?: number;
  /** Path whose file system the disk check measures. @default process.cwd() */
  diskPath?: string;
  /**
   * The event loop is lagging above this lag p99 of a 1 s slice, in ms: liveness is down once
   * it lasted `liveness.lagSeconds`, readiness at once with `readiness.eventLoop`. @default 200
   */
  eventLoopLagMs?: number;
  /** Outbound HTTP dependencies checked by readiness. @default [] */
  dependencies?: HttpDependency[];
  /**
   * What readiness checks besides the TypeORM DataSources, the pools and
   * `dependencies`. `/health` checks everything whatever this says.
   * @default { cache: false, eventLoop: false }
   */
  readiness?: HealthReadinessOptions;
  /**
   * When liveness calls the process stuck.
   * @default { lagSeconds: 10 }
   */
  liveness?: HealthLivenessOptions;
  /**
   * Weights of the health overview score.
   * @default { database: 40, system: 35, cache: 25 }
   */
  weights?: HealthScoreWeights;
}
