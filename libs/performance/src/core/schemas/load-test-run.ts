import { z } from 'zod';

/**
 * The body of `POST {adminPath}/load-test/runs`, sent by `nestjs-performance load`
 * twice per run with the same `id`: once with `status: 'running'` when the load
 * starts, and once with the final status, `result` and `verdict` when it ends.
 * The app keeps the running run and the latest finished one for
 * `GET {adminPath}/load-test/status` (the second POST replaces the first).
 *
 * This file imports nothing but zod, so the admin API can import it without
 * loading the CLI (commander, autocannon).
 */
export interface LoadTestRun {
  /** Run id chosen by the CLI (a UUID); the same in both POSTs of a run. */
  readonly id: string;
  /** `running` while the load runs; `passed`/`failed` against the KPIs; `aborted` when stopped early (signal or time bound). */
  readonly status: LoadTestRunStatus;
  /** ISO 8601 time the load started. */
  readonly startedAt: string;
  /** ISO 8601 time the load ended; absent while running. */
  readonly finishedAt?: string;
  /** What was run. */
  readonly config: LoadTestConfig;
  /** Measured results; absent while running. */
  readonly result?: LoadTestResult;
  /** Pass/fail against the app's KPIs; absent while running. */
  readonly verdict?: LoadTestVerdict;
  /** With `load --sweep`: each concurrency level's figures, the highest level meeting the KPIs and the knee. */
  readonly sweep?: LoadTestSweep;
}

/** Statuses of a {@link LoadTestRun}. */
export const LOAD_TEST_RUN_STATUSES = ['running', 'passed', 'failed', 'aborted'] as const;
/** One of {@link LOAD_TEST_RUN_STATUSES}. */
export type LoadTestRunStatus = (typeof LOAD_TEST_RUN_STATUSES)[number];

/** One endpoint of a run, relative to the app's base URL. */
export interface LoadTestEndpoint {
  /** HTTP method, upper case. */
  readonly method: string;
  /** Path below the base URL, with its query string: `/documents/1`. */
  readonly path: string;
}

/** The parameters of a run. */
export interface LoadTestConfig {
  /** The app's base URL the run targeted (global prefix included), without credentials. */
  readonly baseUrl: string;
  /** Endpoints, requested in turn on each connection. */
  readonly endpoints: readonly LoadTestEndpoint[];
  /** Concurrent connections. */
  readonly connections: number;
  /** Time bound, seconds. */
  readonly durationSeconds: number;
  /** Request count bound; null when the run is bounded by time only. */
  readonly amount: number | null;
  /** With `load --sweep`: the concurrency levels, run in turn for `durationSeconds` each (`connections` is the highest). */
  readonly sweepLevels?: readonly number[];
}

