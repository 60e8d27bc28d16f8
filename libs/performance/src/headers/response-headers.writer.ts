import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { RequestContext } from '../context/request-context';
import type { ProcessMemory } from '../monitor/process-memory';
import type { PerformanceHeaderName } from '../options/performance-options.interface';

/** Writes the chosen performance headers of one response. */
export type WriteHeaders = (res: ServerResponse, ctx: RequestContext) => void;

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
  return (res, ctx) => {
    const now = performance.now();
    const total = (now - ctx.startedAt).toFixed(2);
    const dbTime = ctx.dbTimeMs.toFixed(2);
    if (on['X-Response-Time']) res.setHeader('X-Response-Time', `${total}ms`);
    if (on['X-Request-ID']) res.setHeader('X-Request-ID', ctx.requestId);
    if (on['X-Cache']) res.setHeader('X-Cache', ctx.cacheStatus);
    if (on['X-DB-Queries']) res.setHeader('X-DB-Queries', String(ctx.dbQueries));
    if (on['X-DB-Time']) res.setHeader('X-DB-Time', dbTime);
    if (on['X-Memory-Usage']) res.setHeader('X-Memory-Usage', memory.rssPercent(now).toFixed(1));
    if (on['Server-Timing']) {
      const queries = ctx.dbQueries === 1 ? '1 query' : `${ctx.dbQueries} queries`;
      res.setHeader(
        'Server-Timing',
        `total;dur=${total}, db;dur=${dbTime};desc="${queries}", cache;desc=${ctx.cacheStatus}`,
      );
    }
  };
}
