import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { headerTableOf, processHeaderTable } from '../core/context/node-internals';
import type { WriteHeaders } from '../core/context/request-context';
import type { ProcessMemory } from '../core/process-memory';
import type { PerformanceHeaderName } from '../core/options/performance.options';

export type { WriteHeaders };

/** `db;…, cache;…` part of Server-Timing for the most common case, built once. */
const NO_DB_BYPASS_TIMING = ', db;dur=0.00;desc="0 queries", cache;desc=BYPASS';

/**
 * Node's own table of the headers set with `setHeader` (`{ lowercased: [name, value] }`),
 * found and checked once ({@link processHeaderTable}); undefined when this Node has none
 * or it does not behave as expected, and every header then goes through `setHeader`.
 */
const OUT_HEADERS: symbol | undefined = processHeaderTable();

/** Where one response's headers go; chosen once per response (see {@link createHeadersWriter}). */
type Target = 0 | 1;
const Target = {
  /** `res.setHeader()`: validated and stored by Node (the general case). */
  SetHeader: 0,
  /** Node's header table directly (made if the framework has not used setHeader yet, as Fastify). */
  Table: 1,
} as const;

type Sink = Record<string, unknown>;

function put(target: Target, res: ServerResponse, sink: Sink | null, name: string, lower: string, value: string): void {
  if (target === Target.Table) sink![lower] = [name, value];
  else res.setHeader(name, value);
}

/** `desc` of the db metric: `1 query`, `21 queries`. */
function describeQueries(count: number): string {
  return count === 1 ? '1 query' : `${count} queries`;
}

/**
 * Builds, once at start-up, the function that writes the enabled headers.
 * Returns `null` when every header is off, so the request path can skip the
 * write-head hook entirely.
 *
 * Optimization: the values are the module's own (digits, a UUID or an id
 * that matched REQUEST_ID_PATTERN, a fixed word), so they skip Node's
 * per-header validation: written into Node's header table, which is made
 * here when the framework has not used `setHeader` (Fastify hands its
 * headers to `writeHead`, and Node then adds them to that table through
 * `setHeader`, validated, and a header of the same name set by the app
 * wins over the module's, as with `setHeader`). Without a usable table
 * (see {@link processHeaderTable}) every header goes through `setHeader`.
 */
export function createHeadersWriter(
  enabled: Readonly<Record<PerformanceHeaderName, boolean>>,
  memory: ProcessMemory,
  headerTable: symbol | undefined = OUT_HEADERS,
): WriteHeaders | null {
  const on = { ...enabled };
  const names = (Object.keys(on) as PerformanceHeaderName[]).filter((name) => on[name]);
  if (names.length === 0) return null;
  const responseTime = on['X-Response-Time'];
  const requestId = on['X-Request-ID'];
  const cache = on['X-Cache'];
  const dbQueries = on['X-DB-Queries'];
  const dbTime = on['X-DB-Time'];
  const memoryUsage = on['X-Memory-Usage'];
  const serverTiming = on['Server-Timing'];

  return (res, ctx) => {
    let target: Target = Target.SetHeader;
    let sink: Sink | null = null;
    if (headerTable !== undefined) {
      sink = headerTableOf(res, headerTable);
      target = Target.Table;
    }
    const now = performance.now();
    const total = (now - ctx.startedAt).toFixed(2);
    // Optimization: a request without SQL (most cache hits, health checks) formats nothing for the db.
    const noDb = ctx.dbQueries === 0;
    const dbTimeText = noDb ? '0.00' : ctx.dbTimeMs.toFixed(2);
    if (responseTime) put(target, res, sink, 'X-Response-Time', 'x-response-time', `${total}ms`);
    if (requestId) put(target, res, sink, 'X-Request-ID', 'x-request-id', ctx.requestId);
    if (cache) put(target, res, sink, 'X-Cache', 'x-cache', ctx.cacheStatus);
    if (dbQueries) put(target, res, sink, 'X-DB-Queries', 'x-db-queries', noDb ? '0' : String(ctx.dbQueries));
    if (dbTime) put(target, res, sink, 'X-DB-Time', 'x-db-time', dbTimeText);
    if (memoryUsage) put(target, res, sink, 'X-Memory-Usage', 'x-memory-usage', memory.rssPercentHeader(now));
    if (serverTiming) {
      put(
        target,
        res,
        sink,
        'Server-Timing',
        'server-timing',
        noDb && ctx.cacheStatus === 'BYPASS'
          ? `total;dur=${total}${NO_DB_BYPASS_TIMING}`
          : `total;dur=${total}, db;dur=${dbTimeText};desc="${describeQueries(ctx.dbQueries)}", cache;desc=${ctx.cacheStatus}`,
      );
    }
  };
}
