// The soak: does the server's memory level off under a long run over many distinct URLs?
//
// The sample app (SQLite file, response cache, Prometheus metrics, the sampler's history every
// second) gets --requests requests (default 1,000,000), bounded by --max-minutes, cycling over
// distinct URLs: --cached-urls variants `?q=N` of the cached /api/v1/analytics/overview (each its
// own cache key; the cache is sized to hold them all, so it fills) and --documents distinct
// /api/v1/documents/:id (one SQL statement each). /metrics is scraped every 5 s, as Prometheus
// would. The server's RSS is sampled every second.
//
// Writes <out-dir>/soak-rss.csv and soak-rss.png (uPlot in headless Chromium) and the "soak"
// section of RESULTS.md, with the verdict computed from the curve. A full run writes into bench/;
// a shorter one (--requests below 1,000,000) into bench/.tmp/ unless --out-dir/--results say otherwise.
//
// Usage: node bench/soak.mjs [--requests 1000000] [--max-minutes 40] [--connections 20] [--adapter express]
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { machineLine, median, pinSelf, startServer } from './lib/compare.mjs';
import { replaceSection } from './lib/results-file.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    'max-minutes': { type: 'string', default: '40' },
    connections: { type: 'string', default: '20' },
    'cached-urls': { type: 'string', default: '10000' },
    documents: { type: 'string', default: '2000' },
    adapter: { type: 'string', default: 'express' },
    'out-dir': { type: 'string' },
    results: { type: 'string' },
  },
});
const int = (name, min, max) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer from ${min} to ${max} (got ${values[name]})`);
  return n;
};
const requests = int('requests', 1000, 10_000_000);
const maxMinutes = int('max-minutes', 1, 180);
const connections = int('connections', 1, 500);
const cachedUrls = int('cached-urls', 1, 100_000);
const documents = int('documents', 0, 10_000);
const full = requests >= 1_000_000;
const outDir = values['out-dir'] ?? (full ? here : join(here, '.tmp'));
const resultsFile = values.results ?? (full ? join(here, 'RESULTS.md') : join(here, '.tmp', 'RESULTS.soak.md'));
if (!existsSync(join(root, 'dist/apps/sample/sample-app.js'))) throw new Error('dist/apps/sample is missing: run `npm run build` first');

const urls = [
  ...Array.from({ length: cachedUrls }, (_, i) => `/api/v1/analytics/overview?q=${i}`),
  ...Array.from({ length: documents }, (_, i) => `/api/v1/documents/${i + 1}`),
];
// Interleave the two kinds so every stretch of the run mixes cached and database requests.
urls.sort((a, b) => hash(a) - hash(b));
function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

pinSelf();
mkdirSync(join(here, '.tmp'), { recursive: true });
mkdirSync(outDir, { recursive: true });
const db = join(here, '.tmp', 'soak.sqlite');
for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
const startLoad = loadavg();
process.stderr.write(`starting the sample app (fresh SQLite ${relative(root, db)}, seeding 10,000 documents)...\n`);
const { child, port } = await startServer({
  script: join(here, 'servers/soak-server.cjs'),
  env: {
    ADAPTER: values.adapter,
    DATABASE_URL: `sqlite:${db}`,
    PERFORMANCE_ADMIN_TOKEN: 'soak-bench-token',
    CACHE_ENABLED: 'true',
    CACHE_MAX_SIZE: String(cachedUrls),
    METRICS_ENABLED: 'true',
    PERFORMANCE_MONITORING_ENABLED: 'true',
    METRICS_COLLECTION_INTERVAL: '1',
  },
});
const base = `http://127.0.0.1:${port}`;

const rssMb = () => {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
};
const started = Date.now();
let done = 0;
const samples = [];
const sample = () => samples.push({ t: (Date.now() - started) / 1000, requests: done, rssMb: rssMb() });
sample();
const sampler = setInterval(sample, 1000);
let scrapes = 0;
let scrapeFailures = 0;
const scraper = setInterval(() => {
  fetch(`${base}/metrics`, { signal: AbortSignal.timeout(4000) })
    .then((r) => (r.ok ? r.text().then(() => scrapes++) : scrapeFailures++))
    .catch(() => scrapeFailures++);
}, 5000);

let next = 0;
const instance = autocannon({
  url: base,
  connections,
  amount: requests,
  timeout: 10,
  requests: [
    {
      setupRequest(req) {
        req.path = urls[next++ % urls.length];
        return req;
      },
    },
  ],
});
instance.on('response', () => {
  done++;
});
const progress = setInterval(
  () => process.stderr.write(`${done} requests, ${((Date.now() - started) / 1000).toFixed(0)} s, RSS ${rssMb().toFixed(0)} MB\n`),
  10_000,
);
const deadline = setTimeout(() => {
  process.stderr.write(`--max-minutes ${maxMinutes} reached: stopping the load\n`);
  instance.stop();
}, maxMinutes * 60_000);
const result = await new Promise((resolve) => instance.on('done', resolve));
clearTimeout(deadline);
sample();
clearInterval(sampler);
clearInterval(scraper);
clearInterval(progress);
const cacheStats = await fetch(`${base}/api/v1/performance/cache-stats`, { headers: { authorization: 'Bearer soak-bench-token' } })
  .then((r) => r.json())
  .catch(() => undefined);
child.kill('SIGTERM');
await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', r)));
const seconds = (Date.now() - started) / 1000;

