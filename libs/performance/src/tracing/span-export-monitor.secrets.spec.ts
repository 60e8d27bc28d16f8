import { describe, expect, it } from 'vitest';
import { monitorSpanExporter, spanExportHealth, type MonitorableSpanExporter, type SpanExportResult } from './span-export-monitor';

describe('monitorSpanExporter health', () => {
  it('never shows the credentials of an endpoint that an exporter error quotes', async () => {
    const failing: MonitorableSpanExporter<string> = {
      export(_spans: string[], done: (result: SpanExportResult) => void) {
        done({ code: 1, error: new Error('POST https://otel:hunter2@collector.example.com/v1/traces?api_key=k-123456 failed: 401') });
      },
      shutdown: async () => undefined,
    };
    const exporter = monitorSpanExporter(failing, { name: 'secrets-spec' });
    try {
      exporter.export(['span'], () => undefined);
      expect(spanExportHealth().find((h) => h.name === 'secrets-spec')).toMatchObject({
        status: 'down',
        lastError: 'POST https://otel:***@collector.example.com/v1/traces?api_key=*** failed: 401',
      });
    } finally {
      await exporter.shutdown();
    }
  });
});
