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
  'defaults',
  'defaults-no-swagger',
  'defaults-no-db',
  'module-metrics',
  'module',
  'floor',
  'module-sampled',
  'cache-small',
  'live-ring',
  'module-traced',
  'span-floor',
  'cache-small-early',
  'cache-big',
  'willsoto',
  'otel',
  'swagger-stats',
  'status-monitor',
];
/** What a run without --only measures: one row per goal of the comparison (peers and the rest with --only or --all). */
const GOAL_VARIANTS = ['defaults', 'defaults-no-swagger', 'defaults-no-db', 'module-metrics', 'module', 'floor', 'module-sampled', 'cache-small', 'live-ring'];
const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    adapter: { type: 'string', default: 'both' },
    quick: { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    out: { type: 'string' },
    section: { type: 'string', default: 'run' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`node bench/run.mjs [options]   (npm run bench -- [options] builds first)
  --rounds N        interleaved rounds (default 6; --quick 1)
  --duration S      measured seconds per run (default 4; --quick 2)
  --warmup S        unmeasured seconds before each run (default 1; --quick 1)
  --connections N   autocannon connections (default 50)
  --adapter A       express | fastify | both (default both)
  --only LIST       comma list of: ${VARIANTS.join(', ')}, ${HOOKS.join(', ')} (bare always runs);
                    default: the goal rows (${GOAL_VARIANTS.join(', ')})
  --all             every variant, peers included (longer)
  --quick           a 2-3 minute smoke: 1 round, short runs, written to bench/.tmp/RESULTS.quick.md
  --out FILE        where to write (default bench/RESULTS.md; --quick: bench/.tmp/RESULTS.quick.md)
  --section NAME    the section of that file to replace (default run); a focused run
                    (--only, --adapter) can keep its own beside the full comparison
Defaults (the goal rows, both adapters, 6 rounds of 1 + 4 s runs: 192 server starts) take about 22 minutes on a 2-core machine.`);
  process.exit(0);
}
const positive = (name, fallback, quick) => {
  const n = Number(values[name] ?? (values.quick ? quick : fallback));
  if (!Number.isFinite(n) || n < (name === 'warmup' ? 0 : 1)) throw new Error(`--${name} must be a positive number (got ${values[name]})`);
  return n;
};
const rounds = positive('rounds', 6, 1);
const duration = positive('duration', 4, 2);
const warmup = positive('warmup', 1, 1);
const connections = positive('connections', 50, 50);
const adapters = values.adapter === 'both' ? ['express', 'fastify'] : [values.adapter];
if (!adapters.every((a) => a === 'express' || a === 'fastify')) throw new Error(`--adapter must be express, fastify or both (got ${values.adapter})`);
const only = values.only
  ? values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : values.all
    ? VARIANTS
    : GOAL_VARIANTS;
