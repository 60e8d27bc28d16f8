// Where the server's CPU goes on GET /api/v1/hello, function by function: each variant's server
// runs under `node --cpu-prof`, pinned to core 0, loaded by autocannon from core 1; only the
// samples of the measured load count (not start-up, not warm-up). Self time per owner (this
// module, Nest, Express, Fastify, Node, GC) and per function is summed, with the server's CPU
// per request. Self time is where the CPU went whatever the throughput, so it stays meaningful
// on a busy machine, where req/s do not.
//
// Writes a JSON and a markdown summary to bench/profiles/<label>.{json,md} and, with --results,
// the markdown into its own section of bench/RESULTS.md; the .cpuprofile files go to
// test-output/profiles/<label>/ (too big to commit).
//
// Usage: npm run bench:profile [-- --label after --variants bare,defaults --adapter both --duration 10]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { MODULE_LIBRARIES, nowUs, summarizeProfile } from './lib/cpu-profile.mjs';
import { machineLine, pinSelf } from './lib/compare.mjs';
import { replaceSection } from './lib/results-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values } = parseArgs({
  options: {
    label: { type: 'string', default: 'current' },
    variants: { type: 'string', default: 'bare,defaults' },
    adapter: { type: 'string', default: 'both' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    top: { type: 'string', default: '25' },
    results: { type: 'boolean', default: false },
    against: { type: 'string' },
    render: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(`node bench/profile.mjs [options]   (npm run bench:profile -- [options])
  --label NAME       name of the summary (bench/profiles/NAME.{json,md}); default current
  --variants LIST    compare-server variants (default bare,defaults): bare, defaults, defaults-no-live,
                     module-metrics, module-all, module-traced, module-sampled, floor, span-floor
  --adapter A        express | fastify | both (default both)
  --duration S       profiled seconds of load (default 10), after --warmup S (default 3)
  --top N            functions listed per variant (default 25)
  --against LABEL    compare with an earlier summary (bench/profiles/LABEL.json): CPU per request and
                     self time per owner, before and now, per adapter and variant
  --render           profile nothing: write the summary again from bench/profiles/NAME.json
  --results          also write the summary into its section (profile-NAME) of bench/RESULTS.md`);
  process.exit(0);
}
if (!/^[a-z0-9-]+$/.test(values.label)) throw new Error(`--label must be lower-case letters, digits and dashes (got ${values.label})`);
const adapters = values.adapter === 'both' ? ['express', 'fastify'] : [values.adapter];
if (!adapters.every((a) => a === 'express' || a === 'fastify')) throw new Error(`--adapter must be express, fastify or both (got ${values.adapter})`);
const variants = values.variants
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const top = Number(values.top);
for (const [name, n] of Object.entries({ duration, warmup, connections, top })) {
  if (!Number.isFinite(n) || n < (name === 'warmup' ? 0 : 1)) throw new Error(`--${name} must be a positive number`);
}

const hasTaskset = spawnSync('taskset', ['-V']).status === 0 && cpus().length >= 2;
const script = join(here, 'servers/compare-server.cjs');
const profileRoot = join(root, 'test-output/profiles', values.label);
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** utime + stime of a process, in ms (from /proc; undefined where there is none). */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1000;
  } catch {
    return undefined;
  }
}

