// Metrics and tracing: GET /api/v1/hello on Express, interleaved rounds, each variant
// paired with a bare run right before it (rounds on this kind of machine swing 20-40%).
//   bare | module metrics+tracing, no SDK | module with an SDK registered, no exporter |
//   @willsoto/nestjs-prometheus + duration interceptor | OTel HTTP+Express auto-instrumentation
// Needs `npm run build` first. Usage: node bench/observability.mjs [--rounds 6] [--duration 8]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compare, machineLine, markdownTable, pinSelf } from './lib/compare.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '6' }, duration: { type: 'string', default: '8' } },
});
pinSelf();
const script = fileURLToPath(new URL('./observability.server.cjs', import.meta.url));
const otelPreload = fileURLToPath(new URL('./observability.otel.mjs', import.meta.url));
const path = '/api/v1/hello';
const bare = { name: 'bare', script, env: { VARIANT: 'bare' }, path };
const variants = [
  { name: 'module metrics+tracing, no SDK', script, env: { VARIANT: 'module' }, path },
  { name: 'module metrics+tracing, SDK, no exporter', script, env: { VARIANT: 'module-sdk' }, path },
  { name: '@willsoto/nestjs-prometheus', script, env: { VARIANT: 'willsoto' }, path },
  { name: 'OTel HTTP+Express auto', script, env: { VARIANT: 'otel', NODE_OPTIONS: `--import ${otelPreload}` }, path },
];
const out = [`Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${machineLine()}.`, ''];
for (const variant of variants) {
  // One comparison per peer: bare right before it in every round.
  const rows = await compare({ rounds: Number(values.rounds), duration: Number(values.duration), variants: [bare, variant] });
  out.push(`${variant.name} vs bare, Express, ${values.rounds} interleaved rounds of ${values.duration} s, 50 connections:`, '', markdownTable(rows), '');
}
console.log(out.join('\n'));