// hook-<kind>: one empty hook of a kind the module may add, alone on bare (see bench/servers/compare-server.cjs).
const HOOKS = [
  'hook-node-request',
  'hook-finish-channel',
  'hook-on-request',
  'hook-pre-validation',
  'hook-on-send',
  'hook-on-response',
  'hook-interceptor',
  'hook-als',
];
const unknown = only.filter((v) => !VARIANTS.includes(v) && !HOOKS.includes(v));
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
const hidePackages = join(root, 'test/fixtures/hide-packages.cjs');
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
    only.includes('defaults') && h('defaults', 'nestjs-performance defaults: forRoot({ admin: { token } })', 'defaults'),
    // The same app where @nestjs/swagger is not installed (this repository installs it for the sample): the module then
    // loads nothing to describe its routes to Swagger, as in an app that does not use Swagger.
    only.includes('defaults-no-swagger') &&
      h('defaults-no-swagger', 'nestjs-performance defaults, @nestjs/swagger not installed', 'defaults', {
        NODE_OPTIONS: `--require ${hidePackages}`,
        HIDE_PACKAGES: '@nestjs/swagger',
      }),
    only.includes('defaults-no-db') && h('defaults-no-db', 'nestjs-performance defaults, database counting off (an app without TypeORM)', 'defaults-no-db'),
    only.includes('module') && h('module', 'nestjs-performance, everything on (cache off), every request traced', 'module-all'),
    only.includes('module-sampled') && h('module-sampled', 'nestjs-performance, everything on (cache off), parent-based 10 % sampler', 'module-sampled'),
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
    ...HOOKS.filter((id) => only.includes(id)).map((id) => h(id, `bare + one empty ${id.slice('hook-'.length)} hook`, id)),
    only.includes('willsoto') && h('willsoto', '@willsoto/nestjs-prometheus + response-time', 'willsoto'),
    // OTel's Express instrumentation, swagger-stats and express-status-monitor are Express-only.
    expressOnly && only.includes('otel') && h('otel', 'OTel HTTP+Express+Nest auto', 'otel', { NODE_OPTIONS: `--import ${otelPreload}` }),
    expressOnly && only.includes('swagger-stats') && h('swagger-stats', 'swagger-stats', 'swagger-stats'),
    expressOnly && only.includes('status-monitor') && h('status-monitor', 'express-status-monitor', 'status-monitor'),
  ].filter(Boolean);
  const list = [
    { id: 'hello', adapter, title: `GET ${hello} on ${adapter}; ratio to the bare run right before each`, ratioTo: 'bare', variants: helloVariants },
  ];
  if (only.includes('live-ring')) {
    // The monitor's live ring (one-second aggregates of the last 15 minutes): the defaults with it against without it.
    list.push({
      id: 'live',
      adapter,
      title: `GET ${hello} on ${adapter}: the live ring's own cost; ratio to the defaults without it, run right before`,
      ratioTo: 'defaults without the live ring',
      variants: [h('no-live', 'defaults, live ring recording nothing', 'defaults-no-live'), h('live', 'defaults, live ring on (as shipped)', 'defaults')],
    });
  }
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
/** Server CPU per request of a row against bare's, as "12.3 µs (1.25x)". */
const cpuOf = (row, base) =>
  row?.medianCpuUs == null ? '-' : `${row.medianCpuUs.toFixed(1)} µs${base?.medianCpuUs ? ` (${(row.medianCpuUs / base.medianCpuUs).toFixed(2)}x bare)` : ''}`;
