import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../core/context/request-context';
import type { RequestObserver } from '../core/context/request-tracker.service';

/** Responses and bytes of one route, for the `uncompressed-responses` recommendation. */
export interface RouteSizes {
  readonly method: string;
  readonly route: string;
  /** Responses with a known size (a `Content-Length`). */
  responses: number;
  /** Of those, the ones sent with a `Content-Encoding` (gzip, br, ...). */
  compressed: number;
  /** Responses of at least `compressionMinBytes` sent without `Content-Encoding`, and their bytes. */
  largeUncompressed: number;
  largeUncompressedBytes: number;
  maxUncompressedBytes: number;
}

/** Routes tracked at most (route templates are finite; this is a safety net). */
const MAX_ROUTES = 1000;

/** Whether a `Content-Encoding` value compresses (anything but empty or `identity`). */
function isCompressing(encoding: string): boolean {
  const e = encoding.trim();
  return e !== '' && e.toLowerCase() !== 'identity';
}

/** `content-length: 123` and `content-encoding: gzip` in a serialized response head. */
const LENGTH_IN_HEAD = /\r\ncontent-length:\s*(\d+)/i;
const ENCODING_IN_HEAD = /\r\ncontent-encoding:\s*([^\r]+)/i;

/**
 * The size of each route's responses and whether they went out compressed,
 * read once per response when it has been sent: its `Content-Length` and
 * `Content-Encoding` headers (from Node's header table, or, when the
 * framework passed its headers straight to `writeHead` as Fastify does, from
 * the head Node serialized). A response without `Content-Length` (streamed,
 * chunked) is not counted. One map lookup per response; nothing per byte.
 */
export class ResponseSizes implements RequestObserver {
  /** Route template, then method (the strings the router holds: no key built per response). */
  private readonly routes = new Map<string, Map<string, RouteSizes>>();
  private count = 0;

  constructor(private readonly minBytes: number) {}

  responseClosed(ctx: RequestContext, res: ServerResponse): void {
    if (ctx.excluded || this.minBytes <= 0 || !res.headersSent) return;
    const route = ctx.route;
    if (route === undefined) return;
    let length = res.getHeader('content-length');
    let encoding = res.getHeader('content-encoding');
    if (length === undefined) {
      const head = (res as unknown as { _header?: unknown })._header;
      if (typeof head !== 'string') return;
      length = LENGTH_IN_HEAD.exec(head)?.[1];
      encoding = ENCODING_IN_HEAD.exec(head)?.[1];
    }
    if (length === undefined) return;
    const bytes = typeof length === 'number' ? length : Number(length);
    if (!Number.isFinite(bytes)) return;
    let byMethod = this.routes.get(route);
    let entry = byMethod?.get(ctx.method);
    if (entry === undefined) {
      if (this.count >= MAX_ROUTES) return;
      this.count++;
      entry = { method: ctx.method, route, responses: 0, compressed: 0, largeUncompressed: 0, largeUncompressedBytes: 0, maxUncompressedBytes: 0 };
      if (byMethod === undefined) this.routes.set(route, (byMethod = new Map()));
      byMethod.set(ctx.method, entry);
    }
    entry.responses++;
    if (encoding !== undefined && isCompressing(String(encoding))) entry.compressed++;
    else if (bytes >= this.minBytes) {
      entry.largeUncompressed++;
      entry.largeUncompressedBytes += bytes;
      if (bytes > entry.maxUncompressedBytes) entry.maxUncompressedBytes = bytes;
    }
  }

  /** Every route seen, as counted so far. */
  list(): readonly RouteSizes[] {
    return [...this.routes.values()].flatMap((byMethod) => [...byMethod.values()]);
  }
}
