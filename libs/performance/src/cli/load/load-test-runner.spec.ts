import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type Autocannon, runLoad } from './load-test-runner';

/** A load generator that answers at once with the given response times (ms), as autocannon reports them. */
function generator(times: readonly number[]): Autocannon {
  return (_options, done) => {
    const instance = Object.assign(new EventEmitter(), { stop: () => undefined });
    setImmediate(() => {
      for (const ms of times) instance.emit('response', {}, 200, 10, ms);
      done(null, { errors: 0 });
    });
    return instance;
  };
}

const plan = {
  base: new URL('http://127.0.0.1:1/api'),
  config: { baseUrl: 'http://127.0.0.1:1/api', endpoints: [{ method: 'GET', path: '/x' }], connections: 1, durationSeconds: 5, amount: 205 },
  headers: {},
  body: undefined,
  timeoutSeconds: 5,
  progress: false,
};

describe('the load report', () => {
  it('never reports p99 above max (5 slow responses of 49.14 ms among 200 fast ones)', async () => {
    const { result } = await runLoad(plan, generator([...Array.from({ length: 200 }, (_, i) => 1 + i / 1000), 49.14, 49.14, 49.14, 49.14, 49.14]));
    expect(result.totalRequests).toBe(205);
    expect(result.latencyMs.max).toBe(49.14);
    expect(result.latencyMs.p99).toBe(49.14);
    const { p50, p95, p99, max, mean } = result.latencyMs;
    expect(p50 <= p95 && p95 <= p99 && p99 <= max && mean <= max).toBe(true);
  });

  it('reports zeros when no response came', async () => {
    const { result } = await runLoad(plan, generator([]));
    expect(result.latencyMs).toEqual({ mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
  });
});
