// A minimal Nest app with TypeORM serving GET /api/v1/documents/:id (exactly one SQL statement).
// VARIANT: bare (no PerformanceModule) | db-off (module, database instrumentation off) | db-on (module, defaults)
// DATABASE_URL: sqlite::memory: (default) or postgres://... ; ADAPTER: express | fastify; PORT.
// Prints "ready <port>" when listening. Needs `npm run build` first.
'use strict';
const { listen, serve } = require('./servers/bench-app.cjs');
require('reflect-metadata');
const { Controller, Get, Inject, Module, Param, ParseIntPipe } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { ExpressAdapter } = require('@nestjs/platform-express');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
const { TypeOrmModule, getDataSourceToken } = require('@nestjs/typeorm');
const { EntitySchema } = require('typeorm');

const BenchDocument = new EntitySchema({
  name: 'BenchDocument',
  tableName: 'bench_documents',
  columns: { id: { type: Number, primary: true }, title: { type: String, length: 100 }, views: { type: Number } },
});

class DocumentsController {
  constructor(dataSource) {
    this.repo = dataSource.getRepository(BenchDocument);
  }
  get(id) {
    return this.repo.findOneBy({ id });
  }
}
Inject(getDataSourceToken())(DocumentsController, undefined, 0);
Controller('documents')(DocumentsController);
Get(':id')(DocumentsController.prototype, 'get', Object.getOwnPropertyDescriptor(DocumentsController.prototype, 'get'));
Param('id', ParseIntPipe)(DocumentsController.prototype, 'get', 0);

async function main() {
  const variant = process.env.VARIANT ?? 'bare';
  const url = process.env.DATABASE_URL ?? 'sqlite::memory:';
  const orm = url.startsWith('postgres')
    ? { type: 'postgres', url, extra: { max: 10 } }
    : { type: 'better-sqlite3', database: url.slice('sqlite:'.length) || ':memory:' };
  const imports = [TypeOrmModule.forRoot({ ...orm, entities: [BenchDocument], synchronize: true, logging: false })];
  if (variant !== 'bare') {
    const { PerformanceModule } = require('nestjs-performance');
    imports.push(PerformanceModule.forRoot({ database: { enabled: variant === 'db-on' } }));
  }
  class BenchModule {}
  Module({ imports, controllers: [DocumentsController] })(BenchModule);
  const adapter = process.env.ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(BenchModule, adapter, { logger: false });
  app.setGlobalPrefix('api/v1');
  const repo = app.get(getDataSourceToken()).getRepository(BenchDocument);
  if ((await repo.count()) === 0) {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i + 1, title: `document ${i + 1}`, views: i }));
    for (let i = 0; i < rows.length; i += 200) await repo.insert(rows.slice(i, i + 200));
  }
  await listen(app);
}
serve(main);
