// The hot path before and after a change, side by side in one run: the same three module
// set-ups built from an earlier commit and from this tree, each paired with this tree's bare
// app right before it, rounds interleaved, on Express and Fastify.
//   everything on   compare-server.cjs VARIANT=module-all (headers, metrics, tracing with an SDK
//                   and no exporter, database counting with a DataSource; cache off), GET /hello
//   defaults        hello-server.cjs VARIANT=module (the module's defaults, no TypeORM), GET /hello
//   cache HIT       cache-server.cjs VARIANT=hit-small (defaults, metrics off), GET /small, a HIT
// Usage (both trees built with `npm run build`):
//   git worktree add ../before <commit> && (cd ../before && npm ci && npm run build)
//   node bench/hot-path.mjs --before ../before [--rounds 3] [--duration 5] [--adapter both]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compare, machineLine, markdownTable, pinSelf } from './lib/compare.mjs';
import { recordSection } from './lib/results-file.mjs';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    adapter: { type: 'string', default: 'both' },
  },
});
const here = fileURLToPath(new URL('.', import.meta.url));
const after = resolve(here, '..');
if (!values.before || !existsSync(join(values.before, 'libs/performance/dist/index.js'))) {
  console.error('--before must name a built checkout of the earlier commit (see the usage at the top of this file)');
  process.exit(2);
}
const before = resolve(values.before);
const commitOf = (dir) => execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']).toString().trim();
const dirty = (dir) =>
  execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no', '--', 'libs', 'apps', 'bench']).toString().trim() !== '';
const label = { before: commitOf(before), after: `${commitOf(after)}${dirty(after) ? ' + uncommitted changes' : ''}` };

pinSelf();
const adapters = values.adapter === 'both' ? ['express', 'fastify'] : [values.adapter];
const setups = [
  { name: 'everything on', script: 'compare-server.cjs', env: { VARIANT: 'module-all' }, path: '/api/v1/hello' },
  { name: 'defaults', script: 'hello-server.cjs', env: { VARIANT: 'module' }, path: '/api/v1/hello' },
  { name: 'cache HIT, small body', script: 'cache-server.cjs', env: { VARIANT: 'hit-small' }, path: '/api/v1/small' },
];
const out = [
  `Written by \`node bench/hot-path.mjs --before <checkout of ${label.before}> --rounds ${values.rounds} --duration ${values.duration}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
  '',
  `- Machine: ${machineLine()}.`,
  `- Before: commit ${label.before}. After: commit ${label.after}. Baseline: this tree's bare app (compare-server.cjs VARIANT=bare, GET /api/v1/hello).`,
  `- Method: ${values.rounds} rounds; every variant runs right after its own bare run, in an order rotated from round to round; 2 s of warm-up then ${values.duration} s measured, autocannon, 50 connections.`,
  '',
];
for (const adapter of adapters) {
  const variants = [
    { name: `bare (${adapter})`, script: join(after, 'bench/servers/compare-server.cjs'), env: { VARIANT: 'bare', ADAPTER: adapter }, path: '/api/v1/hello' },
  ];
  for (const s of setups) {
    for (const [when, dir] of [
      ['before', before],
      ['after', after],
    ]) {
      variants.push({
        name: `${s.name}, ${when} (${adapter})`,
        script: join(dir, 'bench/servers', s.script),
        env: { ...s.env, ADAPTER: adapter },
        path: s.path,
      });
    }
  }
  const rows = await compare({ variants, rounds: Number(values.rounds), duration: Number(values.duration), pairEach: true });
  out.push(`### ${adapter}`, '', markdownTable(rows), '');
}
console.log(out.join('\n'));
recordSection('hot-path', ['## The hot path before and after', '', ...out].join('\n'));
