// The whole comparison in one run, written to bench/RESULTS.md.
//
//   GET /api/v1/hello, every variant paired with a bare run right before it:
//     bare NestJS | this module, everything on but the cache | metrics + tracing | headers + metrics |
//     the floor of request tracing (AsyncLocalStorage + one SDK span, no module) | the span floor (one SDK span, no
//     AsyncLocalStorage, no module) | its cache HIT on a small body (through
//     Nest, and served early with @ServeHitsEarly) |
//     @willsoto/nestjs-prometheus + duration interceptor + response-time | OTel HTTP+Express+Nest auto |
//     swagger-stats | express-status-monitor
//   GET /api/v1/big (about 100 KB of JSON): @nestjs/cache-manager's HIT, then this module's HIT.
//
// Round by round: every comparison of every adapter runs once per round before the next round
// starts, so a slow minute of the machine touches all of them alike. The goals are
// checked from the figures. Peers that must stay out of the root install live in bench/peers
// and are installed here on demand.
//
// Usage: npm run bench [-- --quick] [-- --rounds 6 --duration 6 --only module,willsoto --adapter express]
//        node bench/run.mjs --help
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compare, machineLine, pinSelf, summarize } from './lib/compare.mjs';
import { replaceSection } from './lib/results-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

const VARIANTS = [
  'module',
  'module-traced',
  'module-metrics',
  'floor',
  'span-floor',
  'cache-small',
  'cache-small-early',
  'cache-big',
  'willsoto',
  'otel',
  'swagger-stats',
  'status-monitor',
];
const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    adapter: { type: 'string', default: 'both' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    section: { type: 'string', default: 'run' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`node bench/run.mjs [options]   (npm run bench -- [options] builds first)
  --rounds N        interleaved rounds (default 6; --quick 1)
  --duration S      measured seconds per run (default 6; --quick 2)
  --warmup S        unmeasured seconds before each run (default 2; --quick 1)
  --connections N   autocannon connections (default 50)
  --adapter A       express | fastify | both (default both)
  --only LIST       comma list of: ${VARIANTS.join(', ')} (bare always runs)
  --quick           a 2-3 minute smoke: 1 round, short runs, written to bench/.tmp/RESULTS.quick.md
  --out FILE        where to write (default bench/RESULTS.md; --quick: bench/.tmp/RESULTS.quick.md)
  --section NAME    the section of that file to replace (default run); a focused run
                    (--only, --adapter) can keep its own beside the full comparison
Defaults take about 40 minutes on a 2-core machine.`);
  process.exit(0);
}
const positive = (name, fallback, quick) => {
  const n = Number(values[name] ?? (values.quick ? quick : fallback));
  if (!Number.isFinite(n) || n < (name === 'warmup' ? 0 : 1)) throw new Error(`--${name} must be a positive number (got ${values[name]})`);
  return n;
};
const rounds = positive('rounds', 6, 1);
const duration = positive('duration', 6, 2);
const warmup = positive('warmup', 2, 1);
const connections = positive('connections', 50, 50);
const adapters = values.adapter === 'both' ? ['express', 'fastify'] : [values.adapter];
if (!adapters.every((a) => a === 'express' || a === 'fastify')) throw new Error(`--adapter must be express, fastify or both (got ${values.adapter})`);
const only = values.only
  ? values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : VARIANTS;
const unknown = only.filter((v) => !VARIANTS.includes(v));
if (unknown.length) throw new Error(`--only: unknown variant(s) ${unknown.join(', ')}; known: ${VARIANTS.join(', ')}`);
if (!/^[a-z0-9-]+$/.test(values.section)) throw new Error(`--section must be lower-case letters, digits and dashes (got ${values.section})`);
const out = values.out ?? join(here, values.quick ? '.tmp/RESULTS.quick.md' : 'RESULTS.md');

for (const built of ['dist/apps/sample/hello/hello.controller.js', 'libs/performance/dist/index.js']) {
  if (!existsSync(join(root, built))) throw new Error(`${built} is missing: run \`npm run build\` first (npm run bench does)`);
}

