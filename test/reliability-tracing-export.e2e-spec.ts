import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { monitorSpanExporter, spanExportHealth } from 'nestjs-performance';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, switchableHttpServer } from './support/reliability-services';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';

/**
 * Issue 10, item 3: an exporter endpoint refusing. The app's SDK (here the
 * real OTLP/HTTP exporter behind a batch processor, as an app would start
 * it before Nest) exports to a port that refuses connections: every request
 * still succeeds within its timeout, the full /health report shows the
 * exporter down by name (live and ready stay up), and once a real OTLP/HTTP
 * receiver answers on that port the indicator comes back by itself.
 */

const REQUEST_TIMEOUT_MS = 5000;
const admin = { authorization: `Bearer ${SAMPLE_ADMIN_TOKEN}` };

type Details = Record<string, { status: string; message?: string; exporters?: unknown }>;

async function health(sample: RunningSample, probe = ''): Promise<{ status: number; overall: string; details: Details }> {
  const res = await fetch(`${sample.url}/health${probe}`, { headers: admin, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const body = (await res.json()) as { status: string; details: Details };
  return { status: res.status, overall: body.status, details: body.details };
}

/** `total` requests over `concurrency` loops, each under the timeout; the statuses (0: no response in time). */
async function load(base: string, paths: readonly string[], total: number, concurrency: number): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const path = paths[next++ % paths.length]!;
        try {
          const res = await fetch(base + path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
          await res.arrayBuffer();
          statuses.push(res.status);
        } catch {
          statuses.push(0);
        }
      }
    }),
  );
  return statuses;
}

/**
 * What an app does before Nest: the real OTLP/HTTP exporter, watched by
 * monitorSpanExporter, behind a batch processor; then the sample app with tracing.
 */
async function startTracedSample(
  exporterUrl: string,
  timeouts: { exporterMs: number; processorMs: number },
  name?: string,
): Promise<{ provider: BasicTracerProvider; sample: RunningSample }> {
  const exporter = monitorSpanExporter(
    new OTLPTraceExporter({ url: exporterUrl, timeoutMillis: timeouts.exporterMs }),
    name === undefined ? undefined : { name },
  );
  const provider = new BasicTracerProvider({
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 50, exportTimeoutMillis: timeouts.processorMs })],
  });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const sample = await startSample('express', { seedDocuments: 50, env: { TRACING_ENABLED: 'true' } });
  return { provider, sample };
}

/** Undoes {@link startTracedSample}, and stops the collector if one ran. */
async function stopTracedSample(
  provider: BasicTracerProvider | undefined,
  sample: RunningSample | undefined,
  collector: { close(): Promise<void> } | undefined,
): Promise<void> {
  await sample?.close();
  await provider?.shutdown();
  trace.disable();
  context.disable();
  await collector?.close();
}

