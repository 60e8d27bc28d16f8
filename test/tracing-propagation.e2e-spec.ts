import { setTimeout as sleep } from 'node:timers/promises';
import { Controller, Get, Inject, Injectable } from '@nestjs/common';
import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { RequestContext, Traced } from 'nestjs-performance';
import { afterEach, describe, expect, it } from 'vitest';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

// An SDK without a context manager, as in bench/: only the module can parent spans across awaits.
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

async function spanNamed(name: string): Promise<ReadableSpan> {
  for (let i = 0; i < 200; i++) {
    const span = exporter.getFinishedSpans().find((s) => s.name === name);
    if (span) return span;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(
    `no span "${name}" among ${exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .join(', ')}`,
  );
}

/** Defined only when called, so that no @Traced() method exists in this file's process before it. */
function appWithTracedMethod() {
  @Injectable()
  class Work {
    @Traced('work.step')
    async step(): Promise<string | undefined> {
      await sleep(2);
      return RequestContext.current()?.requestId;
    }
  }
  @Controller('traced')
  class TracedController {
    constructor(@Inject(Work) private readonly work: Work) {}
    @Get()
    async get() {
      return { requestId: await this.work.step() };
    }
  }
  return observabilityFixture({ tracing: { enabled: true }, database: { enabled: false } }, { controllers: [TracedController], providers: [Work] });
}

/**
 * Tracing carries the request context across awaits (AsyncLocalStorage, a hook
 * on every promise on Node 20) only when a `@Traced()` method will look for it.
 * This file runs in its own module graph: the order of its tests matters.
 */
describe('tracing and request context propagation', () => {
  const running: RunningApp[] = [];
  afterEach(async () => {
    for (const app of running.splice(0)) await app.close();
    exporter.reset();
  });

  it('makes every request span without carrying the context when no @Traced() method exists', async () => {
    for (const adapter of ADAPTERS) {
      const app = await startApp(observabilityFixture({ tracing: { enabled: true }, database: { enabled: false } }), adapter);
      running.push(app);
      const res = await fetch(`${app.url}/obs/items/7`);
      await res.arrayBuffer();
      const span = await spanNamed('GET /obs/items/:id');
      expect(span.kind).toBe(SpanKind.SERVER);
      expect(span.attributes).toMatchObject({
        'http.route': '/obs/items/:id',
        'http.response.status_code': 200,
        'performance.request_id': res.headers.get('x-request-id'),
      });
      exporter.reset();
    }
    expect(RequestContext.enabled).toBe(false);
  });

  it('carries it once a @Traced() method exists, so that its span is a child of the request span', async () => {
    const fixture = appWithTracedMethod();
    for (const adapter of ADAPTERS) {
      const app = await startApp(fixture, adapter);
      running.push(app);
      expect(RequestContext.enabled).toBe(true);
      const res = await fetch(`${app.url}/traced`);
      const body = (await res.json()) as { requestId?: string };
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
      const server = await spanNamed('GET /traced');
      const step = await spanNamed('work.step');
      expect(step.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(step.spanContext().traceId).toBe(server.spanContext().traceId);
      exporter.reset();
    }
  });
});