/** Latency distribution of a run, ms. */
export interface LoadTestLatency {
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Per-endpoint counts of a run. */
export interface LoadTestEndpointResult extends LoadTestEndpoint {
  /** Responses received. */
  readonly responses: number;
  /** Responses with status 400 or above. */
  readonly failed: number;
}

/** What a run measured. */
export interface LoadTestResult {
  /** Requests answered or failed (`successful + failed`). */
  readonly totalRequests: number;
  /** Responses with a status below 400. */
  readonly successfulRequests: number;
  /** Responses with status 400 or above, connection errors and timeouts. */
  readonly failedRequests: number;
  /** Connection errors and timeouts (part of `failedRequests`). */
  readonly errors: number;
  /** `failedRequests / totalRequests` in percent (0 without requests). */
  readonly errorRatePercent: number;
  /** Mean throughput over the run. */
  readonly requestsPerSecond: number;
  /** Response latency, ms. */
  readonly latencyMs: LoadTestLatency;
  /** Seconds the load actually ran. */
  readonly elapsedSeconds: number;
  /** Responses by status code: `{ "200": 1234, "404": 2 }`. */
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Counts per endpoint. */
  readonly endpoints: readonly LoadTestEndpointResult[];
}

/** One KPI check of a run. */
export interface LoadTestCheck {
  /** `p95Ms`, `p99Ms` or `errorRatePercent`. */
  readonly kpi: string;
  /** The KPI's limit (the measured value must not exceed it). */
  readonly target: number;
  /** The measured value. */
  readonly value: number;
  readonly passed: boolean;
}

/** Pass/fail of a run. */
export interface LoadTestVerdict {
  /** True when every check passed. */
  readonly passed: boolean;
  /** `app` when the targets came from the app's `kpis` endpoint, `defaults` when from the built-in defaults. */
  readonly targetsFrom: 'app' | 'defaults';
  readonly checks: readonly LoadTestCheck[];
}

/** One concurrency level of a sweep: what it measured and whether it met the KPIs. */
export interface LoadTestSweepLevel {
  /** Concurrent connections of the level. */
  readonly connections: number;
  readonly totalRequests: number;
  readonly successfulRequests: number;
  readonly failedRequests: number;
  /** Connection errors and timeouts (part of `failedRequests`). */
  readonly errors: number;
  readonly errorRatePercent: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: LoadTestLatency;
  readonly elapsedSeconds: number;
  /** True when the level met every KPI (p95, p99, error rate) and got answers. */
  readonly meetsKpis: boolean;
  /** The KPIs the level missed: `p95Ms`, `p99Ms`, `errorRatePercent`, or `no-answer`. */
  readonly failedKpis: readonly string[];
}

/** Where latency starts to climb while throughput stops growing. */
export interface LoadTestKnee {
  /** The first level past the knee. */
  readonly connections: number;
  /** Its p95, ms. */
  readonly p95Ms: number;
  /** The p95 of the lowest level, ms. */
  readonly baselineP95Ms: number;
  /** Its throughput against the best level below it, percent (negative when lower). */
  readonly throughputGainPercent: number;
}

/** What a sweep found. */
export interface LoadTestSweep {
  /** The levels run so far, lowest first. */
  readonly levels: readonly LoadTestSweepLevel[];
  /** The highest level at which it and every lower level met the KPIs; null when the lowest level missed them. */
  readonly maxLevelMeetingKpis: number | null;
  /** The knee (see `kneeRule`); null when latency did not climb within the levels. */
  readonly knee: LoadTestKnee | null;
  /** The rule the knee was found by, in words. */
  readonly kneeRule: string;
}

const finite = z.number().finite();
const count = z.number().int().min(0);
const latencySchema = z.object({ mean: finite, p50: finite, p95: finite, p99: finite, max: finite });
const endpointSchema = z.object({ method: z.string().regex(/^[A-Z]{1,16}$/), path: z.string().startsWith('/').max(2048) });

/**
 * Validates a {@link LoadTestRun} body (for the admin API's `POST load-test/runs`).
 * Bounded: at most 100 endpoints and 100 status codes, strings capped.
 */
export const loadTestRunSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  status: z.enum(LOAD_TEST_RUN_STATUSES),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  config: z.object({
    baseUrl: z.string().url().max(2048),
    endpoints: z.array(endpointSchema).min(1).max(100),
    connections: count,
    durationSeconds: finite.min(0),
    amount: count.nullable(),
    sweepLevels: z.array(z.number().int().min(1).max(1000)).min(1).max(20).optional(),
  }),
  result: z
    .object({
      totalRequests: count,
      successfulRequests: count,
      failedRequests: count,
      errors: count,
      errorRatePercent: finite.min(0),
      requestsPerSecond: finite.min(0),
      latencyMs: latencySchema,
      elapsedSeconds: finite.min(0),
      statusCodes: z.record(z.string().regex(/^\d{3}$/), count).refine((r) => Object.keys(r).length <= 100, 'at most 100 status codes'),
      endpoints: z.array(endpointSchema.extend({ responses: count, failed: count })).max(100),
    })
    .optional(),
  verdict: z
    .object({
      passed: z.boolean(),
      targetsFrom: z.enum(['app', 'defaults']),
      checks: z.array(z.object({ kpi: z.string().max(64), target: finite, value: finite, passed: z.boolean() })).max(20),
    })
    .optional(),
  sweep: z
    .object({
      levels: z
        .array(
          z.object({
            connections: z.number().int().min(1).max(1000),
            totalRequests: count,
            successfulRequests: count,
            failedRequests: count,
            errors: count,
            errorRatePercent: finite.min(0),
            requestsPerSecond: finite.min(0),
            latencyMs: latencySchema,
            elapsedSeconds: finite.min(0),
            meetsKpis: z.boolean(),
            failedKpis: z.array(z.string().max(64)).max(10),
          }),
        )
        .max(20),
      maxLevelMeetingKpis: z.number().int().min(1).nullable(),
      knee: z.object({ connections: z.number().int().min(1), p95Ms: finite, baselineP95Ms: finite, throughputGainPercent: finite }).nullable(),
      kneeRule: z.string().max(500),
    })
    .optional(),
}) satisfies z.ZodType<LoadTestRun>;
