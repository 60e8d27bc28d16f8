import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * A feature that is off loads nothing: an app that imports the module with its
 * defaults, and uses no Redis, SMTP or TypeORM, must not pay for those packages.
 * Runs the built library (npm test builds first) in a fresh Node process, so
 * require.cache shows exactly what the module loaded.
 */
const PROBE = `
require('reflect-metadata');
const { Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { PerformanceModule } = require('nestjs-performance');
class AppModule {}
Module({ imports: [PerformanceModule.forRoot({})] })(AppModule);
NestFactory.create(AppModule, { logger: false })
  .then(async (app) => { await app.init(); await app.close(); })
  .then(() => {
    const loaded = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file.slice(file.lastIndexOf('node_modules/')));
      if (m) loaded.add(m[1]);
    }
    process.stdout.write(JSON.stringify([...loaded].sort()));
  });
`;

const NEVER_LOADED_BY_DEFAULT = [
  'ioredis',
  'nodemailer',
  'typeorm',
  'pg',
  'mysql2',
  'better-sqlite3',
  'playwright-core',
  'autocannon',
  'commander',
  'node-sql-parser',
  '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-trace-base',
];

describe('optional dependencies', () => {
  it('stay out of require.cache when their feature is not used', () => {
    const out = execFileSync(process.execPath, ['-e', PROBE], { cwd: join(__dirname, '..'), encoding: 'utf8' });
    const loaded: string[] = JSON.parse(out);
    expect(loaded).toContain('@nestjs/core'); // the probe itself works
    expect(loaded.filter((name) => NEVER_LOADED_BY_DEFAULT.includes(name))).toEqual([]);
  });
});
