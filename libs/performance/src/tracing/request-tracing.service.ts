import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type * as OtelApi from '@opentelemetry/api';
import { requireOptional } from '../core/performance-errors';
import type { CacheEvent, PerformanceEvents, QueryEvent } from '../core/context/performance-events.service';
import { RequestContext } from '../core/context/request-context';
import type { RequestObserver, RequestTracker } from '../core/context/request-tracker.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { setTracedRuntime, tracedMethodsDeclared, type TracedAttributes, type TracedRuntime } from './traced.decorator';

/** Name of the tracer the module's spans come from (the instrumentation scope). */
export const TRACER_NAME = 'nestjs-performance';

interface RequestSpan {
  readonly span: OtelApi.Span;
  /** True when the module made the span (and ends it), false when it enriches the HTTP instrumentation's. */
  readonly owned: boolean;
  /** The context with the span active, for children; made on first use. */
  context: OtelApi.Context | null;
  /** The context the span's parent came from (the incoming trace headers). */
  readonly parent: OtelApi.Context;
}

/** Where a request's span hangs on its context (one property, no WeakMap: ephemerons cost GC time). */
const REQUEST_SPAN = Symbol('nestjs-performance.request-span');
type Traced = RequestContext & { [REQUEST_SPAN]?: RequestSpan };

/**
 * Spans through `@opentelemetry/api` only; the SDK is the app's choice.
 *
 * Per request: when the app's HTTP instrumentation already made a server
 * span, it is enriched (route in its name and `http.route`, request id,
 * cache status, query count and time); otherwise the module makes the
 * server span itself. Each SQL statement becomes a child span with the
 * semantic-convention attributes and its real start and end; each cache
 * lookup an event (or child span). With no SDK registered at start-up,
 * nothing is hooked and requests run untouched.
 *
 * Optimization: the module's own server span is made when it is first
 * needed, with the request's arrival as its start time: for most requests
 * that is when the response closes, where one `startSpan` call carries the
 * final name and every attribute (no context object, no later updates). A
 * request that runs SQL, a cache lookup or a `@Traced()` method gets it at
 * that point, so those spans still have it as their parent.
 *
 * Optimization: spans of closed responses are handed to the SDK in a batch
 * once per turn of the event loop (`setImmediate`), with the times recorded
 * when each response closed, so the spans are the same as if made at once.
 * Made one per request between the framework's work, the SDK's span path
 * ran from cold caches and cost several times what it costs in a row
 * (timed in the bench server: 10-13 µs a span one at a time, 7 µs in batches).
 */