// Peers outside the root install (swagger-stats needs prom-client <= 14): installed on demand.
const PEERS = join(here, 'peers');
const needsPeers = only.some((v) => ['willsoto', 'otel', 'swagger-stats', 'status-monitor'].includes(v));
if (needsPeers) {
  const stamp = join(PEERS, 'node_modules', '.package-lock.json');
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(join(PEERS, 'package-lock.json')).mtimeMs) {
    process.stderr.write('installing bench/peers (npm ci)...\n');
    const r = spawnSync('npm', ['--prefix', PEERS, 'ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm --prefix bench/peers ci failed');
  }
}

pinSelf();
const startLoad = loadavg();
const helloScript = join(here, 'servers/compare-server.cjs');
const cacheScript = join(here, 'servers/cache-server.cjs');
const otelPreload = join(PEERS, 'otel.preload.mjs');
const hello = '/api/v1/hello';

/** The comparisons of one adapter: [{ id, title, variants: [baseline, ...] }]. */
function comparisons(adapter) {
  const h = (id, name, variant, extra = {}) => ({
    id,
    name: `${name} (${adapter})`,
    script: helloScript,
    env: { VARIANT: variant, ADAPTER: adapter, ...extra },
    path: hello,
  });
  const expressOnly = adapter === 'express';
  const helloVariants = [
    h('bare', 'bare NestJS', 'bare'),
    only.includes('module') && h('module', 'nestjs-performance, everything on (cache off)', 'module-all'),
    only.includes('module-traced') && h('module-traced', 'nestjs-performance, metrics + tracing (DB counting off)', 'module-traced'),
    only.includes('module-metrics') && h('module-metrics', 'nestjs-performance, headers + metrics (tracing and DB counting off)', 'module-metrics'),
    only.includes('floor') && h('floor', 'floor: AsyncLocalStorage + one OTel SDK span per request, no module', 'floor'),
    only.includes('span-floor') && h('span-floor', 'span floor: one OTel SDK span per request, no module', 'span-floor'),
    only.includes('cache-small') && {
      id: 'cache-small',
      name: `nestjs-performance cache HIT, small body (${adapter})`,
      script: cacheScript,
      env: { VARIANT: 'hit-small', ADAPTER: adapter },
      path: '/api/v1/small',
    },
    only.includes('cache-small-early') && {
      id: 'cache-small-early',
      name: `nestjs-performance cache HIT served early (@ServeHitsEarly), small body (${adapter})`,
      script: cacheScript,
      env: { VARIANT: 'hit-small-early', ADAPTER: adapter },
      path: '/api/v1/small',
    },
    only.includes('willsoto') && h('willsoto', '@willsoto/nestjs-prometheus + response-time', 'willsoto'),
    // OTel's Express instrumentation, swagger-stats and express-status-monitor are Express-only.
    expressOnly && only.includes('otel') && h('otel', 'OTel HTTP+Express+Nest auto', 'otel', { NODE_OPTIONS: `--import ${otelPreload}` }),
    expressOnly && only.includes('swagger-stats') && h('swagger-stats', 'swagger-stats', 'swagger-stats'),
    expressOnly && only.includes('status-monitor') && h('status-monitor', 'express-status-monitor', 'status-monitor'),
  ].filter(Boolean);
  const list = [
    { id: 'hello', adapter, title: `GET ${hello} on ${adapter}; ratio to the bare run right before each`, ratioTo: 'bare', variants: helloVariants },
  ];
  if (only.includes('cache-big')) {
    const c = (id, name, variant) => ({
      id,
      name: `${name} (${adapter})`,
      script: cacheScript,
      env: { VARIANT: variant, ADAPTER: adapter },
      path: '/api/v1/big',
    });
    list.push({
      id: 'big',
      adapter,
      title: `GET /api/v1/big (about 100 KB of JSON, every request a HIT) on ${adapter}; ratio to the cache-manager run right before`,
      ratioTo: 'cache-manager',
      variants: [c('cache-manager', '@nestjs/cache-manager HIT, 100 KB', 'cm-big'), c('cache-big', 'nestjs-performance HIT, 100 KB', 'hit-big')],
    });
  }
  return list.filter((g) => g.variants.length > 1);
}

