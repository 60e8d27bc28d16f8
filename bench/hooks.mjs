// What each kind of hook the module may add costs on Fastify (and Express), alone, in CPU per request:
// every app of the comparison lives in this one process and they take turns, batch after batch, each
// batch of requests sent in-process with light-my-request (`app.inject`, no sockets), so a slow
// second of the machine touches all of them alike. The figure is the median over the batches of
// (CPU of the app with the hook - CPU of bare) per request; on a busy machine it holds far better
// than req/s over the network. What inject cannot see (the HTTP server's own 'request' listeners and
// Node's response-finish channel) is priced by the network bench (`npm run bench -- --only hook-...`).
//
// Usage: node bench/hooks.mjs [--adapter fastify|express|both] [--batches 30] [--batch 2000]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { machineLine, median } from './lib/compare.mjs';
import { recordSection } from './lib/results-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const { values } = parseArgs({
  options: {
    adapter: { type: 'string', default: 'fastify' },
    batches: { type: 'string', default: '30' },
    batch: { type: 'string', default: '2000' },
    results: { type: 'boolean', default: false },
    kinds: { type: 'string', default: 'on-request,pre-validation,on-send,on-response,interceptor,als' },
  },
});
const adapters = values.adapter === 'both' ? ['fastify', 'express'] : [values.adapter];
const batches = Number(values.batches);
const batch = Number(values.batch);
const kinds = values.kinds.split(',').filter(Boolean);

/** A Nest app of compare-server.cjs's kind with `variant`, initialised but not listening. */
async function makeApp(adapter, variant) {
  process.env.ADAPTER = adapter;
  process.env.VARIANT = variant;
  const { buildApp } = require(join(here, 'servers/compare-server.cjs'));
  const app = await buildApp();
  await app.init();
  if (adapter === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** Sends `n` GET /api/v1/hello in-process, 50 at a time; returns the process's CPU µs spent. */
async function send(app, adapter, n) {
  const before = process.cpuUsage();
  if (adapter === 'fastify') {
    const instance = app.getHttpAdapter().getInstance();
    for (let i = 0; i < n; i += 50) {
      const wave = [];
      for (let j = 0; j < 50 && i + j < n; j++) wave.push(instance.inject({ method: 'GET', url: '/api/v1/hello' }));
      for (const res of await Promise.all(wave)) if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  } else {
    const inject = require('light-my-request');
    const handler = app.getHttpAdapter().getInstance();
    for (let i = 0; i < n; i += 50) {
      const wave = [];
      for (let j = 0; j < 50 && i + j < n; j++) wave.push(inject(handler, { method: 'GET', url: '/api/v1/hello' }));
      for (const res of await Promise.all(wave)) if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    }
  }
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

const lines = [];
for (const adapter of adapters) {
  const apps = [['bare', await makeApp(adapter, 'bare')]];
  for (const kind of kinds) apps.push([kind, await makeApp(adapter, `hook-${kind}`)]);
  // Warm-up: every app JIT-compiled before the measured batches.
  for (const [, app] of apps) await send(app, adapter, batch);
  globalThis.__benchStorage?.disable();
  const extra = Object.fromEntries(kinds.map((k) => [k, []]));
  const bare = [];
  for (let b = 0; b < batches; b++) {
    // Rotated order; bare runs right before each hooked app, so each difference is of neighbours.
    const order = kinds.slice(b % kinds.length).concat(kinds.slice(0, b % kinds.length));
    for (const kind of order) {
      // AsyncLocalStorage hooks every promise of the process once entered: off for bare, entered again by its app.
      globalThis.__benchStorage?.disable();
      const base = (await send(apps[0][1], adapter, batch)) / batch;
      const withHook = (await send(apps.find(([k]) => k === kind)[1], adapter, batch)) / batch;
      bare.push(base);
      extra[kind].push(withHook - base);
    }
  }
  lines.push(
    `${adapter}: bare ${median(bare).toFixed(1)} µs CPU per in-process request (median of ${bare.length} batches of ${batch})`,
    ...kinds.map((k) => {
      const xs = extra[k].sort((a, b) => a - b);
      const q = (p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))];
      return `  + ${k.padEnd(16)} ${median(xs).toFixed(2).padStart(6)} µs per request (inter-quartile ${q(0.25).toFixed(2)} to ${q(0.75).toFixed(2)}), ${((median(xs) / median(bare)) * 100).toFixed(1)} % of bare`;
    }),
  );
  for (const [, app] of apps) await app.close();
}
console.log(lines.join('\n'));
if (values.results) {
  const load = loadavg();
  recordSection(
    'hooks',
    [
      '## What each kind of hook costs alone (in-process, CPU per request)',
      '',
      `Written by \`node bench/hooks.mjs ${process.argv.slice(2).join(' ')}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
      '',
      `- Machine: ${machineLine().replace(/, (server on core 0|no taskset).*$/, '')}, one process; load average at start ${load.map((x) => x.toFixed(2)).join(' / ')}${load[0] > 0.5 ? ' (busy machine: the differences are medians of many paired batches, the inter-quartile range shows the noise)' : ''}.`,
      '- Method: bare Nest and bare Nest with one empty hook of each kind, all in one process, taking turns batch after batch (bare right before each), every batch of GET /api/v1/hello sent in-process (light-my-request, 50 at a time); per batch the CPU of the process (user + system) per request; the figure is the median over the batches of the difference to the bare batch right before. AsyncLocalStorage (entered per request, as SQL counting and tracing need) hooks every promise of the process once entered: it is disabled before each bare batch, and its app enters it again. On Express the four Fastify hook kinds are each one app middleware instead (Express has no hooks), so those four rows price the same thing.',
      '',
      '```',
      ...lines,
      '```',
    ].join('\n'),
  );
}
