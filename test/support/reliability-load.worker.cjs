// The load generator of test/reliability-concurrency.e2e-spec.ts, in a worker thread (its
// own event loop, so it does not share the server's).
//
// It opens its connections first, in steps of STEP while the server is not yet loaded
// (each step keeps the connections already open busy, so the keep-alive agent opens
// exactly STEP new ones), then keeps every connection busy for the duration, each
// cycling through the paths. Why not open them all at once (autocannon's way): a Node
// server saturated by keep-alive connections accepts new ones late (the kernel held
// 100-180 of 500 in its accept queue for a whole 30 s run here, with bare node:http
// too), so requests would wait on accept(), not on the app under test.
//
// Every response, ramp included, is counted per path: status, X-DB-Queries, a
// well-formed X-Request-ID. At the deadline no new request starts; those in flight
// finish (or time out) and are counted.
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');

const { url, paths, connections, durationSeconds, timeoutSeconds } = workerData;
const STEP = 25;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
let opened = 0;
const createConnection = agent.createConnection.bind(agent);
agent.createConnection = (...args) => {
  opened++;
  return createConnection(...args);
};
const perPath = Object.fromEntries(paths.map((p) => [p, { responses: 0, statuses: {}, dbQueries: {}, requestIds: 0 }]));
const totals = { errors: 0, timeouts: 0, non2xx: 0, mismatches: 0, resets: 0, totalCompleted: 0, sent: 0 };

/** One GET on a kept-alive connection; resolves when it is counted, never rejects. */
function get(path) {
  totals.sent++;
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    const req = http.get({ host: target.hostname, port: target.port, path, agent }, (res) => {
      const s = perPath[path];
      s.responses++;
      s.statuses[res.statusCode] = (s.statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode < 200 || res.statusCode > 299) totals.non2xx++;
      const q = res.headers['x-db-queries'] ?? 'missing';
      s.dbQueries[q] = (s.dbQueries[q] ?? 0) + 1;
      if (/^[0-9a-f-]{36}$/.test(res.headers['x-request-id'] ?? '')) s.requestIds++;
      res.resume();
      res.once('end', () => {
        totals.totalCompleted++;
        finish();
      });
      res.once('error', () => {
        totals.errors++;
        finish();
      });
    });
    req.setTimeout(timeoutSeconds * 1000, () => {
      totals.timeouts++;
      totals.errors++;
      req.destroy();
      finish();
    });
    req.once('error', (error) => {
      if (done) return;
      if (error.code === 'ECONNRESET') totals.resets++;
      totals.errors++;
      finish();
    });
  });
}

async function main() {
  const started = performance.now();
  // Ramp: step k has k * STEP requests in flight at once, so the agent opens STEP more connections.
  for (let open = STEP; open <= connections; open += STEP) {
    await Promise.all(Array.from({ length: open }, (_, i) => get(paths[i % paths.length])));
  }
  const rampSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + durationSeconds * 1000;
  const loop = async (i) => {
    for (let n = i; performance.now() < deadline; n++) await get(paths[n % paths.length]);
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => loop(i)));
  agent.destroy();
  parentPort.postMessage({
    perPath,
    ...totals,
    rampSeconds,
    durationSeconds: (performance.now() - started) / 1000 - rampSeconds,
    openedConnections: opened,
  });
}

main().catch((error) => parentPort.postMessage({ error: String(error?.stack ?? error) }));