const groups = adapters.flatMap(comparisons);
const acc = groups.map((g) => ({
  runs: Object.fromEntries(g.variants.map((v) => [v.name, []])),
  ratios: Object.fromEntries(g.variants.slice(1).map((v) => [v.name, []])),
}));
const started = Date.now();
for (let round = 1; round <= rounds; round++) {
  for (const [i, g] of groups.entries()) {
    const rows = await compare({ variants: g.variants, rounds: 1, firstRound: round, duration, warmup, connections, pairEach: true });
    for (const row of rows) {
      acc[i].runs[row.name].push(...row.runs);
      if (acc[i].ratios[row.name]) acc[i].ratios[row.name].push(...row.ratios);
    }
  }
  process.stderr.write(`round ${round}/${rounds} done after ${((Date.now() - started) / 60000).toFixed(1)} min\n`);
}
const results = groups.map((g, i) => ({ ...g, rows: summarize(g.variants, acc[i].runs, acc[i].ratios).map((r, j) => ({ ...r, id: g.variants[j].id })) }));

// ---- goals, computed from the figures ----
const find = (adapter, id) => {
  for (const g of results) if (g.adapter === adapter) for (const r of g.rows) if (r.id === id) return r;
  return undefined;
};
const fmt = (x) => x.toFixed(3);
const pairsMeeting = (ratios, target) => `${ratios.filter((r) => r >= target).length}/${ratios.length}`;
const goals = [];
for (const adapter of adapters) {
  const mod = find(adapter, 'module');
  /** The >= 0.90 row and one row per peer for a set-up of this module. */
  const setUpGoals = (row, label, peers) => {
    goals.push(
      row
        ? {
            adapter,
            goal: `${label} keeps >= 0.90 of bare req/s`,
            figure: `${fmt(row.medianRatio)} (${fmt(row.minRatio)}-${fmt(row.maxRatio)})`,
            pairs: pairsMeeting(row.ratios, 0.9),
            met: row.medianRatio >= 0.9,
          }
        : { adapter, goal: `${label} keeps >= 0.90 of bare req/s` },
    );
    for (const peer of peers) {
      const p = find(adapter, peer);
      if (!p) continue;
      const goal = `${label} is ahead of ${p.name.replace(/ \(\w+\)$/, '')} (ratios to bare)`;
      if (!row) {
        goals.push({ adapter, goal });
        continue;
      }
      // Both are paired with bare runs of the same rounds: compare round by round too.
      const ahead = row.ratios.filter((r, k) => k < p.ratios.length && r > p.ratios[k]).length;
      goals.push({
        adapter,
        goal,
        figure: `${fmt(row.medianRatio)} vs ${fmt(p.medianRatio)}`,
        pairs: `${ahead}/${Math.min(row.ratios.length, p.ratios.length)} rounds ahead`,
        met: row.medianRatio > p.medianRatio,
      });
    }
  };
  // Everything on against every peer; metrics + tracing against willsoto and OTel.
  setUpGoals(mod, 'everything on', ['willsoto', 'otel', 'swagger-stats', 'status-monitor']);
  if (only.includes('module-traced')) setUpGoals(find(adapter, 'module-traced'), 'metrics + tracing', ['willsoto', 'otel']);
  if (only.includes('module-metrics')) setUpGoals(find(adapter, 'module-metrics'), 'headers + metrics (the job willsoto + response-time do)', ['willsoto']);
  const fl = find(adapter, 'floor');
  if (fl) {
    // Not a goal of this module: what any implementation of request tracing with SQL and method spans pays on this Node.
    goals.push({
      adapter,
      goal: 'floor (AsyncLocalStorage + one SDK span, no module) keeps >= 0.90 of bare req/s: if not, no implementation of "everything on" can',
      figure: `${fmt(fl.medianRatio)} (${fmt(fl.minRatio)}-${fmt(fl.maxRatio)})`,
      pairs: pairsMeeting(fl.ratios, 0.9),
      met: fl.medianRatio >= 0.9,
    });
    if (mod)
      goals.push({
        adapter,
        goal: "everything on keeps >= 0.90 of the floor (the module's own cost on top of it)",
        figure: `${fmt(mod.medianRatio / fl.medianRatio)} (${fmt(mod.medianRatio)} / ${fmt(fl.medianRatio)})`,
        pairs: '-',
        met: mod.medianRatio / fl.medianRatio >= 0.9,
      });
  }
  const sf = find(adapter, 'span-floor');
  const traced = find(adapter, 'module-traced');
  if (sf) {
    // Not a goal of this module: what one SDK span per request costs by itself, with nothing else.
    goals.push({
      adapter,
      goal: 'span floor (one SDK span per request, no module) keeps >= 0.90 of bare req/s',
      figure: `${fmt(sf.medianRatio)} (${fmt(sf.minRatio)}-${fmt(sf.maxRatio)})`,
      pairs: pairsMeeting(sf.ratios, 0.9),
      met: sf.medianRatio >= 0.9,
    });
    if (traced)
      goals.push({
        adapter,
        goal: "metrics + tracing keeps >= 0.90 of the span floor (the module's own cost on top of the span)",
        figure: `${fmt(traced.medianRatio / sf.medianRatio)} (${fmt(traced.medianRatio)} / ${fmt(sf.medianRatio)})`,
        pairs: '-',
        met: traced.medianRatio / sf.medianRatio >= 0.9,
      });
  }
  const small = find(adapter, 'cache-small');
  if (small)
    goals.push({
      adapter,
      goal: 'cache HIT, small body, >= 0.95 of bare /hello',
      figure: `${fmt(small.medianRatio)} (${fmt(small.minRatio)}-${fmt(small.maxRatio)})`,
      pairs: pairsMeeting(small.ratios, 0.95),
      met: small.medianRatio >= 0.95,
    });
  const early = find(adapter, 'cache-small-early');
  if (early)
    goals.push({
      adapter,
      goal: 'cache HIT served early (@ServeHitsEarly, opt-in), small body, >= 0.95 of bare /hello',
      figure: `${fmt(early.medianRatio)} (${fmt(early.minRatio)}-${fmt(early.maxRatio)})`,
      pairs: pairsMeeting(early.ratios, 0.95),
      met: early.medianRatio >= 0.95,
    });
  const big = find(adapter, 'cache-big');
  if (big)
    goals.push({
      adapter,
      goal: 'cache HIT, ~100 KB, >= 1.3x cache-manager HIT',
      figure: `${fmt(big.medianRatio)} (${fmt(big.minRatio)}-${fmt(big.maxRatio)})`,
      pairs: pairsMeeting(big.ratios, 1.3),
      met: big.medianRatio >= 1.3,
    });
}

