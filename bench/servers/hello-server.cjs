// A minimal Nest app serving the sample's GET /api/v1/hello, with or without the module.
// VARIANT: bare | module (every header on) | module-off (imported, enabled: false)
// PERF_OPTIONS: JSON merged into the module options (to measure single features).
// ADAPTER: express | fastify. PORT: port to listen on. Prints "ready <port>" when listening.
'use strict';
const { listen, serve } = require('./bench-app.cjs');
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { ExpressAdapter } = require('@nestjs/platform-express');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { HelloController } = require('../../dist/apps/sample/hello/hello.controller.js');

async function main() {
  const variant = process.env.VARIANT ?? 'bare';
  const imports = [];
  if (variant !== 'bare') {
    const { PerformanceModule } = require('nestjs-performance');
    const extra = process.env.PERF_OPTIONS ? JSON.parse(process.env.PERF_OPTIONS) : {};
    imports.push(PerformanceModule.forRoot({ enabled: variant !== 'module-off', ...extra }));
  }
  class BenchModule {}
  Module({ imports, controllers: [HelloController] })(BenchModule);
  const adapter = process.env.ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  app.setGlobalPrefix('api/v1');
  await listen(app);
}
serve(main);
