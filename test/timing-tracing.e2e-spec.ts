import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MethodTimingsBody } from '../libs/performance/src/timing/method-timings.service';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

// The SDK as an app would start it before Nest, with an in-memory exporter.
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

/** Waits until a server span was exported (it ends once the response closed). */
async function finished(count: number): Promise<ReadableSpan[]> {
  for (let i = 0; i < 200; i++) {
    if (exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER).length >= count) return exporter.getFinishedSpans();
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(
    `spans: ${exporter
      .getFinishedSpans()
      .map((s) => s.name)
      .join(', ')}`,
  );
}

describe.each(ADAPTERS)('@Timed() with an OpenTelemetry SDK and tracing on (%s)', (adapter) => {
  let sample: RunningSample;
  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 20, env: { TRACING_ENABLED: 'true' } });
  });
  afterAll(async () => {
    await sample?.close();
  });
  beforeEach(() => exporter.reset());

  it('makes one span per call, child of the request span, ERROR when the method throws; and still times it once', async () => {
    expect((await fetch(`${sample.api}/documents/1`)).status).toBe(200);
    expect((await fetch(`${sample.api}/documents/999999`)).status).toBe(404);
    const spans = await finished(2);
    const timed = spans.filter((s) => s.name === 'DocumentsService.findOne');
    expect(timed).toHaveLength(2);
    const servers = spans.filter((s) => s.kind === SpanKind.SERVER);
    for (const span of timed) {
      expect(servers.map((s) => s.spanContext().spanId)).toContain(span.parentSpanContext?.spanId);
    }
    expect(timed.map((s) => s.status.code).sort()).toEqual([SpanStatusCode.UNSET, SpanStatusCode.ERROR].sort());

    const body = (await (await fetch(`${sample.api}/performance/methods`, { headers: sample.admin })).json()) as MethodTimingsBody;
    expect(body.methods.find((m) => m.className === 'DocumentsService' && m.method === 'findOne')).toMatchObject({ calls: 2, errors: 1 });
  });
});
