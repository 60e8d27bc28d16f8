// The monitor's live ring alone: CPU per recorded response (the clock read is the caller's, shared with the
// route statistics), against the server CPU per request of bare Nest in a profile summary
// (bench/profiles/<label>.json, `bench/profile.mjs`). The network pair of `npm run bench` (the defaults with the
// ring on and off) says the same in req/s on a quiet machine; this holds on a busy one.
//
// Usage: node bench/live-ring.mjs [--profile after] [--calls 2000000]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/compare.mjs';
import { recordSection } from './lib/results-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    profile: { type: 'string', default: 'after' },
    calls: { type: 'string', default: '2000000' },
    results: { type: 'boolean', default: false },
  },
});
const calls = Number(values.calls);
const { LiveRing } = createRequire(import.meta.url)(join(here, '../libs/performance/dist/monitor/live-ring.js'));

/** CPU ns per call of `fn`, median of 5 rounds after one unmeasured. */
function nsPerCall(fn) {
  const rounds = [];
  for (let r = 0; r < 6; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) fn(i);
    const used = process.cpuUsage(start);
    if (r > 0) rounds.push(((used.user + used.system) * 1000) / calls);
  }
  return median(rounds);
}

const ring = new LiveRing();
let now = Date.now();
// A new second every 20,000 responses, as at 20,000 req/s: the second's percentiles are taken then.
const record = nsPerCall((i) => ring.recordResponse(200 + (i % 7 === 0 ? 300 : 0), 0.4 + (i % 997) / 100, i % 20_000 === 0 ? (now += 1000) : now));
const loop = nsPerCall((i) => (i % 20_000 === 0 ? (now += 1000) : now));
const perResponseUs = Math.max(0, record - loop) / 1000;
const lines = [`live ring: ${perResponseUs.toFixed(3)} µs of CPU per recorded response (median of 5 rounds of ${calls} calls)`];
try {
  const profile = JSON.parse(readFileSync(join(here, 'profiles', `${values.profile}.json`), 'utf8'));
  for (const run of profile.runs.filter((r) => r.variant === 'bare')) {
    const cpu = run.cpuUsPerRequest ?? run.sampledUsPerRequest;
    lines.push(
      `  ${run.adapter}: ${((perResponseUs / cpu) * 100).toFixed(2)} % of bare Nest's ${cpu} µs of CPU per request (bench/profiles/${values.profile}.json)`,
    );
  }
} catch {
  lines.push(`  (no bench/profiles/${values.profile}.json to compare with: run bench/profile.mjs first)`);
}
console.log(lines.join('\n'));
if (values.results) {
  recordSection(
    'live-ring',
    [
      "## The live ring's own cost",
      '',
      `Written by \`node bench/live-ring.mjs ${process.argv.slice(2).join(' ')}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: \`LiveRing.recordResponse\` called in a loop (a new second every 20,000 calls), CPU per call minus the loop's own, against bare Nest's CPU per request from a profile of the same machine. The goal: at most 1 % of bare.`,
      '',
      '```',
      ...lines,
      '```',
    ].join('\n'),
  );
}