export class RequestTracing implements RequestObserver, TracedRuntime, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance');
  private readonly api: typeof OtelApi;
  private readonly tracer: OtelApi.Tracer;
  private readonly unsubscribe: (() => void)[] = [];
  private active = false;
  /** Closed responses whose span is not handed to the SDK yet: context, status, sent, end time; flat. */
  private pending: (RequestContext | number | boolean)[] = [];
  private readonly flushPending = (): void => this.flush();
  private flushWarned = false;

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly tracker: RequestTracker,
    private readonly events: PerformanceEvents,
  ) {
    this.api = requireOptional<typeof OtelApi>('@opentelemetry/api', 'tracing', 'tracing: { enabled: false }');
    this.tracer = this.api.trace.getTracer(TRACER_NAME, options.appVersion);
  }

  /** True when an OpenTelemetry SDK was registered at start-up and spans are recorded. */
  get recording(): boolean {
    return this.active;
  }

  onApplicationBootstrap(): void {
    const provider = this.api.trace.getTracerProvider();
    const sdk = !(provider instanceof this.api.ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
    if (!sdk) {
      this.logger.log('tracing is on but no OpenTelemetry SDK is registered: no spans are made (start the SDK before Nest)');
      return;
    }
    this.active = true;
    // @Traced() spans find their request's span through the context carried across awaits. SQL
    // statements bring theirs from the database feature (which carries it itself) and cache lookups
    // from the raw request, so without @Traced() methods the request span needs no propagation:
    // on Node 20 that spares every promise of the process a hook.
    if (tracedMethodsDeclared()) RequestContext.enable();
    // An HTTP instrumentation's span can be found at arrival only through a context manager that
    // carries the active context; without one (the API's no-op), the lookup per request is skipped.
    this.tracker.observe(this.contextPropagates() ? this : { responseClosed: (ctx, res) => this.responseClosed(ctx, res) });
    if (this.options.tracing.queries) this.unsubscribe.push(this.events.onQuery((e) => this.querySpan(e)));
    if (this.options.tracing.cacheLookups) this.unsubscribe.push(this.events.onCache((e) => this.cacheLookup(e)));
    setTracedRuntime(this);
  }

  /** Whether the app registered a context manager (`context.with` makes its context the active one). */
  private contextPropagates(): boolean {
    const { api } = this;
    const probe = api.ROOT_CONTEXT.setValue(api.createContextKey('nestjs-performance.context-probe'), true);
    return api.context.with(probe, () => api.context.active() === probe);
  }

  onApplicationShutdown(): void {
    this.flush();
    for (const off of this.unsubscribe.splice(0)) off();
    setTracedRuntime(null);
  }

  /** @internal */
  requestStarted(ctx: RequestContext, _req: IncomingMessage): void {
    // Only an HTTP instrumentation's span is picked up here; the module's own is made lazily.
    const current = this.api.context.active();
    const existing = this.api.trace.getSpan(current);
    if (existing !== undefined && existing.isRecording()) {
      (ctx as Traced)[REQUEST_SPAN] = { span: existing, owned: false, context: current, parent: current };
    }
  }

  /** The request's span, made now (started at the request's arrival) if it does not exist yet. */
  private requestSpan(ctx: Traced): RequestSpan {
    const made = ctx[REQUEST_SPAN];
    if (made !== undefined) return made;
    const { api } = this;
    const parent = api.propagation.extract(api.ROOT_CONTEXT, ctx.headers);
    const span = this.tracer.startSpan(
      ctx.method,
      {
        kind: api.SpanKind.SERVER,
        startTime: performance.timeOrigin + ctx.startedAt,
        attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path },
      },
      parent,
    );
    const entry: RequestSpan = { span, owned: true, context: null, parent };
    ctx[REQUEST_SPAN] = entry;
    return entry;
  }

  /** The context in which the request's span is the active one (the parent of its children). */
  private spanContext(entry: RequestSpan): OtelApi.Context {
    return (entry.context ??= this.api.trace.setSpan(entry.parent, entry.span));
  }

  /** @internal */
  responseClosed(ctx: RequestContext, res: ServerResponse): void {
    const entry = (ctx as Traced)[REQUEST_SPAN];
    // An HTTP instrumentation's span is enriched now, before the instrumentation ends it.
    if (entry !== undefined && !entry.owned) {
      this.finishSpan(ctx, entry, res.statusCode, res.writableFinished, 0);
      return;
    }
    const pending = this.pending;
    if (pending.length === 0) setImmediate(this.flushPending);
    pending.push(ctx, res.statusCode, res.writableFinished, ctx.closedAt || performance.now());
  }

  /** Hands the spans of the responses closed since the last call to the SDK. */
  private flush(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    for (let i = 0; i < pending.length; i += 4) {
      const ctx = pending[i] as Traced;
      const status = pending[i + 1] as number;
      const sent = pending[i + 2] as boolean;
      const end = pending[i + 3] as number;
      try {
        const entry = ctx[REQUEST_SPAN];
        if (entry === undefined) this.wholeSpan(ctx, status, sent, end);
        else this.finishSpan(ctx, entry, status, sent, end);
      } catch (error) {
        // A span the SDK refused never costs the others theirs; the first failure only is logged.
        if (!this.flushWarned) {
          this.flushWarned = true;
          this.logger.warn(`could not record a request span: ${(error as Error).message}`);
        }
      }
    }
  }

  /** The span of a request that nothing needed while it ran: made whole, in one call. */
  private wholeSpan(ctx: Traced, status: number, sent: boolean, end: number): void {
    const { api } = this;
    const route = ctx.route;
    const attributes: OtelApi.Attributes = {
      'http.request.method': ctx.method,
      'url.path': ctx.path,
      'http.response.status_code': status,
      'performance.request_id': ctx.requestId,
      'performance.cache_status': ctx.cacheStatus,
      'performance.db.query_count': ctx.dbQueries,
      'performance.db.time_ms': ctx.dbTimeMs,
    };
    if (route !== undefined) attributes['http.route'] = route;
    if (!sent) attributes['error.type'] = 'connection_closed';
    const parent = api.propagation.extract(api.ROOT_CONTEXT, ctx.headers);
    const span = this.tracer.startSpan(
      route === undefined ? ctx.method : `${ctx.method} ${route}`,
      { kind: api.SpanKind.SERVER, startTime: performance.timeOrigin + ctx.startedAt, attributes },
      parent,
    );
    if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
    // The end on the start's clock: the SDK's default (Date.now()) would be whole ms on another clock.
    span.end(performance.timeOrigin + end);
    // Work that outlives the response (a late statement) still finds its parent.
    ctx[REQUEST_SPAN] = { span, owned: true, context: null, parent };
  }

  /** Completes a span made while the request ran; ends it when the module owns it (`end`: close time). */
  private finishSpan(ctx: RequestContext, entry: RequestSpan, status: number, sent: boolean, end: number): void {
    const { span, owned } = entry;
    const route = ctx.route;
    if (route !== undefined) {
      span.setAttribute('http.route', route);
      span.updateName(`${ctx.method} ${route}`);
    }
    span.setAttributes({
      'performance.request_id': ctx.requestId,
      'performance.cache_status': ctx.cacheStatus,
      'performance.db.query_count': ctx.dbQueries,
      'performance.db.time_ms': ctx.dbTimeMs,
    });
    if (!owned) return;
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    if (!sent) span.setAttribute('error.type', 'connection_closed');
    span.end(performance.timeOrigin + end);
  }

  /** @internal The runtime of `@Traced()`. */
  inSpan<R>(name: string, attributes: TracedAttributes | undefined, fn: () => R): R {
    const { api } = this;
    const parent = this.parentContext(RequestContext.current());
    const span = this.tracer.startSpan(name, { attributes }, parent);
    const fail = (error: unknown) => {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      span.end();
    };
    return api.context.with(api.trace.setSpan(parent, span), () => {
      let result: R;
      try {
        result = fn();
      } catch (error) {
        fail(error);
        throw error;
      }
      const thenable = result as unknown as PromiseLike<unknown> | null;
      if (thenable !== null && typeof thenable === 'object' && typeof thenable.then === 'function') {
        return thenable.then(
          (value) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            fail(error);
            throw error;
          },
        ) as R;
      }
      span.end();
      return result;
    });
  }

  /** The active span's context, else the request's span, else the active (root) context. */
  private parentContext(request: RequestContext | undefined): OtelApi.Context {
    const active = this.api.context.active();
    if (this.api.trace.getSpan(active)) return active;
    return request ? this.spanContext(this.requestSpan(request)) : active;
  }

  private querySpan(event: QueryEvent): void {
    const { api } = this;
    const entry = event.request ? this.requestSpan(event.request) : undefined;
    const parent = entry ? this.spanContext(entry) : api.context.active();
    if (!entry && !api.trace.getSpan(parent)) return; // a statement outside any traced work: no orphan root spans
    const span = this.tracer.startSpan(
      event.operation,
      {
        kind: api.SpanKind.CLIENT,
        startTime: event.startTime,
        attributes: {
          'db.system': event.system,
          'db.system.name': event.system,
          'db.operation.name': event.operation,
          'db.query.text': event.statement,
          'db.statement': event.statement,
          'performance.db.fingerprint': event.fingerprint,
          'performance.db.duration_ms': event.durationMs,
        },
      },
      parent,
    );
    if (!event.success) span.setStatus({ code: api.SpanStatusCode.ERROR });
    span.end(event.startTime + event.durationMs);
  }

  private cacheLookup(event: CacheEvent): void {
    if (!event.request) return;
    const entry = this.requestSpan(event.request);
    const attributes: OtelApi.Attributes = {
      'cache.namespace': event.namespace,
      'cache.status': event.status,
      'cache.duration_ms': event.durationMs,
    };
    if (event.reason !== undefined) attributes['cache.reason'] = event.reason;
    if (this.options.tracing.cacheLookups === 'events') {
      entry.span.addEvent('cache.lookup', attributes);
      return;
    }
    const end = Date.now();
    this.tracer
      .startSpan('cache.lookup', { kind: this.api.SpanKind.INTERNAL, startTime: end - event.durationMs, attributes }, this.spanContext(entry))
      .end(end);
  }
}
