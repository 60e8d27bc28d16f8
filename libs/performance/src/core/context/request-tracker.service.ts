import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { PERFORMANCE_OPTIONS } from '../options/options-token';
import type { ResolvedPerformanceOptions } from '../options/resolved.options';
import { HEADERS_WRITER, RequestContext, type WriteHeaders } from './request-context';
import { implicitHeadCallsWriteHead } from './node-internals';
import { markOwn } from './own-hooks';
import { resolveRequestId } from './request-id';

/** Where a request's context hangs on the raw Node request and response. */
const CONTEXT = Symbol.for('nestjs-performance.request-context');

type Tracked<T> = T & { [CONTEXT]?: RequestContext };

/** On a connection: the response it is serving now (null: none), watched for a client that leaves. */
const OPEN_RESPONSE = Symbol('nestjs-performance.open-response');
type WatchedSocket = Socket & { [OPEN_RESPONSE]?: Tracked<ServerResponse> | null };

/** Node publishes every finished server response here (since 16.18), with its request, socket and server. */
const RESPONSE_FINISH = 'http.server.response.finish';
interface ResponseFinish {
  readonly response: Tracked<ServerResponse>;
  readonly socket: WatchedSocket;
  readonly server: Server;
}
type WriteHead = ServerResponse['writeHead'];

const HOOKED = Symbol.for('nestjs-performance.write-head-hook');

/**
 * Wraps `ServerResponse.prototype.writeHead` once per process. Express and
 * Fastify both send headers through it (also the implicit call of
 * `res.end()`), so a tracked response gets its performance headers just
 * before they go out. Patching the prototype, rather than assigning a
 * function to each response, keeps every response object one shape: an own
 * `writeHead` property per response measurably slowed Node's HTTP path.
 * Untracked responses pay one property read.
 *
 * Installed only when the start-up self-test ({@link implicitHeadCallsWriteHead})
 * finds that every head goes through `writeHead`; otherwise nothing is patched,
 * a warning says the headers are off, and `false` is returned.
 */
export function installWriteHeadHook(logger: Pick<Logger, 'warn'>, selfTest: () => boolean = implicitHeadCallsWriteHead): boolean {
  const proto = ServerResponse.prototype as ServerResponse & { [HOOKED]?: true };
  if (proto[HOOKED]) return true;
  if (!selfTest()) {
    logger.warn(
      "performance headers are off: on this Node version a response's head does not always go through " +
        'ServerResponse.prototype.writeHead, where the module adds them (metrics, tracing and the rest are unaffected)',
    );
    return false;
  }
  const original = proto.writeHead;
  let warned = false;
  proto.writeHead = function writeHeadWithPerformanceHeaders(this: Tracked<ServerResponse>, statusCode: number, reason?: unknown, headers?: unknown) {
    const ctx = this[CONTEXT];
    if (ctx !== undefined) {
      const write = ctx[HEADERS_WRITER];
      if (write !== null && !this.headersSent) {
        try {
          // writeHead(status, headers) or writeHead(status, reason, headers)
          write(this, ctx, typeof reason === 'string' ? headers : reason);
        } catch (error) {
          // Instrumentation never breaks a response: log the first failure only.
          if (!warned) {
            warned = true;
            logger.warn(`could not write performance headers: ${(error as Error).message}`);
          }
        }
      }
    }
    // Fixed parameters rather than a rest array: no allocation per response.
    return (original as (...a: unknown[]) => ServerResponse).call(this, statusCode, reason, headers);
  } as WriteHead;
  proto[HOOKED] = true;
  return true;
}

/** The context the module made for a raw Node request (or response), if any. */
export function requestContextOf(raw: object): RequestContext | undefined {
  return (raw as Tracked<object>)[CONTEXT];
}

/**
 * Sees each request arrive and its response end. Metrics and tracing register
 * one at start-up with {@link RequestTracker.observe}; with none registered
 * the request path does not change at all.
 */
export interface RequestObserver {
  /** Called when the request reaches the server, before the framework sees it (optional). */
  requestStarted?(ctx: RequestContext, req: IncomingMessage): void;
  /**
   * Called once when the response closes: after it was sent
   * (`res.writableFinished`) or when the client went away first.
   */
  responseClosed(ctx: RequestContext, res: ServerResponse): void;
}

