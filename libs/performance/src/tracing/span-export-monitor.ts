import { maskErrorSecrets } from '../core/secret-masking';
import { DeliveryOutcomes, spanExportTargets } from '../core/ports/delivery-health.port';

export { spanExportHealth } from '../core/ports/delivery-health.port';

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
const EXPORT_SUCCESS = 0;
/** `ExportResultCode.FAILED` of `@opentelemetry/core`. */
const EXPORT_FAILED = 1;

/** The result an OpenTelemetry exporter hands its callback (`ExportResult`). */
export interface SpanExportResult {
  /** `0` success, `1` failed (`ExportResultCode`). */
  code: number;
  error?: Error;
}

/**
 * The shape of an OpenTelemetry `SpanExporter` (`@opentelemetry/sdk-trace-base`),
 * written out so the library never imports an SDK: any exporter fits,
 * whichever SDK version the app runs.
 */
export interface MonitorableSpanExporter<TSpan = unknown> {
  export(spans: TSpan[], resultCallback: (result: SpanExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** Options of {@link monitorSpanExporter}. */
export interface MonitorSpanExporterOptions {
  /** Name in health. @default the exporter's class name (`OTLPTraceExporter`) */
  name?: string;
  /**
   * An export with no result after this many ms counts as failed (a
   * collector that accepts the connection and never answers). A result that
   * comes later is still recorded. @default 30000
   */
  stalledAfterMs?: number;
}

/**
 * Wraps the app's span exporter so health can tell whether spans still reach
 * the collector: every export's result (and error) is recorded, and the
 * full `/health` report gains a `tracing_export` indicator that is down
 * while the latest export failed and up again after the next one succeeds.
 * Never in `/health/live` or `/health/ready`: an app that cannot export
 * spans still serves.
 *
 * The wrapper passes every call and result through unchanged; an exporter
 * that throws is reported to the SDK as a failed export instead.
 * `shutdown()` removes it from health.
 *
 * @example
 * // tracing.ts, loaded before Nest
 * const sdk = new NodeSDK({ traceExporter: monitorSpanExporter(new OTLPTraceExporter()) });
 * sdk.start();
 */
export function monitorSpanExporter<TSpan>(exporter: MonitorableSpanExporter<TSpan>, options: MonitorSpanExporterOptions = {}): MonitorableSpanExporter<TSpan> {
  const name = options.name ?? (exporter.constructor?.name && exporter.constructor.name !== 'Object' ? exporter.constructor.name : 'span-exporter');
  const stalledAfterMs = options.stalledAfterMs ?? 30_000;
  const outcomes = new DeliveryOutcomes(name);
  spanExportTargets().add(outcomes);

  const monitored: MonitorableSpanExporter<TSpan> = {
    export(spans, resultCallback) {
      let settled = false;
      let stalledRecorded = false;
      const stalled = setTimeout(() => {
        stalledRecorded = true;
        outcomes.fail(new Error(`no export result within ${stalledAfterMs} ms`));
      }, stalledAfterMs);
      stalled.unref?.();
      const done = (result: SpanExportResult) => {
        if (!settled) {
          settled = true;
          clearTimeout(stalled);
          if (result.code === EXPORT_SUCCESS) outcomes.succeed();
          // An exporter's error may quote its endpoint, with the credentials some collectors take in the URL.
          else if (!stalledRecorded) outcomes.fail(maskErrorSecrets(result.error ?? new Error(`export failed (result code ${result.code})`)));
        }
        resultCallback(result);
      };
      try {
        exporter.export(spans, done);
      } catch (error) {
        if (!settled) done({ code: EXPORT_FAILED, error: error instanceof Error ? error : new Error(String(error)) });
      }
    },
    async shutdown() {
      spanExportTargets().delete(outcomes);
      await exporter.shutdown();
    },
    ...(typeof exporter.forceFlush === 'function' && { forceFlush: () => exporter.forceFlush!() }),
  };
  return monitored;
}
