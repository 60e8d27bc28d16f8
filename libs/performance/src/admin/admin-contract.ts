import { z } from 'zod';
/*
 * The answers of the admin API, declared once. Each schema states the fields
 * of one endpoint's JSON body; the OpenAPI document (`openapi.json`) takes
 * its response schemas from here, the dashboard reads only fields declared
 * here (its READS table, checked against the document by a test), and the
 * type checks of admin-contract.check.ts fail to compile when a body type of a
 * controller no longer has a declared field with its declared type.
 *
 * Objects are open: a body may carry more fields than declared here.
 */

const num = z.number();
const nullableNum = z.number().nullable();
const iso = z.string().describe('ISO 8601 time');
const statusClasses = z.object({ '2xx': num, '3xx': num, '4xx': num, '5xx': num });

const snapshot = z.object({
  timestamp: iso,
  instanceId: z.string(),
  intervalSeconds: num,
  cpuPercent: num,
  hostCpuPercent: num,
  rssMb: num,
  heapUsedMb: num,
  heapTotalMb: num,
  memoryPercent: num,
  hostMemoryPercent: num,
  eventLoopLagP99Ms: num,
  requests: num,
  requestsPerSecond: num,
  errors: num,
  errorRatePercent: num,
  p50Ms: nullableNum,
  p95Ms: nullableNum,
  p99Ms: nullableNum,
  maxMs: nullableNum,
  cacheLookups: num,
  cacheHitRatePercent: nullableNum,
  dbQueries: num,
  dbMeanQueryMs: nullableNum,
  dbQueriesPerRequest: nullableNum,
  poolUtilizationPercent: nullableNum,
  latencyHistogram: z
    .string()
    .nullable()
    .optional()
    .describe("The interval's response times (µs), an HDR histogram in HdrHistogram's compressed base64 encoding; null without requests"),
});

const historyPoint = snapshot.omit({ instanceId: true, latencyHistogram: true }).extend({
  samples: num.describe('Snapshots averaged into this point'),
  cpuPercent: nullableNum,
  hostCpuPercent: nullableNum,
  rssMb: nullableNum,
  heapUsedMb: nullableNum,
  heapTotalMb: nullableNum,
  memoryPercent: nullableNum,
  hostMemoryPercent: nullableNum,
  eventLoopLagP99Ms: nullableNum,
  requests: nullableNum,
  requestsPerSecond: nullableNum,
  errors: nullableNum,
  errorRatePercent: nullableNum,
  cacheLookups: nullableNum,
  dbQueries: nullableNum,
  intervalSeconds: nullableNum,
});

const livePoint = z.object({
  t: num.describe('Start of the second, epoch ms'),
  requests: num,
  status: statusClasses,
  errors: num,
  p50Ms: nullableNum,
  p95Ms: nullableNum,
  p99Ms: nullableNum,
  maxMs: nullableNum,
  dbQueries: num,
  dbTimeMs: num,
  cacheHits: num,
  cacheMisses: num,
});

const slowRequest = z.object({
  requestId: z.string(),
  at: num.describe('Epoch ms'),
  durationMs: num,
  status: num,
  dbQueries: num,
  dbTimeMs: num,
});

const routeRow = z.object({
  method: z.string(),
  route: z.string(),
  requests: num,
  ratePerSecond: num,
  errors: num,
  errorRatePercent: num,
  status: statusClasses,
  meanMs: num,
  p50Ms: num,
  p95Ms: num,
  p99Ms: num,
  maxMs: num,
  dbQueriesPerRequest: num,
  dbTimeMs: num,
  dbTimeSharePercent: num,
  cacheHits: num,
  cacheMisses: num,
  cacheHitRatePercent: nullableNum,
  slowest: z.array(slowRequest),
});

const requestDetail = slowRequest.extend({
  method: z.string(),
  route: z.string(),
  statements: z.array(z.object({ fingerprint: z.string(), statement: z.string(), durationMs: num, success: z.boolean() })),
  statementsNotKept: num,
});