function load(url, seconds) {
  return new Promise((resolve, reject) => {
    autocannon({ url, duration: seconds, connections, pipelining: 1 }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function profileOne(adapter, variant) {
  const dir = join(profileRoot, `${adapter}-${variant}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const node = [process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, script];
  const child = spawn(hasTaskset ? 'taskset' : node[0], hasTaskset ? ['-c', '0', ...node] : node.slice(1), {
    env: { ...process.env, PORT: '0', VARIANT: variant, ADAPTER: adapter },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server ${variant} on ${adapter} exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${port}/api/v1/hello`;
  if (warmup > 0) await load(url, warmup);
  const cpuBefore = cpuMs(child.pid);
  const fromUs = nowUs();
  const result = await load(url, duration);
  const toUs = nowUs();
  const cpuAfter = cpuMs(child.pid);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no profile written for ${variant} on ${adapter}`);
  const summary = summarizeProfile(join(dir, file), { fromUs, toUs });
  const requests = result.requests.total;
  return {
    adapter,
    variant,
    requests,
    rps: Math.round(result.requests.average),
    errors: result.errors + result.non2xx,
    cpuUsPerRequest: cpuBefore === undefined ? null : Math.round((((cpuAfter - cpuBefore) * 1000) / requests) * 10) / 10,
    sampledUsPerRequest: Math.round(((summary.busyMs * 1000) / requests) * 10) / 10,
    profile: relative(root, join(dir, file)),
    ...summary,
  };
}

pinSelf();
const saved = values.render ? JSON.parse(readFileSync(join(here, 'profiles', `${values.label}.json`), 'utf8')) : undefined;
const startLoad = saved?.loadavg ?? loadavg();
const runs = saved?.runs ?? [];
for (const adapter of saved ? [] : adapters) {
  for (const variant of variants) {
    const run = await profileOne(adapter, variant);
    process.stderr.write(
      `${adapter} ${variant}: ${run.rps} req/s, CPU ${run.cpuUsPerRequest} µs/request (sampled ${run.sampledUsPerRequest}), module ${run.owners.find((o) => o.owner === 'nestjs-performance')?.percent ?? 0} %\n`,
    );
    runs.push(run);
  }
}

// ---- the summary ----
/**
 * µs of the server's CPU per request spent in `ms` of sampled self time: the CPU per request (/proc) shared out
 * by the samples' shares. (V8 samples on a wall clock: on a busy machine a descheduled server still collects
 * samples, so raw sampled time per request overstates the CPU; the shares hold.)
 */
const cpuOf = (run) => run.cpuUsPerRequest ?? run.sampledUsPerRequest;
const usPerRequest = (run, ms) => Math.round((run.busyMs > 0 ? (ms / run.busyMs) * cpuOf(run) : 0) * 10) / 10;
const moduleShare = (run) => run.owners.filter((o) => o.owner === 'nestjs-performance' || MODULE_LIBRARIES.has(o.owner)).reduce((s, o) => s + o.percent, 0);
const lines = [
  `## CPU profiles (${values.label}): where the server's time goes on GET /api/v1/hello`,
  '',
  `Written by \`node bench/profile.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC (commit ${
    spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root }).stdout?.toString().trim() ?? '?'
  }${spawnSync('git', ['status', '--porcelain', '--', 'libs', 'bench/servers'], { cwd: root }).stdout?.toString().trim() ? ' with uncommitted changes' : ''}).`,
  '',
  `- Machine: ${machineLine()}; load average at start ${startLoad.map((x) => x.toFixed(2)).join(' / ')}${startLoad[0] > 0.5 ? ' (**busy machine: req/s are only indicative; self-time shares and CPU per request hold better**)' : ''}.`,
  `- Method: each server under \`node --cpu-prof\`, ${warmup} s of warm-up then ${duration} s of autocannon load (${connections} connections); only the samples of the ${duration} s count. "Self" is the time a function ran itself (not its callees), in % of the server's busy time (idle left out), and in µs per request: the CPU per request shared out by those shares (V8 samples on a wall clock, so on a busy machine raw sampled time overstates the CPU; the shares hold). CPU per request: the server's utime + stime over the load (/proc) divided by the requests answered.`,
  `- Variants: \`bare\` is Nest with nothing else; \`defaults\` is \`PerformanceModule.forRoot({ admin: { token } })\`; the others as in bench/servers/compare-server.cjs. Every variant has the same TypeORM SQLite DataSource (unused by /hello); /hello is the bench server's plain handler.`,
  '',
  '### Per variant: CPU per request and who spends it',
  '',
  '| adapter | variant | req/s (indicative) | server CPU µs/request | this module + its libraries, % of busy time | Nest | Express / Fastify | Node.js | GC |',
  '|---|---|---|---|---|---|---|---|---|',
];
const pct = (run, owner) => run.owners.filter((o) => owner.includes(o.owner)).reduce((s, o) => s + o.percent, 0);
for (const run of runs) {
  lines.push(
    `| ${run.adapter} | ${run.variant} | ${run.rps} | ${run.cpuUsPerRequest ?? run.sampledUsPerRequest} | ${moduleShare(run).toFixed(1)} | ${pct(run, ['Nest', 'Nest (rxjs)']).toFixed(1)} | ${pct(run, ['Express', 'Fastify']).toFixed(1)} | ${pct(run, ['Node.js']).toFixed(1)} | ${pct(run, ['GC']).toFixed(1)} |`,
  );
}
lines.push('');
if (values.against) {
  const earlier = JSON.parse(readFileSync(join(here, 'profiles', `${values.against}.json`), 'utf8'));
  const usOf = (run, owners) => run.owners.filter((o) => owners.includes(o.owner)).reduce((sum, o) => sum + usPerRequest(run, o.ms), 0);
  const groups = [
    ['this module + its libraries', ['nestjs-performance', ...MODULE_LIBRARIES]],
    ['Nest (with rxjs)', ['Nest', 'Nest (rxjs)']],
    ['Express / Fastify', ['Express', 'Fastify']],
    ['Node.js', ['Node.js']],
    ['V8/native', ['V8/native (program)']],
    ['GC', ['GC']],
  ];
  lines.push(
    `### Against \`${values.against}\` (${earlier.date.slice(0, 16).replace('T', ' ')} UTC): µs of CPU per request, ${values.against} → ${values.label}`,
    '',
    `The same variants profiled by the same script; each column is the server's CPU per request shared out by the self-time shares of the owners named (samples of the measured seconds only). Compare a variant with its own bare run of the same profile: the machine's load differed between the two.`,
    '',
    `| adapter | variant | server CPU (/proc) | ratio to its bare | ${groups.map(([g]) => g).join(' | ')} |`,
    `|---|---|---|---|${groups.map(() => '---').join('|')}|`,
  );
  const bareOf = (list, adapter) => list.find((r) => r.adapter === adapter && r.variant === 'bare');
  for (const run of runs) {
    const old = earlier.runs.find((r) => r.adapter === run.adapter && r.variant === run.variant);
    if (!old) continue;
    const cpu = cpuOf;
    const ratio = (r, list) => {
      const b = bareOf(list, r.adapter);
      return b ? (cpu(r) / cpu(b)).toFixed(2) : '-';
    };
    lines.push(
      `| ${run.adapter} | ${run.variant} | ${cpu(old)} → ${cpu(run)} | ${ratio(old, earlier.runs)} → ${ratio(run, runs)} | ${groups
        .map(([, owners]) => `${usOf(old, owners).toFixed(1)} → ${usOf(run, owners).toFixed(1)}`)
        .join(' | ')} |`,
    );
  }
  lines.push('');
}
for (const run of runs) {
  lines.push(`### ${run.adapter}, ${run.variant}: self time by owner`, '', '| owner | % of busy time | µs per request |', '|---|---|---|');
  for (const o of run.owners) lines.push(`| ${o.owner} | ${o.percent} | ${usPerRequest(run, o.ms)} |`);
  lines.push('');
  const own = run.functions.filter((f) => f.owner === 'nestjs-performance' || MODULE_LIBRARIES.has(f.owner));
  if (own.length) {
    lines.push(`The module's functions (and its libraries'), by self time:`, '', '| function | where | % of busy time | µs per request |', '|---|---|---|---|');
    for (const f of own.slice(0, top)) lines.push(`| \`${f.name}\` | ${f.where} | ${f.percent} | ${usPerRequest(run, f.ms)} |`);
    lines.push('');
  }
  lines.push(`Top ${top} functions overall:`, '', '| function | owner | where | % of busy time |', '|---|---|---|---|');
  for (const f of run.functions.slice(0, top)) lines.push(`| \`${f.name}\` | ${f.owner} | ${f.where} | ${f.percent} |`);
  lines.push('');
}
const outDir = join(here, 'profiles');
mkdirSync(outDir, { recursive: true });
const slim = runs.map((r) => ({ ...r, functions: r.functions.slice(0, 60) }));
writeFileSync(
  join(outDir, `${values.label}.json`),
  `${JSON.stringify({ date: new Date().toISOString(), machine: machineLine(), loadavg: startLoad, runs: slim }, null, 1)}\n`,
);
writeFileSync(join(outDir, `${values.label}.md`), `${lines.join('\n')}\n`);
if (values.results) {
  const file = join(here, 'RESULTS.md');
  writeFileSync(file, replaceSection(readFileSync(file, 'utf8'), `profile-${values.label}`, lines.join('\n')));
}
process.stderr.write(
  `written to bench/profiles/${values.label}.{json,md}${values.results ? ' and bench/RESULTS.md' : ''}; profiles under ${relative(root, profileRoot)}\n`,
);