describe('an OTLP exporter whose endpoint refuses, then a collector that answers', () => {
  let port: number;
  let provider: BasicTracerProvider;
  let sample: RunningSample;
  let collector: Awaited<ReturnType<typeof switchableHttpServer>> | undefined;

  beforeAll(async () => {
    // Bound and released: nothing listens there until the test starts the collector.
    port = await freePort();
    ({ provider, sample } = await startTracedSample(`http://127.0.0.1:${port}/v1/traces`, { exporterMs: 1000, processorMs: 3000 }));
  });
  afterAll(() => stopTracedSample(provider, sample, collector));

  it('never fails or delays a request past its timeout, shows the export failure in /health only, and recovers by itself', async () => {
    // Before any export the exporter is listed, and up.
    expect((await health(sample)).details.tracing_export).toMatchObject({ status: 'up', exporters: [{ name: 'OTLPTraceExporter', status: 'up' }] });

    const refused = await load(sample.api, ['/hello', '/documents/1', '/documents?limit=5'], 300, 5);
    expect(refused.filter((s) => s !== 200)).toEqual([]);

    await vi.waitFor(
      async () => {
        const h = await health(sample);
        expect([h.status, h.overall, h.details.tracing_export?.status]).toEqual([200, 'degraded', 'down']);
      },
      { timeout: 10_000, interval: 100 },
    );
    const down = await health(sample);
    expect(down.details.tracing_export?.message).toMatch(/^span exporter "OTLPTraceExporter" failing: .*ECONNREFUSED.* \(\d+ failed in a row\)$/);
    expect(down.details.tracing_export?.exporters).toEqual([
      expect.objectContaining({ name: 'OTLPTraceExporter', status: 'down', succeeded: 0, lastError: expect.stringContaining('ECONNREFUSED') }),
    ]);
    // An app that cannot export spans still serves.
    const [live, ready] = [await health(sample, '/live'), await health(sample, '/ready')];
    expect([live.status, ready.status]).toEqual([200, 200]);
    expect([live.details.tracing_export, ready.details.tracing_export]).toEqual([undefined, undefined]);
    const anonymous = (await (await fetch(`${sample.url}/health`)).json()) as { error: Record<string, unknown> };
    expect(anonymous.error.tracing_export).toEqual({ status: 'down' });

    // A real OTLP/HTTP receiver on the refused port: the next exports get through.
    collector = await switchableHttpServer(port);
    await vi.waitFor(
      async () => {
        const statuses = await load(sample.api, ['/hello', '/documents/1'], 20, 2);
        expect(statuses.filter((s) => s !== 200)).toEqual([]);
        const h = await health(sample);
        expect([h.status, h.details.tracing_export?.status]).toEqual([200, 'up']);
      },
      { timeout: 15_000, interval: 200 },
    );
    expect(collector.received.filter((r) => r.method === 'POST' && r.url === '/v1/traces' && r.bytes > 0).length).toBeGreaterThan(0);
    expect(spanExportHealth()).toEqual([
      expect.objectContaining({ name: 'OTLPTraceExporter', status: 'up', consecutiveFailures: 0, succeeded: expect.any(Number), failed: expect.any(Number) }),
    ]);
    expect(spanExportHealth()[0]!.failed).toBeGreaterThan(0);
  });

  it('leaves health when the SDK shuts the exporter down', async () => {
    await provider.shutdown();
    expect(spanExportHealth()).toEqual([]);
    await vi.waitFor(async () => expect((await health(sample)).details.tracing_export).toBeUndefined(), { timeout: 5000, interval: 200 });
  });
});

describe('an OTLP collector that accepts exports and never answers, then answers', () => {
  let provider: BasicTracerProvider;
  let sample: RunningSample;
  let collector: Awaited<ReturnType<typeof switchableHttpServer>>;

  beforeAll(async () => {
    collector = await switchableHttpServer();
    collector.status = 0; // reads each export, never answers
    ({ provider, sample } = await startTracedSample(`${collector.url}/v1/traces`, { exporterMs: 500, processorMs: 2000 }, 'collector'));
  });
  afterAll(() => stopTracedSample(provider, sample, collector));

  it('never holds a request, shows the timed-out export in /health, and recovers by itself', async () => {
    const hung = await load(sample.api, ['/hello', '/documents/1'], 200, 5);
    expect(hung.filter((s) => s !== 200)).toEqual([]);
    await vi.waitFor(
      async () => {
        const h = await health(sample);
        expect([h.status, h.overall, h.details.tracing_export?.status]).toEqual([200, 'degraded', 'down']);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect((await health(sample)).details.tracing_export?.message).toMatch(/^span exporter "collector" failing: .*timed out/i);
    expect(collector.received.some((r) => r.url === '/v1/traces')).toBe(true);
    expect((await health(sample, '/ready')).status).toBe(200);

    collector.status = 200;
    await vi.waitFor(
      async () => {
        expect((await load(sample.api, ['/hello'], 10, 2)).filter((s) => s !== 200)).toEqual([]);
        expect((await health(sample)).details.tracing_export?.status).toBe('up');
      },
      { timeout: 15_000, interval: 200 },
    );
  });
});
