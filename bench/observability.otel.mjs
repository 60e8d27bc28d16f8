// Preloaded with NODE_OPTIONS=--import for the "otel" variant of bench/observability.mjs:
// OpenTelemetry's ESM loader hook, a tracer provider with no exporter, and the
// HTTP + Express auto-instrumentations, all before Nest (ES modules) loads.
import { register } from 'node:module';
import { createRequire } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const require = createRequire(import.meta.url);
const { trace } = require('@opentelemetry/api');
const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');

trace.setGlobalTracerProvider(new BasicTracerProvider());
registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation()] });