// ---- versions ----
const rootRequire = createRequire(join(root, 'package.json'));
const peerRequire = createRequire(join(PEERS, 'package.json'));
const version = (req, name) => {
  try {
    return req(`${name}/package.json`).version;
  } catch {
    // Packages whose "exports" hide package.json: read it beside their entry point's node_modules folder.
    try {
      const entry = req.resolve(name);
      const dir = entry.slice(0, entry.lastIndexOf(`node_modules/${name}/`) + `node_modules/${name}/`.length);
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
    } catch {
      return 'not installed';
    }
  }
};
const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).stdout?.toString().trim() || 'unknown';
const dirty = spawnSync('git', ['status', '--porcelain', '--', 'libs', 'apps', 'bench'], { cwd: root }).stdout?.toString().trim()
  ? ' (with uncommitted changes)'
  : '';
const versions = [
  `nestjs-performance ${JSON.parse(readFileSync(join(root, 'libs/performance/package.json'), 'utf8')).version} (commit ${commit}${dirty})`,
  ...[
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/platform-fastify',
    '@nestjs/cache-manager',
    'cache-manager',
    '@willsoto/nestjs-prometheus',
    'autocannon',
  ].map((n) => `${n} ${version(rootRequire, n)}`),
  ...(needsPeers
    ? [
        'response-time',
        'swagger-stats',
        'prom-client',
        'express-status-monitor',
        '@opentelemetry/instrumentation-http',
        '@opentelemetry/instrumentation-express',
        '@opentelemetry/instrumentation-nestjs-core',
      ].map((n) => `${n} ${version(peerRequire, n)}${n === 'prom-client' ? ' (bench/peers, for swagger-stats)' : ''}`)
    : []),
];