const goals = [];
for (const adapter of adapters) {
  const bare = find(adapter, 'bare');
  /** A row's ratio to bare against a target. */
  const ratioGoal = (id, label, target) => {
    const row = find(adapter, id);
    if (!only.includes(id)) return;
    goals.push(
      row
        ? {
            adapter,
            goal: `${label}: >= ${target.toFixed(2)} of bare req/s`,
            figure: `${fmt(row.medianRatio)} (${fmt(row.minRatio)}-${fmt(row.maxRatio)})`,
            cpu: cpuOf(row, bare),
            pairs: pairsMeeting(row.ratios, target),
            met: row.medianRatio >= target,
          }
        : { adapter, goal: `${label}: >= ${target.toFixed(2)} of bare req/s` },
    );
  };
  const express = adapter === 'express';
  ratioGoal('defaults', 'defaults (`forRoot({ admin: { token } })`)', express ? 0.9 : 0.85);
  ratioGoal('defaults-no-db', 'defaults with database counting off (no AsyncLocalStorage: an app without TypeORM)', express ? 0.9 : 0.85);
  ratioGoal('module-metrics', 'headers + metrics', express ? 0.95 : 0.9);
  // Everything on with every request traced, against the floor of request tracing (both paired with bare in the same rounds).
  const mod = find(adapter, 'module');
  const fl = find(adapter, 'floor');
  if (mod && fl) {
    const perRound = mod.ratios.map((r, k) => r / fl.ratios[k]).filter((x) => Number.isFinite(x));
    goals.push({
      adapter,
      goal: 'everything on, every request traced: >= 0.95 of the floor (AsyncLocalStorage + one SDK span per request, no module)',
      figure: `${fmt(mod.medianRatio / fl.medianRatio)} (${fmt(mod.medianRatio)} / ${fmt(fl.medianRatio)}; rounds ${fmt(Math.min(...perRound))}-${fmt(Math.max(...perRound))})`,
      cpu: `${cpuOf(mod, bare)}; floor ${cpuOf(fl, bare)}`,
      pairs: `${perRound.filter((x) => x >= 0.95).length}/${perRound.length} rounds`,
      met: mod.medianRatio / fl.medianRatio >= 0.95,
    });
  } else if (only.includes('module') || only.includes('floor')) {
    goals.push({ adapter, goal: 'everything on, every request traced: >= 0.95 of the floor (needs module and floor)' });
  }
  ratioGoal('module-sampled', 'everything on, parent-based 10 % ratio sampler', 0.9);
  ratioGoal('cache-small', 'cache HIT, small body, default path (no opt-in)', 1.0);
  const live = find(adapter, 'live');
  const noLive = find(adapter, 'no-live');
  if (live && noLive) {
    goals.push({
      adapter,
      goal: 'the live ring costs at most 1 %: defaults >= 0.99 of the defaults without it',
      figure: `${fmt(live.medianRatio)} (${fmt(live.minRatio)}-${fmt(live.maxRatio)})`,
      cpu: `${cpuOf(live)} vs ${cpuOf(noLive)}`,
      pairs: pairsMeeting(live.ratios, 0.99),
      met: live.medianRatio >= 0.99,
    });
  }
  const def = find(adapter, 'defaults');
  if (def && bare) {
    const rss = def.medianRssMb - bare.medianRssMb;
    goals.push({
      adapter,
      goal: 'defaults: RSS at steady state (after the load) at most 30 MB above bare',
      figure: `+${rss} MB (${def.medianRssMb} vs ${bare.medianRssMb} MB)`,
      cpu: '-',
      pairs: '-',
      met: rss <= 30,
    });
    const start = (def.medianStartupMs - bare.medianStartupMs) / 1000;
    goals.push({
      adapter,
      goal: 'defaults: start-up (spawn to listening) at most 0.5 s above bare',
      figure: `${start >= 0 ? '+' : ''}${start.toFixed(2)} s (${(def.medianStartupMs / 1000).toFixed(2)} vs ${(bare.medianStartupMs / 1000).toFixed(2)} s)`,
      cpu: '-',
      pairs: '-',
      met: start <= 0.5,
    });
  }
  const noSwagger = find(adapter, 'defaults-no-swagger');
  if (noSwagger && bare) {
    const start = (noSwagger.medianStartupMs - bare.medianStartupMs) / 1000;
    goals.push({
      adapter,
      goal: 'defaults in an app without @nestjs/swagger installed: start-up at most 0.5 s above bare',
      figure: `${start >= 0 ? '+' : ''}${start.toFixed(2)} s (${(noSwagger.medianStartupMs / 1000).toFixed(2)} vs ${(bare.medianStartupMs / 1000).toFixed(2)} s); RSS +${noSwagger.medianRssMb - bare.medianRssMb} MB`,
      cpu: '-',
      pairs: '-',
      met: start <= 0.5,
    });
  }
  // Comparisons with the peers, when they ran (--all or --only).
  for (const [id, label] of [
    ['module', 'everything on'],
    ['module-traced', 'metrics + tracing'],
    ['module-metrics', 'headers + metrics'],
  ]) {
    const row = find(adapter, id);
    if (!row) continue;
    for (const peer of ['willsoto', 'otel', 'swagger-stats', 'status-monitor']) {
      const p = find(adapter, peer);
      if (!p) continue;
      const ahead = row.ratios.filter((r, k) => k < p.ratios.length && r > p.ratios[k]).length;
      goals.push({
        adapter,
        goal: `${label} is ahead of ${p.name.replace(/ \(\w+\)$/, '')} (ratios to bare)`,
        figure: `${fmt(row.medianRatio)} vs ${fmt(p.medianRatio)}`,
        cpu: `${cpuOf(row, bare)} vs ${cpuOf(p, bare)}`,
        pairs: `${ahead}/${Math.min(row.ratios.length, p.ratios.length)} rounds ahead`,
        met: row.medianRatio > p.medianRatio,
      });
    }
  }
  const sf = find(adapter, 'span-floor');
  const traced = find(adapter, 'module-traced');
  if (sf && traced) {
    goals.push({
      adapter,
      goal: "metrics + tracing keeps >= 0.90 of the span floor (the module's own cost on top of the span)",
      figure: `${fmt(traced.medianRatio / sf.medianRatio)} (${fmt(traced.medianRatio)} / ${fmt(sf.medianRatio)})`,
      cpu: `${cpuOf(traced, bare)}; span floor ${cpuOf(sf, bare)}`,
      pairs: '-',
      met: traced.medianRatio / sf.medianRatio >= 0.9,
    });
  }
  const early = find(adapter, 'cache-small-early');
  if (early)
    goals.push({
      adapter,
      goal: 'cache HIT served early (@ServeHitsEarly, opt-in), small body, >= 1.0 of bare /hello',
      figure: `${fmt(early.medianRatio)} (${fmt(early.minRatio)}-${fmt(early.maxRatio)})`,
      cpu: cpuOf(early, bare),
      pairs: pairsMeeting(early.ratios, 1),
      met: early.medianRatio >= 1,
    });
  const big = find(adapter, 'cache-big');
  if (big)
    goals.push({
      adapter,
      goal: 'cache HIT, ~100 KB, >= 1.3x cache-manager HIT',
      figure: `${fmt(big.medianRatio)} (${fmt(big.minRatio)}-${fmt(big.maxRatio)})`,
      cpu: cpuOf(big),
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
  `- Server CPU per request: the server process's user + system CPU time (/proc) over the measured seconds divided by the requests it answered; it holds better than req/s on a busy machine. Start-up: from spawning the server to its "listening" line (Node start, requires, Nest bootstrap). RSS: after the run.`,
  `- "Defaults": \`PerformanceModule.forRoot({ admin: { token } })\` as a user first meets it: headers, metrics, the monitor (with its live ring), health, the response cache (no route cached), database counting of the DataSource, the admin API; "defaults, database counting off" is the same without it, as in an app without TypeORM (counting SQL per request carries the request's context through AsyncLocalStorage, which on Node 20 hooks every promise). "Live ring" pair: the defaults with the monitor's live ring recording nothing, then as shipped. "Sampled": everything on as below with a \`ParentBasedSampler\` over a \`TraceIdRatioBasedSampler(0.1)\` (what NodeSDK's \`sampler\` option takes), with no incoming trace headers: 1 request in 10 recorded.`,
  `- GET /api/v1/hello is a plain handler returning { ok: true }, the same in every variant (bench/servers/compare-server.cjs); the sample app's /hello carries @Timed(), an opt-in that with tracing on makes a second span per request.`,
  `- "Everything on": every header, Prometheus metrics, tracing with an SDK tracer provider and no exporter, database counting (a TypeORM SQLite DataSource is in every /hello variant, bare included); cache off. "Metrics + tracing": every header, metrics and tracing as above, database counting off. "Headers + metrics": the module's defaults with tracing and database counting off. "Floor": no module, only what request tracing with SQL and method spans needs whoever writes it: AsyncLocalStorage entered per request (Node 20 has no other way for SQL and @Traced spans to find their request) and one SDK server span per request (bench/servers/compare-server.cjs). "Span floor": no module, one SDK server span per request and nothing else, handed to the SDK once per event-loop turn as the module does: what the span of the metrics + tracing set-up costs by itself. Cache HIT variants: module defaults with metrics off, a route with @CacheTTL. On Nest 12, the OTel Nest instrumentation makes no spans (it accepts only Nest < 12).`,
  '',
  `### Goals, checked from the figures below`,
  '',
  '| adapter | goal | figure: median (min-max of pairs) | server CPU per request | pairs meeting it | result |',
  '|---|---|---|---|---|---|',
  ...goals.map(
    (g) =>
      `| ${g.adapter} | ${g.goal} | ${g.figure ?? 'not run'} | ${g.cpu ?? '-'} | ${g.pairs ?? '-'} | ${g.met === undefined ? 'not run' : g.met ? 'met' : '**missed**'} |`,
  ),
  '',
];
for (const g of results) {
  lines.push(
    `### ${g.title}`,
    '',
    `| variant | median req/s (min-max) | ratio to ${g.ratioTo}, median (min-max of pairs) | server CPU µs per request (x ${g.ratioTo}) | p99 ms | RSS MB | start-up s | errors |`,
    '|---|---|---|---|---|---|---|---|',
  );
  const base = g.rows[0];
  for (const r of g.rows) {
    const ratio = r.id === g.variants[0].id ? '1 (baseline)' : `${fmt(r.medianRatio)} (${fmt(r.minRatio)}-${fmt(r.maxRatio)})`;
    const cpu = r.medianCpuUs == null ? '-' : `${r.medianCpuUs.toFixed(1)}${base.medianCpuUs ? ` (${(r.medianCpuUs / base.medianCpuUs).toFixed(2)}x)` : ''}`;
    lines.push(
      `| ${r.name} | ${r.medianRps.toFixed(0)} (${r.minRps.toFixed(0)}-${r.maxRps.toFixed(0)}) | ${ratio} | ${cpu} | ${r.medianP99} | ${r.medianRssMb} | ${(r.medianStartupMs / 1000).toFixed(2)} | ${r.errors} |`,
    );
  }
  lines.push('');
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, replaceSection(existsSync(out) ? readFileSync(out, 'utf8') : '', values.section, lines.join('\n')));
console.log(lines.join('\n'));
process.stderr.write(`written to ${relative(process.cwd(), out)} after ${minutes} min\n`);
