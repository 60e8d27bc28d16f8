import { afterEach, describe, expect, it, vi } from 'vitest';
import { distinctNames } from '../core/ports/delivery-health.port';
import { monitorSpanExporter, spanExportHealth, type MonitorableSpanExporter, type SpanExportResult } from './span-export-monitor';

/** An exporter that hands each export's callback to the test, which answers it when it likes. */
class ManualExporter implements MonitorableSpanExporter<string> {
  readonly pending: ((result: SpanExportResult) => void)[] = [];
  readonly exported: string[][] = [];
  shutDown = false;
  throwOnExport: Error | undefined;

  export(spans: string[], resultCallback: (result: SpanExportResult) => void): void {
    if (this.throwOnExport) throw this.throwOnExport;
    this.exported.push(spans);
    this.pending.push(resultCallback);
  }

  async shutdown(): Promise<void> {
    this.shutDown = true;
  }
}

describe('monitorSpanExporter', () => {
  const created: MonitorableSpanExporter<string>[] = [];
  const monitor = (exporter: ManualExporter, options?: Parameters<typeof monitorSpanExporter>[1]) => {
    const m = monitorSpanExporter(exporter, options);
    created.push(m);
    return m;
  };
  afterEach(async () => {
    vi.useRealTimers();
    for (const m of created.splice(0)) await m.shutdown();
  });

  it('passes spans and results through unchanged, and records each result', () => {
    const inner = new ManualExporter();
    const exporter = monitor(inner);
    const results: SpanExportResult[] = [];
    exporter.export(['a', 'b'], (r) => results.push(r));
    expect(inner.exported).toEqual([['a', 'b']]);
    expect(spanExportHealth()).toEqual([{ name: 'ManualExporter', status: 'up', succeeded: 0, failed: 0, consecutiveFailures: 0 }]);

    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4318'), { code: 'ECONNREFUSED' });
    inner.pending[0]!({ code: 1, error: refused });
    expect(results).toEqual([{ code: 1, error: refused }]);
    exporter.export(['c'], (r) => results.push(r));
    inner.pending[1]!({ code: 1 });
    expect(spanExportHealth()[0]).toMatchObject({
      status: 'down',
      failed: 2,
      consecutiveFailures: 2,
      lastError: 'export failed (result code 1)',
      lastFailureAt: expect.any(String),
    });

    exporter.export(['d'], (r) => results.push(r));
    inner.pending[2]!({ code: 0 });
    expect(results.map((r) => r.code)).toEqual([1, 1, 0]);
    expect(spanExportHealth()[0]).toMatchObject({ status: 'up', succeeded: 1, failed: 2, consecutiveFailures: 0, lastSuccessAt: expect.any(String) });
  });

  it('reports an exporter that throws to the SDK as a failed export, never to the caller', () => {
    const inner = new ManualExporter();
    inner.throwOnExport = new Error('serializer blew up');
    const exporter = monitor(inner, { name: 'collector' });
    const results: SpanExportResult[] = [];
    expect(() => exporter.export(['a'], (r) => results.push(r))).not.toThrow();
    expect(results).toEqual([{ code: 1, error: inner.throwOnExport }]);
    expect(spanExportHealth()[0]).toMatchObject({ name: 'collector', status: 'down', lastError: 'serializer blew up' });
  });

  it('counts an export with no result by stalledAfterMs as failed, once, and a late success as recovery', () => {
    vi.useFakeTimers();
    const inner = new ManualExporter();
    const exporter = monitor(inner, { stalledAfterMs: 1000 });
    exporter.export(['a'], () => undefined);
    vi.advanceTimersByTime(999);
    expect(spanExportHealth()[0]!.status).toBe('up');
    vi.advanceTimersByTime(1);
    expect(spanExportHealth()[0]).toMatchObject({ status: 'down', failed: 1, lastError: 'no export result within 1000 ms' });
    exporter.export(['b'], () => undefined);
    vi.advanceTimersByTime(1000);
    inner.pending[0]!({ code: 1, error: new Error('late failure') });
    expect(spanExportHealth()[0]).toMatchObject({ failed: 2, consecutiveFailures: 2, lastError: 'no export result within 1000 ms' });
    inner.pending[1]!({ code: 0 });
    expect(spanExportHealth()[0]).toMatchObject({ status: 'up', succeeded: 1, consecutiveFailures: 0 });
  });

  it('leaves health at shutdown and shuts the exporter down', async () => {
    const inner = new ManualExporter();
    const exporter = monitor(inner);
    expect(spanExportHealth()).toHaveLength(1);
    await exporter.shutdown();
    expect(inner.shutDown).toBe(true);
    expect(spanExportHealth()).toEqual([]);
  });

  it('passes forceFlush through only when the exporter has one', async () => {
    const plain = monitor(new ManualExporter());
    expect(plain.forceFlush).toBeUndefined();
    const flushing = Object.assign(new ManualExporter(), {
      flushed: 0,
      forceFlush: async function (this: { flushed: number }) {
        this.flushed++;
      },
    });
    await monitor(flushing).forceFlush!();
    expect(flushing.flushed).toBe(1);
  });
});

describe('distinctNames', () => {
  it('tells targets of the same kind apart, in order', () => {
    expect(distinctNames(['webhook', 'slack', 'webhook', 'email', 'webhook'])).toEqual(['webhook', 'slack', 'webhook_2', 'email', 'webhook_3']);
  });
});
