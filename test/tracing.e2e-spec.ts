import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator, hrTimeToMilliseconds } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { TracedWork, TracingProbeController } from './fixtures/observability-tracing.fixture';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

// The SDK as an app would start it before Nest, with an in-memory exporter.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

/** Waits until the server span of the last request was exported (it ends on 'close', after the client has the body). */
async function spansOf(name: string): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    if (exporter.getFinishedSpans().some((s) => s.name === name)) return exporter.getFinishedSpans();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(
    `no span "${name}" among ${exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .join(', ')}`,
  );
}

describe.each(ADAPTERS)('spans of a real request on %s, without HTTP instrumentation', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(
      observabilityFixture({ tracing: { enabled: true } }, { controllers: [TracingProbeController], providers: [TracedWork] }),
      adapter,
      (app) => {
        app.setGlobalPrefix('api/v1');
      },
    );
  });
  afterAll(() => running?.close());
  beforeEach(() => exporter.reset());

  it('make one server span named by route, with the db statements and @Traced methods as its children', async () => {
    const res = await fetch(`${running.url}/api/v1/trace/db`);
    const body = (await res.json()) as { statements: { startTime: number; durationMs: number; statement: string }[] };
    const spans = await spansOf('GET /api/v1/trace/db');
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(spans.filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(1);
    expect(server.name).toBe('GET /api/v1/trace/db');
    expect(parentOf(server)).toBeUndefined();
    expect(server.instrumentationScope.name).toBe('nestjs-performance');
    expect(server.attributes).toEqual({
      'http.request.method': 'GET',
      'url.path': '/api/v1/trace/db',
      'http.route': '/api/v1/trace/db',
      'http.response.status_code': 200,
      'performance.request_id': res.headers.get('x-request-id'),
      'performance.cache_status': 'MISS',
      'performance.db.query_count': 2,
      'performance.db.time_ms': 19.75,
    });

    const db = spans.filter((s) => s.kind === SpanKind.CLIENT);
    expect(db.map((s) => s.name)).toEqual(['SELECT', 'UPDATE']);
    db.forEach((span, i) => {
      const sent = body.statements[i]!;
      expect(parentOf(span)).toBe(idOf(server));
      expect(span.spanContext().traceId).toBe(server.spanContext().traceId);
      expect(span.attributes).toMatchObject({
        'db.system': 'postgresql',
        'db.system.name': 'postgresql',
        'db.operation.name': sent.statement.split(' ')[0],
        'db.query.text': sent.statement,
      });
      expect(hrTimeToMilliseconds(span.startTime)).toBeCloseTo(sent.startTime, 3);
      expect(hrTimeToMilliseconds(span.duration)).toBeCloseTo(sent.durationMs, 3);
    });

    expect(server.events.map((e) => [e.name, e.attributes])).toEqual([
      ['cache.lookup', { 'cache.namespace': 'documents', 'cache.status': 'MISS', 'cache.duration_ms': 0.4 }],
    ]);

    const load = spans.find((s) => s.name === 'work.async')!;
    const format = spans.find((s) => s.name === 'TracedWork.format')!;
    expect(parentOf(load)).toBe(idOf(server));
    expect(load.attributes).toEqual({ 'app.layer': 'service' });
    expect(parentOf(format)).toBe(idOf(load));
    expect(hrTimeToMilliseconds(load.duration)).toBeGreaterThanOrEqual(4);
    expect(spans).toHaveLength(5);
  });

  it('record an exception and ERROR status on a @Traced method that throws, and rethrow it', async () => {
    const res = await fetch(`${running.url}/api/v1/trace/fail`);
    expect(await res.json()).toEqual({ failed: true });
    const spans = await spansOf('GET /api/v1/trace/fail');
    const failed = spans.find((s) => s.name === 'work.fails')!;
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'traced failure' });
    expect(failed.events.map((e) => e.name)).toEqual(['exception']);
    expect(failed.events[0]!.attributes?.['exception.message']).toBe('traced failure');
  });

  it('continue the trace of an incoming traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await fetch(`${running.url}/api/v1/obs/ok`, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    await res.arrayBuffer();
    const [server] = await spansOf('GET /api/v1/obs/ok');
    expect(server!.spanContext().traceId).toBe(traceId);
    expect(parentOf(server!)).toBe('00f067aa0ba902b7');
  });

  it("time a span made when the response closed from the request's arrival, with every attribute", async () => {
    // No SQL, no cache lookup, no @Traced method: nothing needs the span before the response closes.
    const res = await fetch(`${running.url}/api/v1/obs/ok`);
    await res.arrayBuffer();
    const [server] = await spansOf('GET /api/v1/obs/ok');
    expect(server!.attributes).toEqual({
      'http.request.method': 'GET',
      'url.path': '/api/v1/obs/ok',
      'http.route': '/api/v1/obs/ok',
      'http.response.status_code': 200,
      'performance.request_id': res.headers.get('x-request-id'),
      'performance.cache_status': 'BYPASS',
      'performance.db.query_count': 0,
      'performance.db.time_ms': 0,
    });
    // X-Response-Time runs from arrival to the headers, so a span started at arrival lasts at least that long.
    const headerMs = Number.parseFloat(res.headers.get('x-response-time')!);
    expect(hrTimeToMilliseconds(server!.duration)).toBeGreaterThanOrEqual(headerMs - 0.01);
  });

  it('give each of many requests closed in one turn of the event loop its own server span', async () => {
    // Pipelined on one connection, the responses are sent one after the other within one turn of the
    // event loop, so their spans reach the SDK in one batch.
    const ids = Array.from({ length: 8 }, (_, i) => `pipelined-${i}`);
    const paths = ids.map(() => '/api/v1/obs/ok');
    const { port } = new URL(running.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (data += chunk));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.write(
        ids
          .map((id, i) => `GET ${paths[i]} HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: ${id}\r\n${i === ids.length - 1 ? 'Connection: close\r\n' : ''}\r\n`)
          .join(''),
      );
    });
    const statuses = [...raw.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    expect(statuses).toEqual(paths.map(() => 200));
    let servers: ReadableSpan[] = [];
    for (let i = 0; i < 200 && servers.length < ids.length; i++) {
      servers = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
      if (servers.length < ids.length) await new Promise((r) => setImmediate(r));
    }
    const byId = new Map(servers.map((s) => [s.attributes['performance.request_id'], s]));
    expect([...byId.keys()].sort()).toEqual([...ids].sort());
    ids.forEach((id, i) => {
      const span = byId.get(id)!;
      expect(span.name).toBe(`GET ${paths[i]}`);
      expect(span.attributes['url.path']).toBe(paths[i]);
      expect(span.attributes['http.response.status_code']).toBe(statuses[i]);
    });
    // Every span is its own trace: no request became another's parent.
    expect(new Set(servers.map((s) => s.spanContext().traceId)).size).toBe(ids.length);
  });

  it('name the span of an unknown route by method only, and mark a 5xx as an error', async () => {
    await (await fetch(`${running.url}/no/such/${Math.random()}`)).arrayBuffer();
    const [unknown] = await spansOf('GET');
    expect(unknown!.attributes['http.response.status_code']).toBe(404);
    expect(unknown!.attributes['http.route']).toBeUndefined();
    // Under the global prefix too (Express answers it through a catch-all route of Nest's own: no route of the app).
    exporter.reset();
    await (await fetch(`${running.url}/api/v1/no/such/${Math.random()}`)).arrayBuffer();
    const [prefixed] = await spansOf('GET');
    expect(prefixed!.attributes['http.response.status_code']).toBe(404);
    expect(prefixed!.attributes['http.route']).toBeUndefined();
    exporter.reset();
    await (await fetch(`${running.url}/api/v1/obs/boom`)).arrayBuffer();
    const [boom] = await spansOf('GET /api/v1/obs/boom');
    expect(boom!.status.code).toBe(SpanStatusCode.ERROR);
  });
});