const alert = z.object({
  id: z.string(),
  instanceId: z.string(),
  metric: z.string(),
  job: z.string().optional(),
  dependency: z.string().optional(),
  slo: z.string().optional(),
  route: z.string().optional(),
  severity: z.string(),
  status: z.enum(['firing', 'resolved']),
  message: z.string(),
  value: num,
  threshold: num,
  firstSeen: iso,
  lastSeen: iso,
  resolvedAt: iso.nullable(),
  count: num,
  firedAt: iso,
  durationSeconds: num.describe('From firedAt to resolvedAt, or to lastSeen while it fires'),
  flapping: z.boolean().describe('It resolved and fired again within alerts.flapWindowSeconds: kept as this one alert'),
  transitions: num.describe('Changes between firing and resolved since it first fired'),
});

const pendingAlert = z.object({
  metric: z.string(),
  job: z.string().optional(),
  dependency: z.string().optional(),
  slo: z.string().optional(),
  route: z.string().optional(),
  severity: z.string(),
  message: z.string(),
  since: iso,
  heldSeconds: num,
  forSeconds: num,
});

const fleetTotals = z.object({
  instances: num,
  snapshots: num,
  requests: num,
  errors: num,
  errorRatePercent: num,
  requestsPerSecond: num.describe("Each instance's requests over the seconds its snapshots cover, summed"),
  p50Ms: nullableNum.describe('From the sum of the latency histograms'),
  p95Ms: nullableNum,
  p99Ms: nullableNum,
  maxMs: nullableNum,
  snapshotsWithoutHistogram: num,
});

const fleetInstance = z.object({
  instanceId: z.string(),
  self: z.boolean(),
  latest: snapshot.omit({ latencyHistogram: true }).nullable(),
  ageSeconds: nullableNum,
  stale: z.boolean(),
  window: fleetTotals,
  firingAlerts: num,
});

const recommendation = z.object({
  id: z.string(),
  category: z.string(),
  severity: z.string(),
  title: z.string(),
  description: z.string(),
  action: z.object({
    type: z.string(),
    automatic: z.boolean().describe('True when optimize/:id applies it now; false: a person follows `steps`'),
    summary: z.string(),
    steps: z.array(z.string()),
    sql: z.string().optional(),
    revertSql: z.string().optional(),
    namespace: z.string().optional(),
  }),
});

const statement = z.object({
  fingerprint: z.string(),
  statement: z.string(),
  operation: z.string(),
  database: z.string(),
  calls: num,
  errors: num,
  totalMs: num,
  meanMs: num,
  maxMs: num,
  p95Ms: num,
  rows: nullableNum,
  firstSeen: iso,
  lastSeen: iso,
  routes: z.array(z.string()).describe('Route templates that ran it; empty when it ran outside requests only'),
  n1Requests: num,
});

const n1Finding = z.object({
  at: iso,
  route: z.string().nullable(),
  requestId: z.string(),
  fingerprint: z.string(),
  statement: z.string(),
  count: num,
});

const job = z.object({
  name: z.string(),
  status: z.enum(['never', 'running', 'success', 'failure']),
  running: num,
  runs: num,
  successes: num,
  failures: num,
  recentFailureRatePercent: nullableNum,
  lastRunAt: iso.nullable(),
  lastFinishedAt: iso.nullable(),
  lastFailureAt: iso.nullable(),
  nextRunAt: iso.nullable(),
  overdue: z.boolean(),
  lastError: z.object({ name: z.string(), message: z.string(), at: iso }).nullable(),
  runnable: z.boolean(),
});

const indicator = z.object({ status: z.enum(['up', 'down', 'degraded']) }).catchall(z.unknown());

const cacheCounters = z.object({ hits: num, misses: num, stale: num, bypasses: num, hitRate: num.describe('0 to 1') });

