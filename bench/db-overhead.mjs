// The cost of counting and timing SQL statements. GET /api/v1/documents/:id
// (one statement, SQLite in memory by default) with the module and its database instrumentation off,
// then on, interleaved and paired; plus the same endpoint without the module for context.
// Target: db-on keeps at least 0.95 of the req/s of db-off. Needs `npm run build` first.
// Usage: node bench/db-overhead.mjs [--rounds 6] [--duration 8] [--adapter express|fastify|both] [--database-url postgres://...]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compare, machineLine, markdownTable, pinSelf } from './lib/compare.mjs';
import { recordSection } from './lib/results-file.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '8' },
    adapter: { type: 'string', default: 'both' },
    'database-url': { type: 'string', default: 'sqlite::memory:' },
  },
});
pinSelf();
const script = fileURLToPath(new URL('./db-overhead.server.cjs', import.meta.url));
const adapters = values.adapter === 'both' ? ['express', 'fastify'] : [values.adapter];
const database = values['database-url'];
const path = '/api/v1/documents/42';
const out = [`Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${machineLine()}. Database: ${database.replace(/\/\/[^@]*@/, '//***@')}.`, ''];
for (const adapter of adapters) {
  const env = (variant) => ({ VARIANT: variant, ADAPTER: adapter, DATABASE_URL: database });
  const counting = await compare({
    rounds: Number(values.rounds),
    duration: Number(values.duration),
    variants: [
      { name: `module, database off (${adapter})`, script, env: env('db-off'), path },
      { name: `module, database on (${adapter})`, script, env: env('db-on'), path },
    ],
  });
  const total = await compare({
    rounds: Math.max(2, Math.ceil(Number(values.rounds) / 2)),
    duration: Number(values.duration),
    variants: [
      { name: `bare (${adapter})`, script, env: env('bare'), path },
      { name: `module, database on (${adapter})`, script, env: env('db-on'), path },
    ],
  });
  out.push(
    `GET ${path} on ${adapter}: the counting alone (ratio to "database off"; target >= 0.95), ${values.rounds} interleaved rounds of ${values.duration} s, 50 connections:`,
    '',
    markdownTable(counting).replace('ratio to bare', 'ratio to database off'),
    '',
    `The whole module against the bare app, for context:`,
    '',
    markdownTable(total),
    '',
  );
}
console.log(out.join('\n'));
// Recorded in bench/RESULTS.md, in this script's own section, exactly as printed.
recordSection('db-overhead', ['## Cost of SQL counting on GET /api/v1/documents/:id: `node bench/db-overhead.mjs`', '', ...out].join('\n'));
