import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterMetricsHandler, shareMetricsWithClusterPrimary } from 'nestjs-performance';
import { parsePrometheusText, sampleValue, seriesOf } from './fixtures/observability-prometheus-text';

const WORKER_SCRIPT = join(__dirname, 'fixtures', 'observability-cluster.worker.cjs');
const READY_TIMEOUT_MS = 30_000;

interface RunningWorker {
  worker: Worker;
  url: string;
  output: () => string;
}

/** Forks one worker running the observability fixture and waits for its port. */
function forkWorker(): Promise<RunningWorker> {
  const worker = cluster.fork();
  let output = '';
  worker.process.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  worker.process.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('worker not ready in time')), READY_TIMEOUT_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      worker.process.kill('SIGKILL');
      reject(new Error(`${error.message}\n${output}`));
    };
    worker.on('message', (message: { type?: string; port?: number }) => {
      if (message.type !== 'ready') return;
      clearTimeout(timer);
      resolve({ worker, url: `http://127.0.0.1:${message.port}`, output: () => output });
    });
    worker.on('exit', (code, signal) => fail(new Error(`worker exited (${code ?? signal}) before it was ready`)));
  });
}

async function send(url: string, count: number, init?: RequestInit): Promise<number[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      return res.status;
    }),
  );
}

describe('Prometheus metrics in Node cluster mode', () => {
  const workers: RunningWorker[] = [];
  let primary: Server | undefined;
  let primaryUrl = '';

  beforeAll(async () => {
    // silent: the workers' output is kept for the failure message instead of mixed into the test log.
    cluster.setupPrimary({ exec: WORKER_SCRIPT, execArgv: [], silent: true });
    const started = await Promise.allSettled([forkWorker(), forkWorker()]);
    for (const s of started) if (s.status === 'fulfilled') workers.push(s.value);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    primary = createServer(clusterMetricsHandler());
    await new Promise<void>((resolve) => primary!.listen(0, '127.0.0.1', resolve));
    primaryUrl = `http://127.0.0.1:${(primary.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (primary ? primary.close(() => resolve()) : resolve()));
    await Promise.all(
      workers.map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            if (worker.process.exitCode !== null || worker.process.signalCode !== null) return resolve();
            worker.once('exit', () => resolve());
            worker.process.kill('SIGKILL');
          }),
      ),
    );
  });

  it('the primary answers the exact sum of what each worker counted', async () => {
    const [a, b] = workers as [RunningWorker, RunningWorker];
    expect(await send(`${a.url}/api/v1/obs/ok`, 7)).toEqual(Array(7).fill(200));
    expect(await send(`${a.url}/api/v1/obs/items/x1`, 3)).toEqual(Array(3).fill(200));
    expect(await send(`${b.url}/api/v1/obs/ok`, 5)).toEqual(Array(5).fill(200));
    expect(await send(`${b.url}/api/v1/obs/items`, 2, { method: 'POST' })).toEqual(Array(2).fill(201));
    expect(await send(`${b.url}/api/v1/obs/bad`, 4)).toEqual(Array(4).fill(400));

    const res = await fetch(`${primaryUrl}/metrics`);
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(text);
    const expected: [string, string, string, number][] = [
      ['GET', '/api/v1/obs/ok', '200', 12],
      ['GET', '/api/v1/obs/items/:id', '200', 3],
      ['POST', '/api/v1/obs/items', '201', 2],
      ['GET', '/api/v1/obs/bad', '400', 4],
    ];
    for (const [method, route, status_code, count] of expected) {
      const labels = { method, route, status_code };
      expect(sampleValue(families, 'http_requests_total', 'http_requests_total', labels), route).toBe(count);
      expect(sampleValue(families, 'http_request_duration_seconds', 'http_request_duration_seconds_count', labels)).toBe(count);
      expect(sampleValue(families, 'http_request_duration_seconds', 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(count);
    }
    expect(seriesOf(families, 'http_requests_total')).toHaveLength(expected.length);
    expect(families.get('http_requests_total')!.type).toBe('counter');
    expect(sampleValue(families, 'http_requests_in_flight', 'http_requests_in_flight')).toBe(0);
    // Default process metrics come through too (from both workers).
    expect(families.get('process_cpu_user_seconds_total')?.type).toBe('counter');
  });

  it('every scrape aggregates afresh: later requests add to the sum', async () => {
    const [a, b] = workers as [RunningWorker, RunningWorker];
    const before = parsePrometheusText(await (await fetch(`${primaryUrl}/metrics`)).text());
    const labels = { method: 'GET', route: '/api/v1/obs/ok', status_code: '200' };
    const was = sampleValue(before, 'http_requests_total', 'http_requests_total', labels);
    await send(`${a.url}/api/v1/obs/ok`, 2);
    await send(`${b.url}/api/v1/obs/ok`, 9);
    const after = parsePrometheusText(await (await fetch(`${primaryUrl}/metrics`)).text());
    expect(sampleValue(after, 'http_requests_total', 'http_requests_total', labels)).toBe(was + 11);
  });

  it('does nothing outside a cluster worker', () => {
    expect(shareMetricsWithClusterPrimary({ registry: {} as never })).toBe(false);
  });
});
