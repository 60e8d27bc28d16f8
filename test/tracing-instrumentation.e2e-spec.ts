import { createRequire } from 'node:module';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

// The SDK as the sample app starts it: a context manager and the HTTP instrumentation, which makes
// the server span of every request before Nest sees it. The module enriches that span, makes none.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const instrumentation = new HttpInstrumentation();
instrumentation.setTracerProvider(provider);
instrumentation.enable();
// The instrumentation patches `http` when it is next required (Server.prototype is shared by every server).
createRequire(__filename)('http');

async function serverSpans(count: number): Promise<ReadableSpan[]> {
  let spans: ReadableSpan[] = [];
  for (let i = 0; i < 200; i++) {
    spans = exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
    if (spans.length >= count) return spans;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`${spans.length} server span(s), expected ${count}: ${spans.map((s) => s.name).join(', ')}`);
}

describe.each(ADAPTERS)('tracing under the OpenTelemetry HTTP instrumentation on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(observabilityFixture({ tracing: { enabled: true } }), adapter, (app) => {
      app.setGlobalPrefix('api/v1');
    });
  });
  afterAll(() => running?.close());
  beforeEach(() => exporter.reset());

  it("enrich the instrumentation's server span with the route, request id, cache status and query count, and make no second one", async () => {
    const res = await fetch(`${running.url}/api/v1/obs/ok`, { headers: { 'x-request-id': 'enriched-1' } });
    await res.arrayBuffer();
    const spans = await serverSpans(1);
    // Give a second server span (the module's own, if it made one) the time to arrive.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(1);
    const [server] = spans;
    expect(server!.instrumentationScope.name).toBe('@opentelemetry/instrumentation-http');
    expect(server!.name).toBe('GET /api/v1/obs/ok');
    expect(server!.attributes).toMatchObject({
      'http.route': '/api/v1/obs/ok',
      'performance.request_id': 'enriched-1',
      'performance.cache_status': 'BYPASS',
      'performance.db.query_count': 0,
      'performance.db.time_ms': 0,
    });
    expect(res.headers.get('x-request-id')).toBe('enriched-1');
  });
});
