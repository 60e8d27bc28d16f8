// Runs HTTP servers one at a time and loads each with autocannon, variants interleaved
// round by round, each variant paired with the baseline run right before it.
// The server is pinned to core 0 and this process to core 1 (taskset) when available.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import autocannon from 'autocannon';

const hasTaskset = spawnSync('taskset', ['-V']).status === 0 && cpus().length >= 2;
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** CPU time (user + system) a process used so far, in ms, from /proc; undefined where there is none. */
export function processCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1000;
  } catch {
    return undefined;
  }
}

export function pinSelf() {
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
}

/** Starts a server and resolves once it printed "ready <port>", with `startupMs`: from spawn to ready. */
export function startServer({ script, env }) {
  const spawnedAt = performance.now();
  const args = hasTaskset ? ['-c', '0', process.execPath, script] : [script];
  const child = spawn(hasTaskset ? 'taskset' : process.execPath, args, {
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), startupMs: performance.now() - spawnedAt });
    });
    child.once('exit', (code) => reject(new Error(`server ${script} exited with ${code}`)));
  });
}

function load(url, { duration, connections, method = 'GET', headers, body }) {
  return new Promise((resolve, reject) => {
    autocannon({ url, duration, connections, method, headers, body, pipelining: 1 }, (err, result) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * variants: [{ name, script, env, path, request? }], the first is the baseline.
 * Returns per-variant runs and the ratios to the baseline run just before each.
 * pairEach: run the baseline right before every other variant (not only once per round), and
 * rotate the order of the others from round to round, so that each ratio compares two runs made
 * seconds apart and no variant always runs in the same place of a round.
 * request: autocannon options (method, headers, body) for every variant; a variant's own wins.
 * firstRound: number of the first round (for the rotation and the log) when a caller interleaves
 * several comparisons by calling this once per round.
 * log: a line per run (default: stderr).
 */
export async function compare({
  variants,
  rounds = 5,
  duration = 8,
  warmup = 2,
  connections = 50,
  request = {},
  pairEach = false,
  firstRound = 1,
  log = (line) => process.stderr.write(`${line}\n`),
}) {
  const runs = Object.fromEntries(variants.map((v) => [v.name, []]));
  const ratios = Object.fromEntries(variants.slice(1).map((v) => [v.name, []]));
  const [base, ...others] = variants;
  const measure = async (v, round) => {
    const { child, port, startupMs } = await startServer(v);
    try {
      const url = `http://127.0.0.1:${port}${v.path}`;
      const opts = { ...request, ...v.request, connections };
      if (warmup > 0) await load(url, { ...opts, duration: warmup });
      const cpuBefore = processCpuMs(child.pid);
      const r = await load(url, { ...opts, duration });
      const cpuAfter = processCpuMs(child.pid);
      const run = {
        rps: r.requests.average,
        p99: r.latency.p99,
        errors: r.errors + r.non2xx,
        rssMb: 0,
        startupMs: Math.round(startupMs),
        // The server's CPU time over the measured load per answered request, in µs.
        cpuUs: cpuBefore === undefined || cpuAfter === undefined || r.requests.total === 0 ? null : ((cpuAfter - cpuBefore) * 1000) / r.requests.total,
      };
      const rss = spawnSync('ps', ['-o', 'rss=', '-p', String(child.pid)])
        .stdout?.toString()
        .trim();
      run.rssMb = rss ? Math.round(Number(rss) / 1024) : 0;
      runs[v.name].push(run);
      log(
        `round ${round} ${v.name.padEnd(40)} ${run.rps.toFixed(0).padStart(6)} req/s  p99 ${run.p99} ms  RSS ${run.rssMb} MB  CPU ${run.cpuUs?.toFixed(1) ?? '?'} µs/req  start ${run.startupMs} ms  errors ${run.errors}`,
      );
      return run;
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
    }
  };
  for (let round = firstRound; round < firstRound + rounds; round++) {
    if (pairEach) {
      const shift = (round - 1) % Math.max(1, others.length);
      for (const v of [...others.slice(shift), ...others.slice(0, shift)]) {
        const baseline = await measure(base, round);
        ratios[v.name].push((await measure(v, round)).rps / baseline.rps);
      }
    } else {
      const baseline = await measure(base, round);
      for (const v of others) ratios[v.name].push((await measure(v, round)).rps / baseline.rps);
    }
  }
  return summarize(variants, runs, ratios);
}

/** Median, min and max per variant of runs ({ name: [run] }) and ratios ({ name: [ratio] }, none for the baseline). */
export function summarize(variants, runs, ratios) {
  return variants.map((v, i) => {
    const rps = runs[v.name].map((r) => r.rps);
    const rr = i === 0 ? [1] : ratios[v.name];
    return {
      name: v.name,
      medianRps: median(rps),
      minRps: Math.min(...rps),
      maxRps: Math.max(...rps),
      medianP99: median(runs[v.name].map((r) => r.p99)),
      medianRssMb: median(runs[v.name].map((r) => r.rssMb)),
      medianStartupMs: median(runs[v.name].map((r) => r.startupMs ?? 0)),
      medianCpuUs: runs[v.name].every((r) => typeof r.cpuUs === 'number') ? median(runs[v.name].map((r) => r.cpuUs)) : null,
      medianRatio: median(rr),
      minRatio: Math.min(...rr),
      maxRatio: Math.max(...rr),
      errors: runs[v.name].reduce((s, r) => s + r.errors, 0),
      runs: runs[v.name],
      ratios: rr,
    };
  });
}

export function markdownTable(rows) {
  const lines = ['| variant | median req/s (min-max) | ratio to bare, median (min-max of pairs) | p99 ms | RSS MB | errors |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.medianRps.toFixed(0)} (${r.minRps.toFixed(0)}-${r.maxRps.toFixed(0)}) | ${r.medianRatio.toFixed(3)} (${r.minRatio.toFixed(3)}-${r.maxRatio.toFixed(3)}) | ${r.medianP99} | ${r.medianRssMb} | ${r.errors} |`,
    );
  }
  return lines.join('\n');
}

export function machineLine() {
  const c = cpus();
  return `${c.length} × ${c[0]?.model ?? 'cpu'}, Node ${process.version}, ${hasTaskset ? 'server on core 0, load on core 1 (taskset)' : 'no taskset: server and load share cores'}`;
}