/**
 * Answers a request from the HTTP server's request listener, before the
 * framework sees it; returns true when it did (the response is then sent).
 */
export type EarlyResponder = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext) => boolean;

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

interface FastifyLike {
  addHook(name: 'preValidation', hook: (request: { raw: IncomingMessage; routeOptions?: { url?: string } }, reply: unknown, done: () => void) => void): unknown;
}

interface ExpressLike {
  use(fn: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): unknown;
}

/**
 * Gives every HTTP request a {@link RequestContext} and, once the headers
 * feature registered its writer ({@link RequestTracker.writeHeadersWith}),
 * writes the performance headers when the response headers go out.
 *
 * It listens on the HTTP server itself, ahead of the framework, so the clock
 * starts when the request arrives and every response gets its headers: 404s
 * for unknown routes, guard and pipe rejections, errors and streams. The
 * context is entered with AsyncLocalStorage once the body has been read
 * (Express: the first middleware; Fastify: `preValidation`), because body
 * parsing resumes in the socket's async context, not the request's.
 */
@Injectable()
export class RequestTracker implements OnApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance');
  private writeHeaders: WriteHeaders | null = null;
  private server: Server | undefined;
  // Optimization: `null` while nothing observes, so the request path skips it with one check.
  private observers: RequestObserver[] | null = null;
  /** The observers that have a `requestStarted`. */
  private starters: RequestObserver[] = [];

  /** @internal */
  constructor(@Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions) {}

  /**
   * Writes the performance headers of every tracked response with `write`,
   * just before its head goes out. The headers feature calls it once at
   * start-up; until then (and when it never does) Node's response prototype
   * stays untouched. A second writer is ignored.
   */
  writeHeadersWith(write: WriteHeaders): void {
    if (!this.options.enabled || this.writeHeaders !== null) return;
    if (installWriteHeadHook(this.logger)) this.writeHeaders = write;
  }

  /** Hooks the adapter's server and framework. Called once, before routes are registered. */
  install(adapter: AbstractHttpAdapter | undefined): void {
    if (!this.options.enabled || !adapter || this.server) return;
    const server = adapter.getHttpServer() as Server | undefined;
    if (!server || typeof server.prependListener !== 'function') return;
    this.server = server;
    // The framework's own listeners (the only ones an early responder may stand in front of).
    this.frameworkAtInstall = server.listeners('request') as RequestListener[];
    server.prependListener('request', this.onRequest);

    const type = adapter.getType();
    if (type === 'express') {
      (adapter.getInstance() as ExpressLike).use(
        markOwn((req: IncomingMessage, _res: ServerResponse, next: () => void) => {
          const ctx = requestContextOf(req);
          if (ctx !== undefined && RequestContext.enabled) RequestContext.run(ctx, next);
          else next();
        }),
      );
    } else if (type === 'fastify') {
      (adapter.getInstance() as FastifyLike).addHook(
        'preValidation',
        markOwn((request: { raw: IncomingMessage; routeOptions?: { url?: string } }, _reply: unknown, done: () => void) => {
          const ctx = requestContextOf(request.raw);
          if (!ctx) return done();
          ctx.routeTemplate = request.routeOptions?.url;
          if (RequestContext.enabled) RequestContext.run(ctx, done);
          else done();
        }),
      );
    } else {
      this.logger.warn(
        `HTTP adapter "${type}" is neither Express nor Fastify: headers are written, but RequestContext.current() is not available in handlers.`,
      );
    }
  }

  /**
   * Lets `responder` answer requests before the framework (the response
   * cache's early HITs). From then on the server's request listeners (the
   * framework's) run only for requests it did not answer. Once per tracker;
   * safe while a request is being dispatched.
   */
  respondEarly(responder: EarlyResponder): void {
    const server = this.server;
    if (server === undefined || this.earlyResponder !== null) return;
    this.earlyResponder = responder;
    // Only the framework's: listeners the app or a tool added later still see every request.
    const framework = (server.listeners('request') as RequestListener[]).filter((l) => this.frameworkAtInstall.includes(l));
    for (const listener of framework) server.removeListener('request', listener);
    this.frameworkListeners = framework;
    server.on('request', this.dispatch);
  }

  private earlyResponder: EarlyResponder | null = null;
  private frameworkAtInstall: RequestListener[] = [];
  private frameworkListeners: RequestListener[] = [];

  /** The framework's request listeners, unless the early responder answered. */
  private readonly dispatch = (req: Tracked<IncomingMessage>, res: ServerResponse): void => {
    const ctx = req[CONTEXT];
    const responder = this.earlyResponder;
    if (ctx !== undefined && responder !== null) {
      let answered = false;
      try {
        answered = responder(req, res, ctx);
      } catch (error) {
        // Instrumentation never breaks a request: the framework answers instead.
        this.observerFailed(error);
      }
      if (answered) return;
    }
    for (const listener of this.frameworkListeners) listener.call(this.server, req, res);
  };

  /** Registers an observer of every request. Call it at start-up, not per request. */
  observe(observer: RequestObserver): void {
    if (this.observers === null) subscribe(RESPONSE_FINISH, this.onResponseFinish);
    this.observers = [...(this.observers ?? []), observer];
    if (observer.requestStarted !== undefined) this.starters = [...this.starters, observer];
  }

  onApplicationShutdown(): void {
    this.server?.removeListener('request', this.onRequest);
    if (this.earlyResponder !== null) {
      this.server?.removeListener('request', this.dispatch);
      for (const listener of this.frameworkListeners) this.server?.on('request', listener);
      this.earlyResponder = null;
    }
    this.server = undefined;
    if (this.observers !== null) unsubscribe(RESPONSE_FINISH, this.onResponseFinish);
  }

  private readonly onRequest = (req: Tracked<IncomingMessage>, res: Tracked<ServerResponse>): void => {
    const ctx = new RequestContext(resolveRequestId(req.headers['x-request-id']), req.method ?? 'GET', req);
    req[CONTEXT] = ctx;
    if (this.writeHeaders) {
      ctx[HEADERS_WRITER] = this.writeHeaders;
      res[CONTEXT] = ctx;
    }
    const observers = this.observers;
    if (observers !== null) {
      res[CONTEXT] = ctx;
      try {
        for (const observer of this.starters) observer.requestStarted!(ctx, req);
      } catch (error) {
        this.observerFailed(error);
      }
      // Optimization: no listener per response. A sent response is reported from
      // Node's response-finish channel; a client that leaves first, from its
      // connection's 'close' (one listener per connection, not per request).
      const socket = req.socket as WatchedSocket;
      const open = socket[OPEN_RESPONSE];
      if (open === undefined) {
        socket[OPEN_RESPONSE] = res;
        socket.once('close', this.onSocketClose);
      } else if (open === null) socket[OPEN_RESPONSE] = res;
      // A pipelined request while the previous response is still open: watched on its own.
      else res.once('close', this.onPipelinedClose);
    }
  };

  /** Node's channel: a response of any server in the process was sent. */
  private readonly onResponseFinish = (message: unknown): void => {
    const { response, socket, server } = message as ResponseFinish;
    if (server !== this.server) return;
    if (socket !== null && socket !== undefined && socket[OPEN_RESPONSE] === response) socket[OPEN_RESPONSE] = null;
    this.closed(response);
  };

  /** One listener shared by every connection; `this` is the socket. */
  private readonly onSocketClose = ((tracker: RequestTracker) =>
    function onSocketClose(this: WatchedSocket): void {
      const open = this[OPEN_RESPONSE];
      this[OPEN_RESPONSE] = null;
      if (open) tracker.closed(open);
    })(this);

  /** One listener shared by pipelined responses; `this` is the response. */
  private readonly onPipelinedClose = ((tracker: RequestTracker) =>
    function onPipelinedClose(this: Tracked<ServerResponse>): void {
      tracker.closed(this);
    })(this);

  /** Tells the observers, once, that a response was sent or abandoned. */
  private closed(res: Tracked<ServerResponse>): void {
    const ctx = res[CONTEXT];
    const observers = this.observers;
    if (ctx === undefined || ctx.closed || observers === null) return;
    ctx.closed = true;
    ctx.closedAt = performance.now();
    try {
      for (const observer of observers) observer.responseClosed(ctx, res);
    } catch (error) {
      this.observerFailed(error);
    }
  }

  private observerWarned = false;

  private observerFailed(error: unknown): void {
    // Instrumentation never breaks a response: log the first failure only.
    if (this.observerWarned) return;
    this.observerWarned = true;
    this.logger.warn(`a request observer failed: ${(error as Error).message}`);
  }
}