// ---- the curve and its verdict ----
const csv = ['seconds,requests,rss_mb', ...samples.map((s) => `${s.t.toFixed(1)},${s.requests},${s.rssMb.toFixed(1)}`)].join('\n');
writeFileSync(join(outDir, 'soak-rss.csv'), `${csv}\n`);
const rss = samples.map((s) => s.rssMb).filter(Number.isFinite);
const part = (from, to) => rss.slice(Math.floor(rss.length * from), Math.max(Math.floor(rss.length * from) + 1, Math.floor(rss.length * to)));
const middle = median(part(0.4, 0.6));
const last = median(part(0.8, 1));
const growth = (last - middle) / middle;
// Levels off: the last fifth of the run holds (median) within 10% of the middle fifth.
const levelsOff = growth <= 0.1;
const errors = result.errors + result.non2xx + result.timeouts;

await plot(join(outDir, 'soak-rss.png'));

const store = cacheStats?.store;
const totals = cacheStats?.totals;
const rel = (p) => relative(dirname(resultsFile), p).split('\\').join('/');
const section = [
  '## Soak: memory under a long run over many distinct URLs',
  '',
  `Written by \`node bench/soak.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; do not edit by hand.${full ? '' : ` **Shorter run than the full one million requests.**`}`,
  '',
  `- Machine: ${machineLine()}; load average at start ${startLoad.map((x) => x.toFixed(2)).join(' / ')}.`,
  `- Server: the sample app on ${values.adapter}, SQLite file (10,000 documents), response cache (up to ${cachedUrls} entries), Prometheus metrics scraped every 5 s (${scrapes} scrapes, ${scrapeFailures} failed), sampler history every second; nestjs-performance ${createRequire(import.meta.url)('../libs/performance/package.json').version}, Node ${process.version}.`,
  `- Load: ${result.requests.total.toLocaleString('en')} requests of ${requests.toLocaleString('en')} asked (bound: ${maxMinutes} min) in ${(seconds / 60).toFixed(1)} min, ${connections} connections, cycling over ${urls.length.toLocaleString('en')} distinct URLs: ${cachedUrls.toLocaleString('en')} \`/api/v1/analytics/overview?q=N\` (cached, one key each) and ${documents.toLocaleString('en')} \`/api/v1/documents/:id\`. Mean ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, errors and non-2xx ${errors}.`,
  `- Cache at the end (admin cache-stats): ${store ? `${store.entries} entries of ${store.maxEntries}, ${(store.bytes / 1048576).toFixed(1)} MiB of ${(store.maxBytes / 1048576).toFixed(0)}, ${store.evictions} evictions; ${totals.hits} hits, ${totals.misses} misses (hit rate ${(totals.hitRate * 100).toFixed(1)}%)` : 'cache-stats not read'}.`,
  `- RSS: start ${rss[0].toFixed(0)} MB, max ${Math.max(...rss).toFixed(0)} MB, median of the middle fifth ${middle.toFixed(0)} MB, of the last fifth ${last.toFixed(0)} MB (${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%).`,
  `- Verdict: RSS ${levelsOff ? '**levels off**' : '**does not level off**'} (the rule: the last fifth's median within 10% of the middle fifth's).`,
  '',
  `![RSS over the soak](${rel(join(outDir, 'soak-rss.png'))})  Data: [${rel(join(outDir, 'soak-rss.csv'))}](${rel(join(outDir, 'soak-rss.csv'))}).`,
  '',
].join('\n');
mkdirSync(dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, replaceSection(existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '', 'soak', section));
console.log(section);
process.stderr.write(`written: ${relative(process.cwd(), resultsFile)}, ${relative(process.cwd(), join(outDir, 'soak-rss.png'))}\n`);

/** Renders the curve with the installed uPlot in headless Chromium (no network) and screenshots it. */
async function plot(file) {
  const req = createRequire(import.meta.url);
  const uplotDir = dirname(req.resolve('uplot/package.json'));
  const js = readFileSync(join(uplotDir, 'dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(join(uplotDir, 'dist/uPlot.min.css'), 'utf8');
  const data = [samples.map((s) => s.t), samples.map((s) => Number(s.rssMb.toFixed(1))), samples.map((s) => s.requests / 1000)];
  const title = `Server RSS during the soak: ${result.requests.total.toLocaleString('en')} requests, ${urls.length.toLocaleString('en')} URLs (${levelsOff ? 'levels off' : 'does not level off'})`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css} body{margin:0;font-family:sans-serif;background:#fff}</style></head><body><div id="c"></div>
<script>${js}</script><script>
const data = ${JSON.stringify(data)};
new uPlot({ title: ${JSON.stringify(title)}, width: 1000, height: 480,
  scales: { x: { time: false }, mb: { range: (u, min, max) => [0, Math.max(max * 1.1, 1)] }, k: { range: (u, min, max) => [0, Math.max(max, 1)] } },
  axes: [{ label: 'seconds' }, { scale: 'mb', label: 'RSS (MB)' }, { scale: 'k', side: 1, label: 'requests done (thousands)', grid: { show: false } }],
  series: [{ label: 's' }, { label: 'RSS MB', scale: 'mb', stroke: '#d62728', width: 2 }, { label: 'requests (k)', scale: 'k', stroke: '#1f77b4', dash: [6, 4] }] },
  data, document.getElementById('c'));
document.body.dataset.ready = '1';
</script></body></html>`;
  const { chromium } = req('playwright-core');
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 520 } });
    await page.route('**/*', (route) => route.abort()); // nothing leaves the machine
    await page.setContent(html);
    await page.waitForSelector('body[data-ready="1"]');
    await page.screenshot({ path: file, fullPage: true });
  } finally {
    await browser.close();
  }
}
