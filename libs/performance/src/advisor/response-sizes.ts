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
  private readonly routes = new Map<string, RouteSizes>();

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
    const bytes = Number(length);
    if (length === undefined || !Number.isFinite(bytes)) return;
    const key = `${ctx.method} ${route}`;
    let entry = this.routes.get(key);
    if (entry === undefined) {
      if (this.routes.size >= MAX_ROUTES) return;
      entry = { method: ctx.method, route, responses: 0, compressed: 0, largeUncompressed: 0, largeUncompressedBytes: 0, maxUncompressedBytes: 0 };
      this.routes.set(key, entry);
    }
    entry.responses++;
    const compressed = encoding !== undefined && String(encoding).trim() !== '' && String(encoding).trim().toLowerCase() !== 'identity';
    if (compressed) entry.compressed++;
    else if (bytes >= this.minBytes) {
      entry.largeUncompressed++;
      entry.largeUncompressedBytes += bytes;
      if (bytes > entry.maxUncompressedBytes) entry.maxUncompressedBytes = bytes;
    }
  }

  /** Every route seen, as counted so far. */
  list(): readonly RouteSizes[] {
    return [...this.routes.values()];
  }
}
