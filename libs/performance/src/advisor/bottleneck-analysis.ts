import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import type { Bottleneck } from './advice';

/** Extra facts the snapshot does not carry. */
export interface BottleneckContext {
  /** `monitoring.maxCpuUsagePercent`. */
  readonly maxCpuPercent: number;
  /** N+1 findings recorded since start. */
  readonly nPlusOneFindings: number;
  /** Pools with callers waiting for a connection now. */
  readonly poolsWaiting: number;
}

/**
 * Finds what limits the app in the latest snapshot: slow or saturated
 * database, a cache that misses, memory, CPU and event loop lag (thresholds
 * from the seeds' baselines).
 */
export function analyzeBottlenecks(s: MetricsSnapshot | undefined, ctx: BottleneckContext): Bottleneck[] {
  const out: Bottleneck[] = [];
  if (!s) return out;
  if (s.dbMeanQueryMs !== null && s.dbMeanQueryMs > 100) {
    out.push({
      type: 'database',
      severity: s.dbMeanQueryMs > 500 ? 'high' : 'medium',
      description: `Database statements take ${s.dbMeanQueryMs} ms on average`,
      evidence: { dbMeanQueryMs: s.dbMeanQueryMs, dbQueries: s.dbQueries },
      recommendation: 'Look at query-performance and suggest-indexes: add the suggested indexes, cache the slowest reads',
    });
  }
  if ((s.poolUtilizationPercent !== null && s.poolUtilizationPercent > 80) || ctx.poolsWaiting > 0) {
    out.push({
      type: 'database',
      severity: (s.poolUtilizationPercent ?? 0) > 95 || ctx.poolsWaiting > 0 ? 'high' : 'medium',
      description: `The connection pool is ${s.poolUtilizationPercent ?? '?'}% in use${ctx.poolsWaiting ? ' and requests wait for connections' : ''}`,
      evidence: { poolUtilizationPercent: s.poolUtilizationPercent, poolsWaiting: ctx.poolsWaiting },
      recommendation: 'Raise the pool size (within the database connection limit) or shorten transactions',
    });
  }
  if (ctx.nPlusOneFindings > 0 && s.dbQueriesPerRequest !== null && s.dbQueriesPerRequest > 5) {
    out.push({
      type: 'database',
      severity: 'medium',
      description: `Requests run ${s.dbQueriesPerRequest} statements each on average, with N+1 patterns`,
      evidence: { dbQueriesPerRequest: s.dbQueriesPerRequest, nPlusOneFindings: ctx.nPlusOneFindings },
      recommendation: 'Load relations with a join or in chunks (queryInChunks) instead of one statement per row',
    });
  }
  if (s.cacheHitRatePercent !== null && s.cacheHitRatePercent < 70) {
    out.push({
      type: 'cache',
      severity: s.cacheHitRatePercent < 30 ? 'high' : 'medium',
      description: `The response cache answers only ${s.cacheHitRatePercent}% of lookups`,
      evidence: { cacheHitRatePercent: s.cacheHitRatePercent, cacheLookups: s.cacheLookups },
      recommendation: 'Review TTLs and invalidation of the namespaces with low hit rates (cache-stats)',
    });
  }
  if (s.memoryPercent > 80) {
    out.push({
      type: 'memory',
      severity: s.memoryPercent > 95 ? 'high' : 'medium',
      description: `The process uses ${s.memoryPercent}% of its memory limit`,
      evidence: { memoryPercent: s.memoryPercent, rssMb: s.rssMb, heapUsedMb: s.heapUsedMb },
      recommendation: 'Raise the memory limit or reduce in-process caches; check capacity for growth that looks like a leak',
    });
  }
  if (s.cpuPercent > ctx.maxCpuPercent) {
    out.push({
      type: 'cpu',
      severity: s.cpuPercent > Math.max(95, ctx.maxCpuPercent) ? 'high' : 'medium',
      description: `The process uses ${s.cpuPercent}% of a core`,
      evidence: { cpuPercent: s.cpuPercent, maxCpuPercent: ctx.maxCpuPercent },
      recommendation: 'Profile the hottest routes, cache expensive responses, or add instances',
    });
  }
  if (s.eventLoopLagP99Ms > 100) {
    out.push({
      type: 'event-loop',
      severity: s.eventLoopLagP99Ms > 500 ? 'high' : 'medium',
      description: `The event loop is blocked up to ${s.eventLoopLagP99Ms} ms (p99)`,
      evidence: { eventLoopLagP99Ms: s.eventLoopLagP99Ms },
      recommendation: 'Move synchronous work (JSON of large bodies, crypto, sorting) off the request path or into worker threads',
    });
  }
  return out;
}
