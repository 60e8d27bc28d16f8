// bench/run.mjs's server for GET /api/v1/hello: the same Nest app (with a TypeORM SQLite
// DataSource in memory, unused by /hello) with one kind of instrumentation. VARIANT:
//   bare            nothing else
//   module-all      PerformanceModule with everything on but the cache: every header, metrics,
//                   tracing (an SDK tracer provider registered, no exporter), database counting
//   module-metrics  PerformanceModule with its defaults, tracing and database counting off: every
//                   header and Prometheus metrics (what willsoto + response-time give, and more)
//   module-traced   metrics + tracing (SDK, no exporter), every header;
//                   database counting off
//   defaults        PerformanceModule.forRoot({ admin: { token } }): the module as a user first meets it
//                   (headers, metrics, monitor with its live ring, health, response cache, database counting)
//   defaults-no-db  the same with database counting off: what an app without TypeORM meets (counting SQL per
//                   request carries the request's context through AsyncLocalStorage, which hooks every promise)
//   defaults-no-live  the same with the monitor's live ring (one-second aggregates) recording nothing:
//                   paired with defaults, the live ring's own cost
//   module-sampled  module-all with a parent-based 10 % trace-id ratio sampler (ParentBasedSampler +
//                   TraceIdRatioBasedSampler, the sampler NodeSDK's `sampler` option takes): tracing as
//                   production runs it
//   hook-<kind>     bare with one empty hook of the kind the module may add, to price each alone
//                   (bench/profile.mjs --variants bare,hook-...): hook-node-request (a 'request' listener
//                   prepended on the HTTP server), hook-finish-channel (a subscriber of Node's
//                   http.server.response.finish channel), hook-on-request, hook-pre-validation, hook-on-send,
//                   hook-on-response (Fastify hooks; Express: one middleware instead), hook-interceptor (a global
//                   Nest interceptor that only calls next.handle()), hook-als (AsyncLocalStorage entered per request)
//   floor           no module: AsyncLocalStorage entered per request and one OTel SDK server span
//                   per request (SDK tracer provider, no exporter), made when the response finishes.
//                   What request tracing with SQL and method spans costs at least this on Node 20, whoever builds it
//   span-floor      no module: one OTel SDK server span per request and nothing else (no AsyncLocalStorage),
//                   handed to the SDK once per event-loop turn. The least any per-request server span costs
//   willsoto        @willsoto/nestjs-prometheus + a duration-histogram interceptor + response-time middleware
//   otel            OTel HTTP + Express + Nest auto-instrumentation (preloaded by ../peers/otel.preload.mjs
//                   through NODE_OPTIONS=--import), no exporter
//   swagger-stats   swagger-stats middleware (prom-client 14, from bench/peers)
//   status-monitor  express-status-monitor middleware (from bench/peers)
// Peers outside the root install resolve from bench/peers (`npm --prefix bench/peers ci`).
// ADAPTER: express | fastify. PORT. Prints "ready <port>" when listening. Needs `npm run build`.
// GET /api/v1/hello is this file's own plain handler (the sample's carries @Timed(), see below).
'use strict';
const { listen, serve } = require('./bench-app.cjs');
require('reflect-metadata');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { Controller, Get, Inject, Injectable, Module } = require('@nestjs/common');
const { APP_INTERCEPTOR, NestFactory } = require('@nestjs/core');
const { ExpressAdapter } = require('@nestjs/platform-express');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { TypeOrmModule } = require('@nestjs/typeorm');

/**
 * GET /hello: { ok: true }, a plain handler. The sample app's /hello also carries @Timed(), an opt-in of the app
 * that with tracing on makes a second span per request (the method's) and with metrics on a histogram series:
 * the bench measures what the module costs a route that asked for nothing.
 */
class HelloController {
  hello() {
    return { ok: true };
  }
}
Reflect.decorate([Get()], HelloController.prototype, 'hello', Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello'));
Reflect.decorate([Controller('hello')], HelloController);

const peerRequire = createRequire(join(__dirname, '..', 'peers', 'package.json'));

function willsoto() {
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
      const route = req.route?.path ?? req.routeOptions?.url ?? 'unknown';
      const end = this.histogram.startTimer({ method: req.method, route });
      return next.handle().pipe(tap({ finalize: () => end({ status_code: res.statusCode }) }));
    }
  }
  Injectable()(DurationInterceptor);
  Reflect.defineMetadata('design:paramtypes', [Object], DurationInterceptor);
  Inject(getToken('http_request_duration_seconds'))(DurationInterceptor, undefined, 0);
  return {
    imports: [PrometheusModule.register()],
    providers: [
      makeHistogramProvider({ name: 'http_request_duration_seconds', help: 'request duration', labelNames: ['method', 'route', 'status_code'] }),
      { provide: APP_INTERCEPTOR, useClass: DurationInterceptor },
    ],
    middleware: [peerRequire('response-time')()],
  };
}