const optimization = z.object({
  id: z.string(),
  title: z.string(),
  action: z.string(),
  appliedAt: iso,
  sql: z.string().nullable(),
  database: z.string().nullable(),
  result: z.enum(['applied', 'failed']),
  detail: z.string(),
  revert: z.string().nullable(),
  durationMs: num,
  statements: z.array(
    z.object({
      fingerprint: z.string(),
      before: z.object({ calls: num, meanMs: num }),
      after: z.object({ calls: num, meanMs: num }).nullable(),
    }),
  ),
});

/** The error body of every 4xx and 5xx answer: `message` says what was wrong. */
export const ERROR_BODY = z.object({
  statusCode: num,
  message: z.union([z.string(), z.array(z.string())]),
  error: z.string().optional(),
});

/** The answers, by `<method> <path below the admin path>` in OpenAPI's spelling. */
export const ADMIN_CONTRACT = {
  'get dashboard/config': z.object({
    refreshIntervalSeconds: num,
    refreshIntervalMs: num,
    collectionIntervalSeconds: num,
    historyHours: num,
    maxHistoryPoints: num,
    thresholds: z.record(z.string(), z.object({ direction: z.enum(['above', 'below']), good: num, warning: num, critical: num.optional() })),
    kpis: z.record(z.string(), num),
    alertForSeconds: num.describe('Seconds a rule must breach before its alert fires (alerts.forSeconds)'),
  }),
  'get dashboard': z.object({
    generated_at: iso.describe('When this answer was made'),
    data_at: iso.describe('Time of the snapshot every figure comes from'),
    window: z.object({ seconds: num, from: iso, to: iso }).describe("The window the snapshot's rates and percentiles cover"),
    cards: z.array(
      z.object({
        metric: z.string(),
        label: z.string(),
        value: nullableNum,
        unit: z.string(),
        level: z.enum(['good', 'warning', 'critical', 'no-data', 'n/a']),
        direction: z.enum(['above', 'below']),
        good: nullableNum,
        critical: nullableNum,
        note: z.string().optional(),
      }),
    ),
    recommendations: z.array(recommendation),
  }),
  'get metrics/current': z.object({ fresh: z.boolean(), snapshot }),
  'get metrics/history': z.object({
    hours: num,
    from: iso,
    to: iso,
    bucketSeconds: nullableNum,
    snapshots: num,
    points: z.array(historyPoint),
  }),
  'get live': z.object({ resolutionSeconds: z.literal(1), retainedSeconds: num, points: z.array(livePoint) }),
  'get routes': z.object({ at: num, rateWindowSeconds: num, routes: z.array(routeRow) }),
  'get requests/{id}': requestDetail,
  'get health-overview': z.object({
    score: nullableNum,
    status: z.enum(['healthy', 'degraded', 'unhealthy', 'no-data']),
    timestamp: iso,
    checks: z.object({
      status: z.enum(['ok', 'degraded', 'error']),
      details: z.record(z.string(), indicator),
    }),
  }),
  'get jobs/status': z.object({
    generatedAt: iso,
    totals: z.object({ jobs: num, runs: num, failures: num, running: num }),
    jobs: z.array(job),
  }),
  'get alerts': z.object({ hours: num, firing: num, alerts: z.array(alert), pending: z.array(pendingAlert) }),
  'get fleet': z.object({
    instanceId: z.string(),
    generatedAt: iso,
    hours: num,
    from: iso,
    to: iso,
    staleAfterSeconds: num,
    instances: z.array(fleetInstance),
    current: fleetTotals,
    window: fleetTotals,
    alerts: z.object({ firing: num, bySeverity: z.object({ critical: num, warning: num, info: num }), open: z.array(alert), notListed: num }),
  }),
  'get recommendations': z.object({ total: z.number(), recommendations: z.array(recommendation), partial: z.boolean() }),
  'post optimize/{id}': z.object({ id: z.string(), applied: z.literal(true), action: z.string(), detail: z.string(), revert: z.string().nullable() }),
  'get query-performance': z.object({
    totals: z.object({ queries: num, timeMs: num, errors: num, outsideRequests: z.object({ queries: num, timeMs: num }) }),
    statements: z.array(statement),
    slowQueries: z.object({ thresholdMs: num, count: num }),
    n1: z.object({ threshold: num, count: num, recent: z.array(n1Finding) }),
  }),
  'get suggest-indexes': z.object({
    databases: z.array(
      z.object({
        database: z.string(),
        suggestions: z.array(z.object({ table: z.string(), columns: z.array(z.string()), reason: z.string(), createIndex: z.string() })),
      }),
    ),
  }),
  'get connection-pool': z.object({
    pools: z.array(z.object({ database: z.string(), utilizationPercent: nullableNum, note: z.string().optional() })),
  }),
  'get cache-stats': z.object({
    totals: cacheCounters.extend({ earlyHits: num.describe('HITs answered before the framework (counted in hits too)') }),
    routes: z.array(
      z.object({
        route: z.string(),
        namespace: z.string(),
        early: z
          .string()
          .describe(
            'yes, decorated, or why its HITs take the usual path (guard, interceptor, response-metadata, middleware, versioning, host-routing, user-key, decorated-only)',
          ),
      }),
    ),
    namespaces: z.record(
      z.string(),
      cacheCounters.extend({
        clearable: z.boolean(),
        notClearableReason: z.string().optional().describe('Why cache/clear refuses it; only when clearable is false'),
      }),
    ),
  }),
  'post cache/clear': z.object({ cleared: z.string(), removed: nullableNum, queryCaches: z.array(z.string()) }),
  'get optimizations': z.object({ total: num, optimizations: z.array(optimization) }),
  'get load-test/status': z.object({
    latestSweep: z
      .object({
        id: z.string(),
        status: z.enum(['running', 'passed', 'failed', 'aborted']),
        startedAt: iso,
        sweep: z
          .object({
            levels: z.array(
              z.object({
                connections: num,
                requestsPerSecond: num,
                latencyMs: z.object({ p50: num, p95: num, p99: num }),
                failedRequests: num,
                meetsKpis: z.boolean(),
                failedKpis: z.array(z.string()),
              }),
            ),
            maxLevelMeetingKpis: nullableNum.describe('The highest level at which it and every lower level met the KPIs'),
            knee: z.object({ connections: num, p95Ms: num, baselineP95Ms: num }).nullable(),
          })
          .optional()
          .describe('Absent until the first level ended'),
      })
      .nullable()
      .describe('The newest `load --sweep`, running or finished'),
  }),
  'get slos': z.object({
    generatedAt: iso,
    slos: z.array(
      z.object({
        name: z.string(),
        routes: z.array(z.string()),
        windowDays: num,
        countingSince: iso,
        matchedRoutes: z.array(z.string()).describe('METHOD /template of the routes counted so far'),
        objectives: z.array(
          z.object({
            objective: z.enum(['availability', 'latency']),
            targetPercent: num,
            thresholdMs: num.optional().describe('Latency objective only'),
            requests: num,
            goodRequests: num,
            badRequests: num,
            sliPercent: nullableNum.describe('Null without requests'),
            errorBudget: z.object({ allowedBadRequests: num, remainingRequests: num, remainingPercent: nullableNum }),
            burnRates: z.object({ '5m': nullableNum, '30m': nullableNum, '1h': nullableNum, '6h': nullableNum, '3d': nullableNum }),
          }),
        ),
      }),
    ),
  }),
} as const;

/** An endpoint whose answer {@link ADMIN_CONTRACT} declares. */
export type AdminContractEndpoint = keyof typeof ADMIN_CONTRACT;

/** The OpenAPI 3.0 schema of one declared answer (objects open: `additionalProperties` left unsaid). */
export function contractSchema(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
