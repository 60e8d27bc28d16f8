// Reads a V8 .cpuprofile (`node --cpu-prof`) and sums self time per function and per owner
// (this module, Nest, Express, Fastify, the libraries the module uses, Node's own code, GC),
// counting only the samples taken between two instants of the monotonic clock (the measured
// load, without start-up and warm-up). Self time stays meaningful on a loaded machine: it is
// where the server's CPU went, whatever the throughput.
import { readFileSync } from 'node:fs';

/** The monotonic clock V8's profiler stamps samples with, in microseconds. */
export const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const EXPRESS =
  /\/node_modules\/(express|router|body-parser|finalhandler|send|serve-static|qs|path-to-regexp|on-finished|type-is|content-type|content-disposition|etag|fresh|accepts|negotiator|mime-types|vary|parseurl|cookie|encodeurl|escape-html|proxy-addr|forwarded|ipaddr\.js|range-parser|statuses|depd|debug|ms|merge-descriptors|methods|utils-merge|raw-body|iconv-lite|bytes|http-errors|setprototypeof|inherits|toidentifier|unpipe|ee-first|destroy|media-typer|safe-buffer|safer-buffer|side-channel[^/]*|call-bind[^/]*|get-intrinsic|es-[^/]+|function-bind|has-[^/]+|hasown|gopd|object-inspect|dunder-proto|math-intrinsics)\//;
const FASTIFY =
  /\/node_modules\/(fastify|@fastify\/[^/]+|find-my-way|light-my-request|avvio|fast-json-stringify|fast-querystring|fast-uri|fastq|pino[^/]*|abstract-logging|toad-cache|rfdc|secure-json-parse|process-warning|safe-regex2|ret|fast-decode-uri-component|json-schema-ref-resolver|ajv[^/]*|fast-deep-equal|reusify|middie|@lukeed\/[^/]+|thread-stream|sonic-boom|on-exit-leak-free|real-require|quick-format-unescaped|atomic-sleep|fast-redact|safe-stable-stringify|cookie|semver|fast-content-type-parse)\//;

/** Who owns a function, from its script URL (and its name for V8's pseudo-frames). */
export function ownerOf(url, functionName) {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)' || functionName === '(root)') return 'V8/native (program)';
  if (!url) return 'V8/native (program)';
  if (url.includes('/libs/performance/dist/') || url.includes('/libs/performance/src/') || url.includes('/node_modules/nestjs-performance/'))
    return 'nestjs-performance';
  if (url.includes('/node_modules/@nestjs/')) return 'Nest';
  if (url.includes('/node_modules/rxjs/')) return 'Nest (rxjs)';
  if (url.includes('/node_modules/prom-client/')) return 'prom-client';
  if (url.includes('/node_modules/hdr-histogram-js/')) return 'hdr-histogram-js';
  if (url.includes('/node_modules/@opentelemetry/')) return 'OpenTelemetry SDK';
  if (url.includes('/node_modules/lru-cache/')) return 'lru-cache';
  if (url.includes('/node_modules/typeorm/') || url.includes('/node_modules/better-sqlite3/')) return 'TypeORM/SQLite';
  if (FASTIFY.test(url)) return 'Fastify';
  if (EXPRESS.test(url)) return 'Express';
  if (url.startsWith('node:')) return 'Node.js';
  if (url.includes('/bench/')) return 'bench server';
  if (url.includes('/dist/apps/')) return 'app';
  if (url.includes('/node_modules/')) return `other (${/\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? '?'})`;
  return 'other';
}

/** Libraries the module brings into the request path: counted with it in the owner summary. */
export const MODULE_LIBRARIES = new Set(['prom-client', 'hdr-histogram-js', 'lru-cache']);

/** `file:line` of a script URL, shortened to what follows node_modules/ or the repository. */
function where(url, line) {
  if (!url) return '';
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/libs\/performance\/dist\//, 'nestjs-performance/')
    .replace(/^.*\/(bench|dist\/apps)\//, '$1/');
  return `${short}:${line + 1}`;
}

/**
 * Self time per function and per owner of the samples taken in [fromUs, toUs] (monotonic µs;
 * the whole profile when omitted). Times in ms; `busyMs` leaves idle out.
 */
export function summarizeProfile(file, { fromUs = -Infinity, toUs = Infinity } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  let t = profile.startTime;
  const { samples, timeDeltas } = profile;
  // A sample's time is the interval up to the next one (the last one gets the previous interval).
  for (let i = 0; i < samples.length; i++) {
    t += timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    const dt = i + 1 < timeDeltas.length ? timeDeltas[i + 1] : timeDeltas[i];
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(0, dt));
  }
  const functions = new Map();
  const owners = new Map();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const owner = ownerOf(url, functionName);
    totalUs += us;
    if (owner === 'idle') {
      idleUs += us;
      continue;
    }
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const name = functionName || '(anonymous)';
    const key = `${name}\u0000${url}\u0000${lineNumber}`;
    const f = functions.get(key) ?? { name, where: where(url, lineNumber), owner, us: 0 };
    f.us += us;
    functions.set(key, f);
  }
  const busyUs = totalUs - idleUs;
  const ms = (us) => Math.round(us / 10) / 100;
  const share = (us) => (busyUs > 0 ? Math.round((us / busyUs) * 1000) / 10 : 0);
  return {
    windowMs: ms(totalUs),
    busyMs: ms(busyUs),
    owners: [...owners].map(([owner, us]) => ({ owner, ms: ms(us), percent: share(us) })).sort((a, b) => b.ms - a.ms),
    functions: [...functions.values()]
      .map((f) => ({ name: f.name, where: f.where, owner: f.owner, ms: ms(f.us), percent: share(f.us) }))
      .sort((a, b) => b.ms - a.ms),
  };
}
