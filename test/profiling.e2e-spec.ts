import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuProfile, CpuProfileResponse, CpuProfileSummary } from 'nestjs-performance';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

/** Keeps the process busy with real requests while a profile records, so it has JavaScript to sample. */
async function load(sample: RunningSample, untilMs: number): Promise<number> {
  let requests = 0;
  while (Date.now() < untilMs) {
    await (await fetch(`${sample.api}/documents?limit=20&include=author&strategy=naive`)).arrayBuffer();
    requests++;
  }
  return requests;
}

function expectCpuProfile(profile: CpuProfile): void {
  expect(profile.nodes.length).toBeGreaterThan(10);
  expect(profile.nodes[0]!.callFrame.functionName).toBe('(root)');
  expect(profile.samples!.length).toBeGreaterThan(100);
  expect(profile.timeDeltas!.length).toBe(profile.samples!.length);
  const ids = new Set(profile.nodes.map((n) => n.id));
  expect(profile.samples!.every((id) => ids.has(id))).toBe(true);
  expect(profile.endTime - profile.startTime).toBeGreaterThanOrEqual(900_000); // µs
}

describe.each(ADAPTERS)('profiling on the sample app (%s)', (adapter) => {
  let sample: RunningSample;

  beforeAll(async () => {
    sample = await startSample(adapter, { env: { PROFILING_ENABLED: 'true', PROFILING_MAX_SECONDS: '5' } });
  });
  afterAll(() => sample?.close());

  const post = (path: string, headers = sample.admin) => fetch(`${sample.api}/performance/${path}`, { method: 'POST', headers });

  it('records a CPU profile as a .cpuprofile download, refusing a second one while it runs', async () => {
    const started = Date.now();
    const download = post('profiling/cpu?seconds=1');
    // Let the first request claim the profiler before the second arrives.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const [busy, requests] = await Promise.all([post('profiling/cpu?seconds=1'), load(sample, started + 1000)]);
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { message: string }).message).toMatch(/^a CPU profile is being recorded/);
    expect(requests).toBeGreaterThan(5);

    const res = await download;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="cpu-[\dT-]+Z\.cpuprofile"$/);
    expectCpuProfile(JSON.parse(await res.text()) as CpuProfile);

    const summary = (await (await fetch(`${sample.api}/performance/profiling/summary`, { headers: sample.admin })).json()) as CpuProfileSummary;
    expect(summary.samples).toBeGreaterThan(100);
    expect(summary.durationMs).toBeGreaterThanOrEqual(900);
    expect(summary.top.length).toBeGreaterThan(3);
    const selfTimes = summary.top.map((f) => f.selfMs);
    expect(selfTimes).toEqual([...selfTimes].sort((a, b) => b - a));
    expect(summary.top.every((f) => f.functionName !== '(idle)' && f.selfPercent > 0 && f.selfPercent <= 100)).toBe(true);
  });

  it('answers { summary, profile } with format=json', async () => {
    const started = Date.now();
    const [res] = await Promise.all([post('profiling/cpu?seconds=1&format=json'), load(sample, started + 1000)]);
    expect(res.status).toBe(200);
    const body = (await res.json()) as CpuProfileResponse;
    expectCpuProfile(body.profile);
    expect(body.summary.samples).toBe(body.profile.samples!.length);
    expect(body.summary.nodes).toBe(body.profile.nodes.length);
  });

  it('answers 400 naming seconds outside 1..maxSeconds, and naming a bad format', async () => {
    for (const seconds of ['0', '6', 'abc', '-1']) {
      const res = await post(`profiling/cpu?seconds=${seconds}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { message: string }).message).toBe(`seconds must be an integer from 1 to 5 (got "${seconds}")`);
    }
    const res = await post('profiling/cpu?seconds=1&format=xml');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/^format must be json or cpuprofile/);
  });

  it('returns a heap snapshot download', async () => {
    const res = await post('profiling/heap');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="heap-.+\.heapsnapshot"$/);
    const snapshot = JSON.parse(await res.text()) as { snapshot: { meta: { node_fields: string[] }; node_count: number }; nodes: number[] };
    expect(snapshot.snapshot.meta.node_fields).toContain('name');
    expect(snapshot.snapshot.node_count).toBeGreaterThan(1000);
    expect(snapshot.nodes.length).toBe(snapshot.snapshot.node_count * snapshot.snapshot.meta.node_fields.length);
  });

  it('is admin-only', async () => {
    expect((await post('profiling/cpu?seconds=1', {})).status).toBe(401);
    expect((await post('profiling/heap', {})).status).toBe(401);
  });
});

describe('profiling off (the default)', () => {
  let sample: RunningSample;
  beforeAll(async () => {
    sample = await startSample('express');
  });
  afterAll(() => sample?.close());

  it('answers 404 even to the admin', async () => {
    for (const path of ['profiling/cpu?seconds=1', 'profiling/heap']) {
      const res = await fetch(`${sample.api}/performance/${path}`, { method: 'POST', headers: sample.admin });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { message: string }).message).toBe('profiling is switched off (profiling.enabled: false)');
    }
  });
});
