// The response cache's HIT path, side by side in one run, interleaved rounds.
//   small body: HIT of a cached {"ok":true} vs the uncached /hello of the same app (target: >= 0.95)
//   ~100 KB JSON: our HIT vs @nestjs/cache-manager's CacheInterceptor HIT (target: >= 1.3)
// Needs `npm run build` first. Usage: node bench/cache.mjs [--rounds 6] [--duration 8] [--adapter express|fastify|both]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { compare, machineLine, markdownTable, pinSelf } from './lib/compare.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '6' },
    duration: { type: 'string', default: '8' },
    adapter: { type: 'string', default: 'both' },
  },
});
pinSelf();
const script = fileURLToPath(new URL('./servers/cache-server.cjs', import.meta.url));
const adapters = values.adapter === 'both' ? ['express', 'fastify'] : [values.adapter];
const rounds = Number(values.rounds);
const duration = Number(values.duration);
const out = [`Date: ${new Date().toISOString().slice(0, 10)}. Machine: ${machineLine()}.`, ''];
for (const adapter of adapters) {
  const small = await compare({
    rounds,
    duration,
    variants: [
      { name: `/hello, not cached (${adapter})`, script, env: { VARIANT: 'hello', ADAPTER: adapter }, path: '/api/v1/hello' },
      { name: `small HIT (${adapter})`, script, env: { VARIANT: 'hit-small', ADAPTER: adapter }, path: '/api/v1/small' },
    ],
  });
  out.push(
    `Small body on ${adapter}: HIT vs the cheapest route, ${rounds} interleaved rounds of ${duration} s, 50 connections (target ratio >= 0.95):`,
    '',
    markdownTable(small).replaceAll('ratio to bare', 'ratio to /hello'),
    '',
  );
  const big = await compare({
    rounds,
    duration,
    variants: [
      { name: `cache-manager HIT, 100 KB (${adapter})`, script, env: { VARIANT: 'cm-big', ADAPTER: adapter }, path: '/api/v1/big' },
      { name: `nestjs-performance HIT, 100 KB (${adapter})`, script, env: { VARIANT: 'hit-big', ADAPTER: adapter }, path: '/api/v1/big' },
    ],
  });
  out.push(
    `About 100 KB of JSON on ${adapter}: HIT vs @nestjs/cache-manager's HIT, ${rounds} interleaved rounds of ${duration} s, 50 connections (target ratio >= 1.3):`,
    '',
    markdownTable(big).replaceAll('ratio to bare', 'ratio to cache-manager'),
    '',
  );
}
console.log(out.join('\n'));
