import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/**
 * The two places where the module leans on how Node's HTTP server works inside,
 * each checked once at start-up by a self-test, with a fallback when Node no
 * longer behaves as expected:
 *
 * - `ServerResponse.prototype.writeHead` is wrapped, so the performance headers
 *   are added just before the head goes out. That relies on every head going
 *   through `writeHead`, including the implicit one of `res.write()`/`res.end()`.
 *   Fallback: no wrap, and no performance headers (a warning says why);
 *   metrics, tracing and the rest go on.
 * - Node's private table of the headers set with `setHeader` (`kOutHeaders`)
 *   is written directly when a framework already set headers, which skips
 *   Node's per-header validation for the module's own, known-safe values.
 *   Fallback: `res.setHeader()`, the public API, for every header.
 */

/** A response that is never sent anywhere, to probe with. */
type ResponseFactory = () => ServerResponse;
const newProbeResponse: ResponseFactory = () => new ServerResponse(new IncomingMessage(new Socket()));

/**
 * Whether a response's implicit head (`res.end()` without `writeHead`) goes
 * through `writeHead`, so a wrapper of it sees every response.
 */
export function implicitHeadCallsWriteHead(make: ResponseFactory = newProbeResponse): boolean {
  try {
    const res = make();
    let seen = false;
    const original = res.writeHead;
    // An own property on this probe only: the prototype is not touched by the test.
    res.writeHead = function probe(this: ServerResponse, ...args: unknown[]) {
      seen = true;
      return (original as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['writeHead'];
    res.statusCode = 204;
    res.end();
    return seen && res.headersSent;
  } catch {
    return false;
  }
}

/**
 * The symbol of Node's header table, when it behaves as the module expects:
 * absent until the first `setHeader`, then `{ lowercased: [name, value] }`,
 * and an entry written into it is what `getHeader` and the serialized head
 * see. Undefined otherwise (the module then uses `setHeader`).
 */
export function headerTableSymbol(make: ResponseFactory = newProbeResponse): symbol | undefined {
  try {
    const res = make();
    const symbol = Object.getOwnPropertySymbols(res).find((s) => s.description === 'kOutHeaders');
    if (symbol === undefined) return undefined;
    const slot = res as unknown as Record<symbol, Record<string, unknown> | null | undefined>;
    const tableOf = () => slot[symbol];
    if (tableOf() != null) return undefined;
    res.setHeader('X-Probe', 'a');
    const table = tableOf();
    if (table == null || typeof table !== 'object') return undefined;
    const entry = table['x-probe'];
    if (!Array.isArray(entry) || entry[0] !== 'X-Probe' || entry[1] !== 'a') return undefined;
    table['x-direct'] = ['X-Direct', 'b'];
    if (res.getHeader('x-direct') !== 'b' || !res.getHeaderNames().includes('x-direct')) return undefined;
    // A table made before any setHeader (the headers of a framework that hands them to writeHead, as
    // Fastify does): Node adds the ones passed to writeHead to it, a passed one wins, and both go out.
    const fresh = make();
    const freshSlot = fresh as unknown as Record<symbol, Record<string, unknown> | null | undefined>;
    if (freshSlot[symbol] != null) return undefined;
    const made = Object.create(null) as Record<string, unknown>;
    made['x-made'] = ['X-Made', 'c'];
    made['x-both'] = ['X-Both', 'module'];
    freshSlot[symbol] = made;
    fresh.writeHead(200, { 'X-Passed': 'd', 'X-Both': 'framework' });
    const head = (fresh as unknown as { _header?: unknown })._header;
    if (typeof head !== 'string' || !head.includes('X-Made: c\r\n') || !head.includes('X-Passed: d\r\n') || !head.includes('X-Both: framework\r\n')) {
      return undefined;
    }
    return symbol;
  } catch {
    return undefined;
  }
}

let checkedTable: { readonly symbol: symbol | undefined } | undefined;

/** {@link headerTableSymbol} of this process, found and checked once, whoever asks first. */
export function processHeaderTable(): symbol | undefined {
  checkedTable ??= { symbol: headerTableSymbol() };
  return checkedTable.symbol;
}

/** The header table of `res` under `symbol`, made as Node makes it (prototype-less) when no header was set yet. */
export function headerTableOf(res: ServerResponse, symbol: symbol): Record<string, [string, string]> {
  const slot = res as unknown as Record<symbol, Record<string, [string, string]> | null | undefined>;
  return (slot[symbol] ??= Object.create(null) as Record<string, [string, string]>);
}