/**
 * The least any implementation of request tracing with SQL and method spans pays per request on Node 20: the request's
 * context carried through its async work (AsyncLocalStorage, so that SQL and @Traced spans find
 * their parent) and one SDK server span with the route, method, path and status. `als: false`
 * leaves the context out (the span floor); `batch: true` hands the spans to the SDK once per
 * event-loop turn, as the module does.
 */
function floor({ als = true, batch = false } = {}) {
  const { AsyncLocalStorage } = require('node:async_hooks');
  const { performance } = require('node:perf_hooks');
  const api = require('@opentelemetry/api');
  const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
  api.trace.setGlobalTracerProvider(new BasicTracerProvider());
  const tracer = api.trace.getTracer('floor');
  const storage = new AsyncLocalStorage();
  const makeSpan = (req, status, route, start, end) => {
    const attributes = { 'http.request.method': req.method, 'url.path': req.url, 'http.response.status_code': status };
    if (route !== undefined) attributes['http.route'] = route;
    const span = tracer.startSpan(
      `${req.method} ${route ?? ''}`,
      { kind: api.SpanKind.SERVER, startTime: performance.timeOrigin + start, attributes },
      api.ROOT_CONTEXT,
    );
    span.end(performance.timeOrigin + end);
  };
  let pending = [];
  const flush = () => {
    const spans = pending;
    pending = [];
    for (const args of spans) makeSpan(...args);
  };
  /** Enters the context (unless `als` is off), and makes the span once the response is sent. */
  const track = (req, res, routeOf, next) => {
    const start = performance.now();
    res.once('finish', () => {
      const args = [req, res.statusCode, routeOf(), start, performance.now()];
      if (!batch) return makeSpan(...args);
      if (pending.length === 0) setImmediate(flush);
      pending.push(args);
    });
    if (als) storage.run({ req }, next);
    else next();
  };
  // Each framework's own cheapest hook: Express middleware, a Fastify onRequest hook (Nest's app.use
  // on Fastify goes through @fastify/middie, which bare Fastify does not load).
  const setup = (app) => {
    if (process.env.ADAPTER === 'fastify') {
      app
        .getHttpAdapter()
        .getInstance()
        .addHook('onRequest', (request, reply, done) => {
          track(request.raw, reply.raw, () => request.routeOptions?.url, done);
        });
    } else {
      app.use((req, res, next) => track(req, res, () => (req.route?.path === undefined ? undefined : (req.baseUrl ?? '') + req.route.path), next));
    }
  };
  return { setup };
}

/** The admin token of the `defaults` variants (the admin API needs one to be mounted). */
const ADMIN_TOKEN = 'bench-admin-token-0123456789';

/** PerformanceModule.forRoot({ admin: { token } }); `live: false` makes the monitor's live ring record nothing. */
function defaults({ live, database = true }) {
  if (!live) {
    // The same file the package resolves to (node_modules/nestjs-performance links to libs/performance).
    const { LiveRing } = require('../../libs/performance/dist/monitor/live-ring.js');
    for (const name of ['recordResponse', 'recordQuery', 'recordCache']) LiveRing.prototype[name] = function noop() {};
  }
  const { PerformanceModule } = require('nestjs-performance');
  return {
    imports: [PerformanceModule.forRoot(database ? { admin: { token: ADMIN_TOKEN } } : { admin: { token: ADMIN_TOKEN }, database: { enabled: false } })],
  };
}

/**
 * PerformanceModule with metrics and every header, the cache off; tracing with an SDK tracer provider and no exporter,
 * every request traced, or with `ratio` a parent-based trace-id ratio sampler (the one NodeSDK's `sampler` option takes).
 */
