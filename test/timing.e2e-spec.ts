import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Timed } from '../libs/performance/src/timing/timed.decorator';
import type { MethodTiming, MethodTimingsBody } from '../libs/performance/src/timing/method-timings.service';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

/** Plain sync methods, timed like the sample's: one succeeds, one throws. */
class Checksums {
  @Timed()
  sum(values: number[]): number {
    return values.reduce((a, b) => a + b, 0);
  }

  @Timed({ name: 'Checksums.strict' })
  strict(value: number): number {
    if (value < 0) throw new RangeError(`negative: ${value}`);
    return value;
  }
}

describe.each(ADAPTERS)('@Timed() methods on the sample app (%s)', (adapter) => {
  let sample: RunningSample;
  const methods = async () => {
    const res = await fetch(`${sample.api}/performance/methods`, { headers: sample.admin });
    expect(res.status).toBe(200);
    return (await res.json()) as MethodTimingsBody;
  };
  const find = (body: MethodTimingsBody, className: string, method: string) => body.methods.find((m) => m.className === className && m.method === method);

  beforeAll(async () => {
    sample = await startSample(adapter);
  });
  afterAll(async () => {
    await sample?.close();
  });

  it('needs the admin credential', async () => {
    expect((await fetch(`${sample.api}/performance/methods`)).status).toBe(401);
  });

  it('counts each call of a sync handler and an async service method, and the async errors', async () => {
    for (let i = 0; i < 7; i++) expect((await fetch(`${sample.api}/hello`)).status).toBe(200);
    for (const id of [1, 2, 3]) expect((await fetch(`${sample.api}/documents/${id}`)).status).toBe(200);
    for (const id of [999_001, 999_002]) expect((await fetch(`${sample.api}/documents/${id}`)).status).toBe(404);

    const body = await methods();
    expect(Number.isNaN(Date.parse(body.since))).toBe(false);
    const hello = find(body, 'HelloController', 'hello')!;
    expect(hello).toMatchObject({ calls: 7, errors: 0, errorRatePercent: 0 });
    const findOne = find(body, 'DocumentsService', 'findOne')!;
    expect(findOne).toMatchObject({ calls: 5, errors: 2, errorRatePercent: 40 });
    for (const m of [hello, findOne]) {
      expect(m.meanMs).toBeGreaterThan(0);
      expect(m.p50Ms!).toBeLessThanOrEqual(m.p95Ms!);
      expect(m.p95Ms!).toBeLessThanOrEqual(m.p99Ms!);
      expect(m.p99Ms!).toBeLessThanOrEqual(m.maxMs! * 1.01 + 0.001);
      expect(m.totalMs).toBeGreaterThanOrEqual(m.maxMs!);
      expect(Number.isNaN(Date.parse(m.lastCallAt!))).toBe(false);
    }
  });

  it('counts sync errors, rethrown unchanged, under the name given', async () => {
    const c = new Checksums();
    expect(c.sum([1, 2, 3])).toBe(6);
    expect(c.strict(4)).toBe(4);
    expect(() => c.strict(-1)).toThrow(RangeError);
    expect(() => c.strict(-2)).toThrow('negative: -2');
    const body = await methods();
    expect(find(body, 'Checksums', 'sum')).toMatchObject({ calls: 1, errors: 0 });
    expect(find(body, 'Checksums', 'strict')).toMatchObject({ calls: 3, errors: 2 });
  });

  it('exposes method_duration_seconds on /metrics with the same counts', async () => {
    const text = await (await fetch(`${sample.url}/metrics`)).text();
    const count = (cls: string, method: string, outcome: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`method_duration_seconds_count{class="${cls}",method="${method}",outcome="${outcome}"}`));
      return line === undefined ? 0 : Number(line.split(' ').pop());
    };
    const body = await methods();
    for (const m of body.methods as MethodTiming[]) {
      expect(count(m.className, m.method, 'success') + count(m.className, m.method, 'error')).toBe(m.calls);
      expect(count(m.className, m.method, 'error')).toBe(m.errors);
    }
    expect(count('DocumentsService', 'findOne', 'error')).toBe(2);
  });
});
