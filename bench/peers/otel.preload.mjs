// Preloaded with NODE_OPTIONS=--import for the "otel" variant of bench/run.mjs: OpenTelemetry's
// ESM loader hook, a tracer provider with no exporter, and the HTTP + Express + NestJS
// auto-instrumentations, all resolved from bench/peers and started before Nest (ES modules) loads.
// Note: @opentelemetry/instrumentation-nestjs-core accepts only Nest below 12, so on Nest 12 it
// patches nothing and makes no spans; it is loaded because users would install it.
import { register, createRequire } from 'node:module';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
const require = createRequire(import.meta.url);
const { trace } = require('@opentelemetry/api');
const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express');
const { NestInstrumentation } = require('@opentelemetry/instrumentation-nestjs-core');

trace.setGlobalTracerProvider(new BasicTracerProvider());
registerInstrumentations({ instrumentations: [new HttpInstrumentation(), new ExpressInstrumentation(), new NestInstrumentation()] });
globalThis.__benchOtelPreloaded = true;