function performanceModule({ tracing, database, ratio }) {
  if (tracing) {
    const { trace } = require('@opentelemetry/api');
    const { BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } = require('@opentelemetry/sdk-trace-base');
    const sampler = ratio === undefined ? undefined : new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    trace.setGlobalTracerProvider(new BasicTracerProvider(sampler ? { sampler } : {}));
  }
  const { PerformanceModule } = require('nestjs-performance');
  return {
    imports: [
      PerformanceModule.forRoot({
        metrics: { enabled: true },
        tracing: { enabled: tracing },
        database: { enabled: database },
        cache: { enabled: false },
      }),
    ],
  };
}

/** One empty hook of one kind (see the list at the top). */
function hook(kind) {
  const noop = () => {};
  switch (kind) {
    case 'interceptor': {
      class PassThrough {
        intercept(_context, next) {
          return next.handle();
        }
      }
      Injectable()(PassThrough);
      return { providers: [{ provide: APP_INTERCEPTOR, useClass: PassThrough }] };
    }
    case 'finish-channel':
      require('node:diagnostics_channel').subscribe('http.server.response.finish', noop);
      return {};
    case 'node-request':
      return { setup: (app) => app.getHttpServer().prependListener('request', noop) };
    case 'als': {
      const { AsyncLocalStorage } = require('node:async_hooks');
      const storage = new AsyncLocalStorage();
      // bench/hooks.mjs turns it off before each bare batch (Node removes its hooks once every storage is disabled).
      globalThis.__benchStorage = storage;
      return {
        setup: (app) => {
          if (process.env.ADAPTER === 'fastify')
            app
              .getHttpAdapter()
              .getInstance()
              .addHook('preValidation', (request, _reply, done) => storage.run(request, done));
          else app.use((req, _res, next) => storage.run(req, next));
        },
      };
    }
    default: {
      const name = { 'on-request': 'onRequest', 'pre-validation': 'preValidation', 'on-send': 'onSend', 'on-response': 'onResponse' }[kind];
      if (!name) throw new Error(`unknown hook ${kind}`);
      return {
        setup: (app) => {
          if (process.env.ADAPTER !== 'fastify') return app.use((_req, _res, next) => next());
          const instance = app.getHttpAdapter().getInstance();
          if (name === 'onSend') instance.addHook(name, (_request, _reply, payload, done) => done(null, payload));
          else instance.addHook(name, (_request, _reply, done) => done());
        },
      };
    }
  }
}

function variantParts(variant) {
  if (variant.startsWith('hook-')) return hook(variant.slice('hook-'.length));
  switch (variant) {
    case 'bare':
      return {};
    case 'module-all':
      return performanceModule({ tracing: true, database: true });
    case 'module-metrics':
      return performanceModule({ tracing: false, database: false });
    case 'module-traced':
      return performanceModule({ tracing: true, database: false });
    case 'module-sampled':
      return performanceModule({ tracing: true, database: true, ratio: 0.1 });
    case 'defaults':
      return defaults({ live: true });
    case 'defaults-no-live':
      return defaults({ live: false });
    case 'defaults-no-db':
      return defaults({ live: true, database: false });
    case 'floor':
      return floor();
    case 'span-floor':
      return floor({ als: false, batch: true });
    case 'willsoto':
      return willsoto();
    case 'otel':
      if (!globalThis.__benchOtelPreloaded) throw new Error('otel variant needs NODE_OPTIONS=--import bench/peers/otel.preload.mjs');
      return {};
    case 'swagger-stats':
      return { middleware: [peerRequire('swagger-stats').getMiddleware({})] };
    case 'status-monitor':
      return { middleware: [peerRequire('express-status-monitor')()] };
    default:
      throw new Error(`unknown VARIANT ${variant}`);
  }
}

/** The app of VARIANT on ADAPTER, not initialised (bench/hooks.mjs builds several in one process). */
async function buildApp() {
  const { imports = [], providers = [], middleware = [], setup } = variantParts(process.env.VARIANT ?? 'bare');
  class BenchModule {}
  const orm = TypeOrmModule.forRoot({ type: 'better-sqlite3', database: ':memory:', entities: [], logging: false });
  Module({ imports: [orm, ...imports], providers, controllers: [HelloController] })(BenchModule);
  const adapter = process.env.ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  for (const m of middleware) app.use(m);
  setup?.(app);
  app.setGlobalPrefix('api/v1');
  return app;
}

module.exports = { buildApp };
if (require.main === module) serve(async () => listen(await buildApp()));
