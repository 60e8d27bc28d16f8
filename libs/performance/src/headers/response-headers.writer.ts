import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestContext } from '../context/request-context';
import type { ProcessMemory } from '../monitor/process-memory';
import type { PerformanceHeaderName } from '../options/performance-options.interface';

/** Writes the chosen performance headers of one response. */
export type WriteHeaders = (res: ServerResponse, ctx: RequestContext) => void;

/** `db;…, cache;…` part of Server-Timing for the most common case, built once. */
const NO_DB_BYPASS_TIMING = ', db;dur=0.00;desc="0 queries", cache;desc=BYPASS';

/** `desc` of the db metric: `1 query`, `21 queries`. */
function describeQueries(count: number): string {
  return count === 1 ? '1 query' : `${count} queries`;
}

/**
 * Builds, once at start-up, the function that writes the enabled headers.
 * Returns `null` when every header is off, so the request path can skip the
 * write-head hook entirely.
 */
export function createHeadersWriter(
  enabled: Readonly<Record<PerformanceHeaderName, boolean>>,
  memory: ProcessMemory,
): WriteHeaders | null {
  const on = { ...enabled };
  if (!Object.values(on).some(Boolean)) return null;
  const responseTime = on['X-Response-Time'];
  const requestId = on['X-Request-ID'];
  const cache = on['X-Cache'];
  const dbQueries = on['X-DB-Queries'];
  const dbTime = on['X-DB-Time'];
  const memoryUsage = on['X-Memory-Usage'];
  const serverTiming = on['Server-Timing'];
  return (res, ctx) => {
    const now = performance.now();
    const total = (now - ctx.startedAt).toFixed(2);
    // Optimization: a request without SQL (most cache hits, health checks) formats nothing for the db.
    const noDb = ctx.dbQueries === 0;
    const dbTimeText = noDb ? '0.00' : ctx.dbTimeMs.toFixed(2);
    if (responseTime) res.setHeader('X-Response-Time', `${total}ms`);
    if (requestId) res.setHeader('X-Request-ID', ctx.requestId);
    if (cache) res.setHeader('X-Cache', ctx.cacheStatus);
    if (dbQueries) res.setHeader('X-DB-Queries', noDb ? '0' : String(ctx.dbQueries));
    if (dbTime) res.setHeader('X-DB-Time', dbTimeText);
    if (memoryUsage) res.setHeader('X-Memory-Usage', memory.rssPercentHeader(now));
    if (serverTiming) {
      res.setHeader(
        'Server-Timing',
        noDb && ctx.cacheStatus === 'BYPASS'
          ? `total;dur=${total}${NO_DB_BYPASS_TIMING}`
          : `total;dur=${total}, db;dur=${dbTimeText};desc="${describeQueries(ctx.dbQueries)}", cache;desc=${ctx.cacheStatus}`,
      );
    }
  };
}
