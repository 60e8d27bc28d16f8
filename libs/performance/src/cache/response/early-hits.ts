import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { headerTableOf, processHeaderTable } from '../../core/context/node-internals';
import type { PerformanceEvents } from '../../core/context/performance-events.service';
import type { RequestContext } from '../../core/context/request-context';
import type { RequestTracker } from '../../core/context/request-tracker.service';
import type { CacheReplies } from './cache-replies';
import type { Cacheability } from './cacheability';
import { etagMatches } from './cached-reply';
import type { CacheRule } from './cache-rules';
import type { RequestKeys } from './request-key';
import type { ResponseCache } from './response-cache.service';

/** A URL served early: its rule and route, and the key of its last HIT (rules that vary on no header). */
interface RememberedUrl {
  readonly rule: CacheRule;
  readonly route: string;
  /** The host (`Host`, or HTTP/2's `:authority`) and scheme the key below was made for. */
  host?: string | undefined;
  encrypted?: boolean;
  key?: string;
}

/** Node's header table (see {@link processHeaderTable}), undefined when it does not behave as expected. */
const OUT_HEADERS: symbol | undefined = processHeaderTable();

/** Bodies up to this size go out in one write with the head, as a latin1 string of their bytes. */
const ONE_WRITE_BYTES = 16 * 1024;

/**
 * Fresh HITs answered before the framework (`@ServeHitsEarly()` routes, and
 * with `cache.earlyHits: 'auto'` every route where that is safe):
 * once a URL is remembered, the request tracker hands each raw request to
 * the responder installed here first, which writes a fresh entry of this
 * instance's memory for a GET of a URL the usual path has seen, from an
 * anonymous client. Anything else takes the usual path untouched.
 */
export class EarlyHits {
  /**
   * URLs of early-served routes seen on the usual path, exactly as the
   * client sent them, with their rule and route template: what an early HIT
   * needs before any router ran. Bounded; an evicted URL just takes the usual
   * path once more.
   */
  private readonly urls = new LRUCache<string, RememberedUrl>({ max: 10_000 });
  private installed = false;

  constructor(
    private readonly cache: ResponseCache,
    private readonly events: PerformanceEvents,
    private readonly keys: RequestKeys,
    private readonly cacheability: Cacheability,
    private readonly replies: CacheReplies,
    private readonly tracker: RequestTracker | undefined,
    /** True once the app is shutting down: the framework then answers (503 with `return503OnClosing`). */
    private readonly shuttingDown: () => boolean = () => false,
  ) {}

  /** Remembers `url` of a route with `rule`; the first one installs the early responder. */
  remember(url: string, rule: CacheRule, ctx: RequestContext): void {
    const route = ctx.route;
    if (route === undefined || this.urls.peek(url)?.rule === rule) return;
    this.urls.set(url, { rule, route });
    if (!this.installed) {
      this.installed = true;
      this.tracker?.respondEarly(this.serve);
    }
  }

  /**
   * The early responder: a fresh entry in this instance's memory for a GET of
   * a remembered URL, from an anonymous client, is written here and the
   * framework never sees the request. Anything else returns false untouched.
   */
  private readonly serve = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext): boolean => {
    if (req.method !== 'GET' || this.shuttingDown()) return false;
    const url = req.url;
    const known = url === undefined ? undefined : this.urls.get(url);
    if (known === undefined) return false;
    const headers = req.headers;
    // A GET with a body: the framework's body parsers may refuse it (400, 413).
    if ((headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined) return false;
    if (this.cacheability.credentialIn(headers) !== undefined) return false;
    // Whether the framework would trust these is its setting: leave such requests to it.
    if (this.keys.varyByHost && (headers['x-forwarded-host'] !== undefined || headers['x-forwarded-proto'] !== undefined)) return false;
    const { rule, route } = known;
    const started = this.events.wantsCache ? performance.now() : 0;
    // Optimization: the same URL from the same host and scheme has the same key when the rule varies on no header.
    const encrypted = (req.socket as { encrypted?: boolean }).encrypted === true;
    const host = headers.host ?? (headers[':authority'] as string | undefined);
    let key = known.key;
    if (key === undefined || known.host !== host || known.encrypted !== encrypted) {
      key = this.keys.ofRaw(rule, req, url!);
      if (key === undefined) return false;
      if (rule.vary.length === 0) {
        known.host = host;
        known.encrypted = encrypted;
        known.key = key;
      }
    }
    const entry = this.cache.peek(key);
    const now = Date.now();
    if (entry === undefined || now >= entry.expiresAt) return false;
    ctx.routeTemplate = route;
    this.replies.served(ctx, rule, key, 'HIT', started);
    this.cache.stats.recordEarly();
    const age = String(Math.max(0, Math.floor((now - entry.storedAt) / 1000)));
    if (etagMatches(headers['if-none-match'], entry.etag)) {
      res.writeHead(304, { etag: entry.etag, age });
      res.end();
    } else {
      const body = entry.body;
      if (OUT_HEADERS === undefined) {
        res.writeHead(entry.status, { 'content-type': entry.contentType, 'content-length': body.length, etag: entry.etag, age });
      } else {
        // Optimization: values the module stored itself (the content type as the app's response had it, checked by
        // Node then) go into Node's header table, as the performance headers do, skipping a second validation.
        const table = headerTableOf(res, OUT_HEADERS);
        table['content-type'] = ['Content-Type', entry.contentType];
        table['content-length'] = ['Content-Length', String(body.length)];
        table.etag = ['ETag', entry.etag];
        table.age = ['Age', age];
        res.writeHead(entry.status);
      }
      // A small body as a string of its bytes: Node sends it with the head in one write instead of two.
      if (body.length <= ONE_WRITE_BYTES) res.end(body.toString('latin1'), 'latin1');
      else res.end(body);
    }
    return true;
  };
}
