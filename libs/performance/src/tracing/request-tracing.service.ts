import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type * as OtelApi from '@opentelemetry/api';
import { requireOptional } from '../errors/performance.errors';
import type { CacheEvent, PerformanceEvents, QueryEvent } from '../context/performance-events';
import { RequestContext } from '../context/request-context';
import type { RequestObserver, RequestTracker } from '../context/request-tracker.service';
import type { ResolvedPerformanceOptions } from '../options/performance-options.schema';
import { setTracedRuntime, type TracedAttributes, type TracedRuntime } from './traced.decorator';

/** Name of the tracer the module's spans come from (the instrumentation scope). */
export const TRACER_NAME = 'nestjs-performance';

interface RequestSpan {
  readonly span: OtelApi.Span;
  /** True when the module made the span (and ends it), false when it enriches the HTTP instrumentation's. */
  readonly owned: boolean;
  readonly context: OtelApi.Context;
}

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
 */
export class RequestTracing implements RequestObserver, TracedRuntime, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance');
  private readonly api: typeof OtelApi;
  private readonly tracer: OtelApi.Tracer;
  private readonly spans = new WeakMap<RequestContext, RequestSpan>();
  private readonly unsubscribe: (() => void)[] = [];
  private active = false;

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
    const sdk =
      !(provider instanceof this.api.ProxyTracerProvider) || provider.getDelegateTracer(TRACER_NAME) !== undefined;
    if (!sdk) {
      this.logger.log('tracing is on but no OpenTelemetry SDK is registered: no spans are made (start the SDK before Nest)');
      return;
    }
    this.active = true;
    this.tracker.observe(this);
    if (this.options.tracing.queries) this.unsubscribe.push(this.events.onQuery((e) => this.querySpan(e)));
    if (this.options.tracing.cacheLookups) this.unsubscribe.push(this.events.onCache((e) => this.cacheLookup(e)));
    setTracedRuntime(this);
  }

  onApplicationShutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    setTracedRuntime(null);
  }

  /** @internal */
  requestStarted(ctx: RequestContext, req: IncomingMessage): void {
    const { api } = this;
    const current = api.context.active();
    const existing = api.trace.getSpan(current);
    if (existing?.isRecording()) {
      this.spans.set(ctx, { span: existing, owned: false, context: current });
      return;
    }
    const parent = api.propagation.extract(api.ROOT_CONTEXT, req.headers);
    const span = this.tracer.startSpan(
      ctx.method,
      {
        kind: api.SpanKind.SERVER,
        attributes: { 'http.request.method': ctx.method, 'url.path': ctx.path },
      },
      parent,
    );
    this.spans.set(ctx, { span, owned: true, context: api.trace.setSpan(parent, span) });
  }

  /** @internal */
  responseClosed(ctx: RequestContext, res: ServerResponse): void {
    const entry = this.spans.get(ctx);
    if (!entry) return;
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
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    if (!res.writableFinished) span.setAttribute('error.type', 'connection_closed');
    span.end();
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
    const entry = request ? this.spans.get(request) : undefined;
    return entry ? entry.context : active;
  }

  private querySpan(event: QueryEvent): void {
    const { api } = this;
    const entry = event.request ? this.spans.get(event.request) : undefined;
    const parent = entry ? entry.context : api.context.active();
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
    const entry = event.request ? this.spans.get(event.request) : undefined;
    if (!entry) return;
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
      .startSpan('cache.lookup', { kind: this.api.SpanKind.INTERNAL, startTime: end - event.durationMs, attributes }, entry.context)
      .end(end);
  }
}