// ---- the section ----
const minutes = ((Date.now() - started) / 60000).toFixed(1);
const lines = [
  values.section === 'run'
    ? `## Benchmark: this module against bare NestJS and its peers`
    : `## Focused run (section ${values.section}): ${only.join(', ')} on ${adapters.join(' and ')}`,
  '',
  `Written by \`npm run bench\`${process.argv.length > 2 ? ` (\`node bench/run.mjs ${process.argv.slice(2).join(' ')}\`)` : ''} on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; do not edit by hand.${values.quick ? ' **Quick smoke run: too short to judge the goals.**' : ''}`,
  '',
  `- Machine: ${machineLine()}; load average at start ${startLoad.map((x) => x.toFixed(2)).join(' / ')}${startLoad[0] > 0.5 ? ' (**the machine was not quiet: treat the figures with care**)' : ''}.`,
  `- Method: ${rounds} round(s); in each, every comparison of every adapter runs once; every variant runs right after its own baseline run, in an order rotated from round to round; each run starts a fresh server, ${warmup} s of warm-up then ${duration} s measured with autocannon, ${connections} connections, to 127.0.0.1. Total ${minutes} min.`,
  `- Versions: ${versions.join(', ')}.`,
  `- Ratio: a variant's req/s over its baseline's run just before it; the median of those pairs, with their min-max (the spread). req/s is the median of the runs (min-max); p99 and RSS (after the run) are medians.`,
  `- "Everything on": every header, Prometheus metrics, tracing with an SDK tracer provider and no exporter, database counting (a TypeORM SQLite DataSource is in every /hello variant, bare included); cache off. "Metrics + tracing": every header, metrics and tracing as above, database counting off. "Headers + metrics": the module's defaults with tracing and database counting off. "Floor": no module, only what request tracing with SQL and method spans needs whoever writes it: AsyncLocalStorage entered per request (Node 20 has no other way for SQL and @Traced spans to find their request) and one SDK server span per request (bench/servers/compare-server.cjs). "Span floor": no module, one SDK server span per request and nothing else, handed to the SDK once per event-loop turn as the module does: what the span of the metrics + tracing set-up costs by itself. Cache HIT variants: module defaults with metrics off, a route with @CacheTTL. On Nest 12, the OTel Nest instrumentation makes no spans (it accepts only Nest < 12).`,
  '',
  `### Goals, checked from the figures below`,
  '',
  '| adapter | goal | figure: median (min-max of pairs) | pairs meeting it | result |',
  '|---|---|---|---|---|',
  ...goals.map(
    (g) => `| ${g.adapter} | ${g.goal} | ${g.figure ?? 'not run'} | ${g.pairs ?? '-'} | ${g.met === undefined ? 'not run' : g.met ? 'met' : '**missed**'} |`,
  ),
  '',
];
for (const g of results) {
  lines.push(
    `### ${g.title}`,
    '',
    `| variant | median req/s (min-max) | ratio to ${g.ratioTo}, median (min-max of pairs) | p99 ms | RSS MB | errors |`,
    '|---|---|---|---|---|---|',
  );
  for (const r of g.rows) {
    const ratio = r.id === g.variants[0].id ? '1 (baseline)' : `${fmt(r.medianRatio)} (${fmt(r.minRatio)}-${fmt(r.maxRatio)})`;
    lines.push(
      `| ${r.name} | ${r.medianRps.toFixed(0)} (${r.minRps.toFixed(0)}-${r.maxRps.toFixed(0)}) | ${ratio} | ${r.medianP99} | ${r.medianRssMb} | ${r.errors} |`,
    );
  }
  lines.push('');
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, replaceSection(existsSync(out) ? readFileSync(out, 'utf8') : '', values.section, lines.join('\n')));
console.log(lines.join('\n'));
process.stderr.write(`written to ${relative(process.cwd(), out)} after ${minutes} min\n`);
