import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSample, startSample } from './support/sample-app';

/**
 * Issue 10, item 5: 500 concurrent connections against the sample app
 * (SQLite, everything on) for 30 s: zero errors, and the counters exact.
 * RELIABILITY_LOAD_SECONDS and RELIABILITY_LOAD_CONNECTIONS change the
 * duration and connections for a local run; CI runs the 30 s and 500.
 */
const DURATION_SECONDS = Number(process.env.RELIABILITY_LOAD_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.RELIABILITY_LOAD_CONNECTIONS ?? 500);
/**
 * Per request: a request waiting longer than this counts as a timeout (an error).
 *
 * The generator (support/reliability-load.worker.cjs) opens its connections in steps
 * before the load starts, rather than all at once. Measured 2026-11-30 on Node 20.20
 * (requests tagged with ids and timed at the generator and the server): with all 500
 * opened at once, every request over 5 s was the first request of a connection still
 * waiting in the kernel's accept queue (`ss -ltn`: Recv-Q held 100-180 of the 500 for
 * the whole run), because a Node server saturated by keep-alive connections accepts
 * new ones late; a bare node:http server does the same. That measures accept(), not
 * the app, and failed this suite with 80-170 timeouts on a quiet machine.
 */
const TIMEOUT_SECONDS = 30;

/** The routes hit, each with the SQL statements it must run: the sample's contract. */
const ROUTES = [
  { path: '/api/v1/hello', template: '/api/v1/hello', queries: '0' },
  { path: '/api/v1/documents/42', template: '/api/v1/documents/:id', queries: '1' },
  { path: '/api/v1/documents?limit=20&include=author&strategy=join', template: '/api/v1/documents', queries: '1' },
  { path: '/api/v1/documents?limit=5&include=author&strategy=naive', template: '/api/v1/documents', queries: '6' },
] as const;

interface PathCounts {
  responses: number;
  statuses: Record<string, number>;
  dbQueries: Record<string, number>;
  requestIds: number;
}
interface LoadResult {
  error?: string;
  openedConnections: number;
  rampSeconds: number;
  perPath: Record<string, PathCounts>;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  resets: number;
  totalCompleted: number;
  sent: number;
  durationSeconds: number;
}

function runLoad(url: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(join(process.cwd(), 'test', 'support', 'reliability-load.worker.cjs'), {
      workerData: { url, paths: ROUTES.map((r) => r.path), connections: CONNECTIONS, durationSeconds: DURATION_SECONDS, timeoutSeconds: TIMEOUT_SECONDS },
    });
    worker.once('message', (m: LoadResult) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}

/** `http_requests_total` by route template and status code. */
async function requestCounters(url: string): Promise<Record<string, Record<string, number>>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_requests_total{')) continue;
    const route = /route="([^"]*)"/.exec(line)![1]!;
    const status = /status_code="([^"]*)"/.exec(line)![1]!;
    (out[route] ??= {})[status] = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/** The template a load path belongs to. */
const TEMPLATE_OF = new Map<string, string>(ROUTES.map((r) => [r.path, r.template]));

describe(`${CONNECTIONS} concurrent connections for ${DURATION_SECONDS} s on the sample app (SQLite, everything on)`, () => {
  let sample: RunningSample;
  let load: LoadResult;
  let before: Record<string, Record<string, number>>;
  let after: Record<string, Record<string, number>>;
  /** Ground truth: the responses the server itself finished, by template and status. */
  const served: Record<string, Record<string, number>> = {};
  let inFlight = 0;

  beforeAll(
    async () => {
      sample = await startSample('express', { seedDocuments: 2000 });
      before = await requestCounters(sample.url);
      const server = sample.app.getHttpServer() as import('node:http').Server;
      server.on('request', (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
        const template = TEMPLATE_OF.get(req.url ?? '');
        if (!template) return;
        inFlight++;
        res.once('close', () => {
          inFlight--;
          if (!res.writableFinished) return;
          const bucket = (served[template] ??= {});
          bucket[res.statusCode] = (bucket[res.statusCode] ?? 0) + 1;
        });
      });
      load = await runLoad(sample.api.replace(/\/api\/v1$/, ''));
      // Requests in flight when the load generator stopped still finish on the server.
      const deadline = Date.now() + TIMEOUT_SECONDS * 1000;
      while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      after = await requestCounters(sample.url);
    },
    (DURATION_SECONDS + 150) * 1000,
  );
  afterAll(() => sample?.close());

  it('answers every request, none failing or timing out, for the whole duration', () => {
    expect({
      error: load.error,
      errors: load.errors,
      timeouts: load.timeouts,
      non2xx: load.non2xx,
      mismatches: load.mismatches,
      resets: load.resets,
    }).toEqual({ error: undefined, errors: 0, timeouts: 0, non2xx: 0, mismatches: 0, resets: 0 });
    // All the connections were open (and none replaced) while the load ran.
    expect(load.openedConnections).toBe(CONNECTIONS);
    expect(load.durationSeconds).toBeGreaterThanOrEqual(DURATION_SECONDS);
    expect(load.durationSeconds).toBeLessThan(DURATION_SECONDS + TIMEOUT_SECONDS + 5);
    // The generator waits for the requests in flight at its deadline: every one is answered.
    expect(load.totalCompleted).toBe(load.sent);
    expect(load.totalCompleted).toBeGreaterThan(CONNECTIONS * 4);
    console.info(
      `${load.openedConnections} connections (opened in ${load.rampSeconds.toFixed(1)} s), ${load.durationSeconds.toFixed(1)} s: ${load.totalCompleted} responses, ${Math.round(load.totalCompleted / (load.durationSeconds + load.rampSeconds))} req/s`,
    );
  });

  it('counts in Prometheus exactly the responses the server sent, per route and status', () => {
    const counted: Record<string, Record<string, number>> = {};
    for (const route of ROUTES) {
      const c = load.perPath[route.path]!;
      for (const [status, n] of Object.entries(c.statuses)) {
        const bucket = (counted[route.template] ??= {});
        bucket[status] = (bucket[status] ?? 0) + n;
      }
    }
    const delta: Record<string, Record<string, number>> = {};
    for (const template of Object.keys(counted)) {
      delta[template] = Object.fromEntries(Object.entries(after[template] ?? {}).map(([status, n]) => [status, n - (before[template]?.[status] ?? 0)]));
    }
    expect(inFlight).toBe(0);
    expect(delta).toEqual(served);
    // And the generator saw every one of them.
    const total = (counts: Record<string, Record<string, number>>) =>
      Object.values(counts).reduce((sum, s) => sum + Object.values(s).reduce((a, b) => a + b, 0), 0);
    expect(total(counted)).toBe(load.totalCompleted);
    expect(total(served)).toBe(total(counted));
  });

  it('keeps X-DB-Queries and X-Request-ID right on every response of every route', () => {
    for (const route of ROUTES) {
      const c = load.perPath[route.path]!;
      expect([route.path, c.dbQueries]).toEqual([route.path, { [route.queries]: c.responses }]);
      expect([route.path, c.requestIds]).toEqual([route.path, c.responses]);
    }
  });

  it('still answers afterwards, with nothing left in flight', async () => {
    expect((await fetch(`${sample.api}/hello`)).status).toBe(200);
  });
});
