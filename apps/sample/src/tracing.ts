/**
 * Starts the OpenTelemetry SDK before Nest loads (main.ts imports this file
 * first), so the HTTP instrumentation wraps the server and nestjs-performance
 * finds a registered tracer provider at start-up.
 *
 * Only when OTEL_EXPORTER_OTLP_ENDPOINT is set: spans then go to that
 * collector over OTLP/HTTP. Otherwise no SDK starts, nothing is exported and
 * tracing costs nothing. The SDK's metrics and logs exporters default to OTLP
 * on localhost:4318 and stall shutdown when nothing listens there, so they
 * are set to none unless the operator chose otherwise.
 *
 * The exporter is wrapped by monitorSpanExporter: when the collector refuses
 * or stops answering, the full /health report shows `tracing_export` down
 * (requests never wait on exports), and up again after the next export that
 * gets through.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { monitorSpanExporter } from 'nestjs-performance';

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT && process.env.OTEL_SDK_DISABLED !== 'true') {
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'nestjs-performance-sample',
    traceExporter: monitorSpanExporter(new OTLPTraceExporter()),
    instrumentations: [new HttpInstrumentation()],
  });
  sdk.start();
  const stop = () => void sdk.shutdown().catch(() => undefined);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
