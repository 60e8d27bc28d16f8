// The defaults' overhead: GET /api/v1/hello bare vs PerformanceModule with every header on and the
// other features off, and vs the module's defaults,
// on Express and Fastify, interleaved. Needs `npm run build` first.
// Usage: node bench/overhead.mjs [--rounds 6] [--duration 8] [--adapter express|fastify|both]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compare, machineLine, markdownTable, pinSelf } from './lib/compare.mjs';
import { recordSection } from './lib/results-file.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '8' },
    adapter: { type: 'string', default: 'both' },
  },
});
pinSelf();
// Every header on, every feature that can be switched off switched off (the sampler always runs).
const HEADERS_ONLY = {
  metrics: { enabled: false },
  tracing: { enabled: false },
  cache: { enabled: false },
  database: { enabled: false },
  health: { enabled: false },
  alerts: { enabled: false },
  jobs: { enabled: false },
};
const script = fileURLToPath(new URL('./servers/hello-server.cjs', import.meta.url));
const adapters = values.adapter === 'both' ? ['express', 'fastify'] : [values.adapter];
const out = [`Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${machineLine()}.`, ''];
for (const adapter of adapters) {
  const rows = await compare({
    rounds: Number(values.rounds),
    duration: Number(values.duration),
    variants: [
      { name: `bare (${adapter})`, script, env: { VARIANT: 'bare', ADAPTER: adapter }, path: '/api/v1/hello' },
      {
        name: `module, headers only (${adapter})`,
        script,
        env: { VARIANT: 'module', ADAPTER: adapter, PERF_OPTIONS: JSON.stringify(HEADERS_ONLY) },
        path: '/api/v1/hello',
      },
      { name: `module, defaults (${adapter})`, script, env: { VARIANT: 'module', ADAPTER: adapter }, path: '/api/v1/hello' },
    ],
  });
  out.push(`GET /api/v1/hello on ${adapter}, ${values.rounds} interleaved rounds of ${values.duration} s, 50 connections:`, '', markdownTable(rows), '');
}
console.log(out.join('\n'));
// Recorded in bench/RESULTS.md, in this script's own section, exactly as printed.
recordSection('overhead', ['## Overhead on GET /api/v1/hello: `node bench/overhead.mjs`', '', ...out].join('\n'));
