// The response cache's benchmark server. VARIANT:
//   hello      PerformanceModule (defaults) + GET /api/v1/hello, not cached: the cheapest route
//   hit-small  same module, GET /api/v1/small ({"ok":true}) cached with @CacheTTL: every request after the first is a HIT
//   hit-big    same module, GET /api/v1/big (about 100 KB of JSON) cached with @CacheTTL
//   cm-big     bare Nest + @nestjs/cache-manager's CacheInterceptor (cache-manager 7, memory) on the same /api/v1/big
// ADAPTER: express | fastify. PORT: port to listen on. Prints "ready <port>" when listening.
'use strict';
const { listen, serve } = require('./bench-app.cjs');
require('reflect-metadata');
const { Controller, Get, Module, UseInterceptors } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { ExpressAdapter } = require('@nestjs/platform-express');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

function bigBody() {
  const rows = [];
  for (let i = 0; i < 1000; i++) rows.push({ id: i, title: `document number ${i}`, views: i * 7, tag: 'x'.repeat(50) });
  return { rows };
}

async function main() {
  const variant = process.env.VARIANT ?? 'hello';
  const imports = [];
  const methodDecorators = { hello: [], small: [], big: [] };
  const classDecorators = [Controller()];
  if (variant === 'cm-big') {
    const { CacheModule, CacheInterceptor } = require('@nestjs/cache-manager');
    imports.push(CacheModule.register({ ttl: 600_000 }));
    classDecorators.push(UseInterceptors(CacheInterceptor));
  } else {
    const { PerformanceModule, CacheTTL, ServeHitsEarly } = require('nestjs-performance');
    imports.push(PerformanceModule.forRoot({ metrics: { enabled: false }, cache: { maxEntryBytes: 1024 * 1024 } }));
    methodDecorators.small.push(CacheTTL(600));
    methodDecorators.big.push(CacheTTL(600));
    // hit-small-early / hit-big-early: HITs answered before the framework (@ServeHitsEarly).
    if (variant.endsWith('-early')) for (const name of ['small', 'big']) methodDecorators[name].push(ServeHitsEarly());
  }
  class BenchController {
    hello() {
      return { ok: true };
    }
    small() {
      return { ok: true };
    }
    big() {
      return bigBody();
    }
  }
  for (const name of ['hello', 'small', 'big']) {
    const descriptor = Object.getOwnPropertyDescriptor(BenchController.prototype, name);
    Reflect.decorate([...methodDecorators[name], Get(name)], BenchController.prototype, name, descriptor);
  }
  Reflect.decorate(classDecorators, BenchController);
  class BenchModule {}
  Module({ imports, controllers: [BenchController] })(BenchModule);
  const adapter = process.env.ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  app.setGlobalPrefix('api/v1');
  await listen(app);
}
serve(main);
