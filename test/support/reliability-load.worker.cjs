// Runs autocannon in a worker thread (its own event loop, so the load generator
// does not share the server's), for test/reliability-concurrency.e2e-spec.ts.
// Stops at the deadline; requests still in flight then are not counted here,
// so the test compares Prometheus with the server's own count of responses.
const { parentPort, workerData } = require('node:worker_threads');
const autocannon = require('autocannon');

const { url, paths, connections, durationSeconds, timeoutSeconds } = workerData;
const perPath = Object.fromEntries(paths.map((p) => [p, { responses: 0, statuses: {}, dbQueries: {}, requestIds: 0 }]));

function header(headers, name) {
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return headers[key];
  return undefined;
}

const instance = autocannon(
  {
    url,
    connections,
    duration: durationSeconds,
    timeout: timeoutSeconds,
    requests: paths.map((path) => ({
      method: 'GET',
      path,
      onResponse(status, _body, _context, headers) {
        const s = perPath[path];
        s.responses++;
        s.statuses[status] = (s.statuses[status] ?? 0) + 1;
        const q = header(headers, 'x-db-queries') ?? 'missing';
        s.dbQueries[q] = (s.dbQueries[q] ?? 0) + 1;
        if (/^[0-9a-f-]{36}$/.test(header(headers, 'x-request-id') ?? '')) s.requestIds++;
      },
    })),
  },
  (error, result) => {
    if (error) return parentPort.postMessage({ error: String(error) });
    // With request functions autocannon hands back its raw (not aggregated) result.
    parentPort.postMessage({
      perPath,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      mismatches: result.mismatches,
      resets: result.resets,
      totalCompleted: result.totalCompletedRequests,
      sent: result.totalRequests,
      durationSeconds: result.duration,
    });
  },
);

void instance;
