import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { type ExpressRoutedRequest, expressRouteTemplate } from './route-template';

/** Value of the `X-Cache` header: how the response cache treated a request. */
export type CacheStatus = 'HIT' | 'MISS' | 'STALE' | 'BYPASS';

/** The raw Node request as Express decorates it, read for the route template. */
interface RawRequest extends ExpressRoutedRequest {
  readonly method?: string;
  readonly headers?: import('node:http').IncomingHttpHeaders;
  readonly url?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/**
 * Whether requests enter `storage`. Off until something asks for the context:
 * on Node 20 an AsyncLocalStorage in use hooks every promise and tick of the
 * process (time, and garbage from a store carried on each promise), which an
 * app that never reads the context should not pay.
 */
let propagating = false;

/** Internal: the function that writes this request's performance headers (null: none). */
export const HEADERS_WRITER = Symbol('nestjs-performance.headers-writer');

/**
 * Writes the chosen performance headers of one response, just before Node
 * serializes its head. `passed` is the headers object the framework handed
 * to `writeHead(status, headers)` (Fastify does), if any. The headers feature
 * registers one with `RequestTracker.writeHeadersWith`.
 */
export type WriteHeaders = (res: import('node:http').ServerResponse, ctx: RequestContext, passed: unknown) => void;

/**
 * What the module knows about one HTTP request while it runs: its id, when it
 * arrived, and what the features observed (SQL statements, cache status).
 * One object per request, reachable from any code the request runs through
 * `RequestContext.current()` (AsyncLocalStorage), and from the raw request.
 *
 * @example
 * const ctx = RequestContext.current();
 * this.logger.log(`loading documents for ${ctx?.requestId}`);
 */
export class RequestContext {
  /** `performance.now()` when the request reached the server. */
  readonly startedAt: number;
  /** Number of SQL statements this request ran. */
  dbQueries = 0;
  /** Summed duration of those statements, in ms. */
  dbTimeMs = 0;
  /** How the response cache treated the request. */
  cacheStatus: CacheStatus = 'BYPASS';
  /** @internal True once the request's observers were told that its response closed. */
  closed = false;
  /** @internal `performance.now()` when the response closed (0 until then): one clock read shared by the observers. */
  closedAt = 0;
  /** @internal Left out of the sampler's figures (admin, probe and scrape traffic); decided on arrival. */
  excluded = false;
  /** Route template set by adapters that know it before the handler runs (Fastify). */
  routeTemplate: string | undefined = undefined;
  /** @internal Set by the request tracker; declared here so every context has one shape. */
  [HEADERS_WRITER]: WriteHeaders | null = null;

  /** @internal */
  constructor(
    /** The X-Request-ID of this request: the client's when valid, else a new UUID. */
    readonly requestId: string,
    /** HTTP method. */
    readonly method: string,
    private readonly raw: RawRequest,
    startedAt: number = performance.now(),
  ) {
    this.startedAt = startedAt;
  }

  /**
   * The context of the request the calling code runs for, if any.
   *
   * The context is carried through a request's asynchronous work once anything
   * has asked for it: the module's features that need it turn it on at
   * start-up (TypeORM instrumentation of a DataSource, `@Traced()` methods with an SDK,
   * `@Cached` methods, {@link PerformanceLogger}), and the first call of this
   * method turns it on for the requests that arrive after it. Code of the app
   * that reads it, where none of those is in use, calls
   * {@link RequestContext.enable} once at start-up so that the first request
   * has it too.
   */
  static current(): RequestContext | undefined {
    if (!propagating) propagating = true;
    return storage.getStore();
  }

  /**
   * Carries the request context through each request's asynchronous work from
   * now on, so that {@link RequestContext.current} answers in handlers and
   * services. Idempotent; call it at start-up.
   */
  static enable(): void {
    propagating = true;
  }

  /** Whether requests carry their context (see {@link RequestContext.enable}). */
  static get enabled(): boolean {
    return propagating;
  }

  /**
   * Runs `fn` with `context` as the current request context. Features call it
   * where the request's work starts after an asynchronous gap (body parsing).
   * @internal
   */
  static run<R>(context: RequestContext, fn: () => R): R {
    return propagating ? storage.run(context, fn) : fn();
  }

  /**
   * The route template as the client sees it, global prefix included
   * (`/api/v1/documents/:id`), or undefined when no route matched (yet).
   */
  get route(): string | undefined {
    if (this.routeTemplate !== undefined) return this.routeTemplate;
    return expressRouteTemplate(this.raw);
  }

  /** The request's headers, as the client sent them. */
  get headers(): import('node:http').IncomingHttpHeaders {
    return this.raw.headers ?? {};
  }

  /** The request path without the query string. */
  get path(): string {
    const url = this.raw.url ?? '/';
    const q = url.indexOf('?');
    return q === -1 ? url : url.slice(0, q);
  }

  /** Milliseconds since the request arrived. */
  elapsedMs(now: number = performance.now()): number {
    return now - this.startedAt;
  }

  /** Counts one SQL statement and its duration against this request. @internal */
  recordQuery(durationMs: number): void {
    this.dbQueries++;
    this.dbTimeMs += durationMs;
  }
}
