// A minimal Nest app (Express) serving GET /api/v1/hello for bench/observability.mjs.
// VARIANT:
//   bare        no instrumentation
//   module      PerformanceModule with metrics + tracing on, no OpenTelemetry SDK registered
//   module-sdk  the same with an SDK tracer provider registered (spans made, none exported)
//   willsoto    @willsoto/nestjs-prometheus and a typical duration-histogram interceptor
//   otel        OpenTelemetry HTTP + Express auto-instrumentation (started by observability.otel.mjs
//               through NODE_OPTIONS=--import, as ESM instrumentation needs), no exporter
// PORT: port to listen on. Prints "ready <port>" when listening.
'use strict';
const { listen, serve } = require('./servers/bench-app.cjs');
require('reflect-metadata');
const { Module, Injectable } = require('@nestjs/common');
const { APP_INTERCEPTOR, NestFactory } = require('@nestjs/core');
const { ExpressAdapter } = require('@nestjs/platform-express');
const { HelloController } = require('../dist/apps/sample/hello/hello.controller.js');

function willsotoImports() {
  const { PrometheusModule, makeHistogramProvider, getToken } = require('@willsoto/nestjs-prometheus');
  const { tap } = require('rxjs');
  // The interceptor most tutorials show: a histogram timer per request, labelled by route.
  class DurationInterceptor {
    constructor(histogram) {
      this.histogram = histogram;
    }
    intercept(context, next) {
      const req = context.switchToHttp().getRequest();
      const res = context.switchToHttp().getResponse();
      const end = this.histogram.startTimer({ method: req.method, route: req.route?.path ?? 'unknown' });
      return next.handle().pipe(tap({ finalize: () => end({ status_code: res.statusCode }) }));
    }
  }
  Injectable()(DurationInterceptor);
  Reflect.defineMetadata('design:paramtypes', [Object], DurationInterceptor);
  const token = getToken('http_request_duration_seconds');
  require('@nestjs/common').Inject(token)(DurationInterceptor, undefined, 0);
  return {
    imports: [PrometheusModule.register()],
    providers: [
      makeHistogramProvider({
        name: 'http_request_duration_seconds',
        help: 'request duration',
        labelNames: ['method', 'route', 'status_code'],
      }),
      { provide: APP_INTERCEPTOR, useClass: DurationInterceptor },
    ],
  };
}

async function main() {
  const variant = process.env.VARIANT ?? 'bare';
  let imports = [];
  let providers = [];
  if (variant === 'module-sdk') {
    const { trace } = require('@opentelemetry/api');
    const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
    trace.setGlobalTracerProvider(new BasicTracerProvider());
  }
  if (variant === 'module' || variant === 'module-sdk') {
    const { PerformanceModule } = require('nestjs-performance');
    imports.push(PerformanceModule.forRoot({ headers: false, tracing: { enabled: true }, health: { enabled: false } }));
  } else if (variant === 'willsoto') {
    ({ imports, providers } = willsotoImports());
  }
  class BenchModule {}
  Module({ imports, providers, controllers: [HelloController] })(BenchModule);
  const app = await NestFactory.create(BenchModule, new ExpressAdapter(), { logger: false });
  app.setGlobalPrefix('api/v1');
  await listen(app);
}
serve(main);
