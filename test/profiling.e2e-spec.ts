import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ProcessProfiler } from '../libs/performance/src/profiling/process-profiler.service';
import type { CpuProfile, CpuProfileSummary } from '../libs/performance/src/profiling/cpu-profile-summary';
import type { CpuProfileResponse } from '../libs/performance/src/admin/profiling.controller';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

/**
 * Keeps the process busy with real requests until `done` settles, so a
 * profile has JavaScript to sample. Returns how many requests it made (at
 * least one; how many depends on the machine, so tests only check one ran).
 */
async function load(sample: RunningSample, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  let requests = 0;
  do {
    await (await fetch(`${sample.api}/documents?limit=20&include=author&strategy=naive`)).arrayBuffer();
    requests++;
  } while (!finished);
  return requests;
}

function expectCpuProfile(profile: CpuProfile): void {
  expect(profile.nodes.length).toBeGreaterThan(10);
  expect(profile.nodes[0]!.callFrame.functionName).toBe('(root)');
  expect(profile.samples!.length).toBeGreaterThan(0);
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

  const profiler = () => sample.app.get(ProcessProfiler);

  it('records a CPU profile as a .cpuprofile download, refusing a second one while it runs', async () => {
    const download = post('profiling/cpu?seconds=1');
    // The first request holds the profiler before the second is sent.
    await vi.waitFor(() => expect(profiler().activity?.kind).toBe('cpu'), { timeout: 5000 });
    const [busy, requests] = await Promise.all([post('profiling/cpu?seconds=1'), load(sample, download)]);
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { message: string }).message).toMatch(/^a CPU profile is being recorded/);
    expect(requests).toBeGreaterThan(0);

    const res = await download;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="cpu-[\dT-]+Z\.cpuprofile"$/);
    expectCpuProfile(JSON.parse(await res.text()) as CpuProfile);

    const summary = (await (await fetch(`${sample.api}/performance/profiling/summary`, { headers: sample.admin })).json()) as CpuProfileSummary;
    expect(summary.samples).toBeGreaterThan(0);
    expect(summary.durationMs).toBeGreaterThanOrEqual(900);
    expect(summary.top.length).toBeGreaterThan(0);
    const selfTimes = summary.top.map((f) => f.selfMs);
    expect(selfTimes).toEqual([...selfTimes].sort((a, b) => b - a));
    expect(summary.top.every((f) => f.functionName !== '(idle)' && f.selfPercent > 0 && f.selfPercent <= 100)).toBe(true);
  });

  it('answers { summary, profile } with format=json', async () => {
    const download = post('profiling/cpu?seconds=1&format=json');
    const [res] = await Promise.all([download, load(sample, download)]);
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

  it('takes one heap snapshot at a time: of four concurrent requests one gets it, the others 409', async () => {
    const responses = await Promise.all([1, 2, 3, 4].map(() => post('profiling/heap')));
    expect(responses.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    for (const busy of responses.filter((r) => r.status === 409)) {
      expect(((await busy.json()) as { message: string }).message).toMatch(/^a heap snapshot is being taken or downloaded/);
    }
    const download = responses.find((r) => r.status === 200)!;
    const snapshot = JSON.parse(await download.text()) as { snapshot: { node_count: number } };
    expect(snapshot.snapshot.node_count).toBeGreaterThan(1000);
    // Free again once the download is over.
    await vi.waitFor(() => expect(profiler().activity).toBeNull());
    expect((await post('profiling/cpu?seconds=1&format=json')).status).toBe(200);
  });

  describe('with its own temp directory', () => {
    let tmp: string;
    let saved: string | undefined;
    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'profiling-spec-'));
      saved = process.env.TMPDIR;
      process.env.TMPDIR = tmp; // os.tmpdir() reads it on each call
    });
    afterAll(() => {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      rmSync(tmp, { recursive: true, force: true });
    });

    it('writes a heap snapshot to a new private directory (0700, file 0600) and removes both after the download', async () => {
      const res = await post('profiling/heap');
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      // The rest of the download waits for the reader, so the file is still there.
      expect((await reader.read()).done).toBe(false);
      const dirs = readdirSync(tmp);
      expect(dirs).toEqual([expect.stringMatching(/^nestjs-performance-heap-/)]);
      const dir = join(tmp, dirs[0]!);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(readdirSync(dir)).toEqual(['snapshot.heapsnapshot']);
      expect(statSync(join(dir, 'snapshot.heapsnapshot')).mode & 0o777).toBe(0o600);
      while (!(await reader.read()).done);
      await vi.waitFor(() => expect(readdirSync(tmp)).toEqual([]));
      await vi.waitFor(() => expect(profiler().activity).toBeNull());
    });

    it('removes the snapshot and frees the profiler when the client leaves mid-download', async () => {
      const client = new AbortController();
      const res = await fetch(`${sample.api}/performance/profiling/heap`, { method: 'POST', headers: sample.admin, signal: client.signal });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      expect((await reader.read()).done).toBe(false);
      expect(readdirSync(tmp)).toHaveLength(1);
      client.abort();
      await reader.read().catch(() => undefined);
      await vi.waitFor(() => expect(readdirSync(tmp)).toEqual([]));
      await vi.waitFor(() => expect(profiler().activity).toBeNull());
    });
  });

  it('stops a CPU profile when its client disconnects, keeping the previous summary', async () => {
    const previous = profiler().latestSummary;
    const client = new AbortController();
    const request = fetch(`${sample.api}/performance/profiling/cpu?seconds=5`, { method: 'POST', headers: sample.admin, signal: client.signal });
    const settled = request.catch((error: unknown) => error);
    await vi.waitFor(() => expect(profiler().activity?.kind).toBe('cpu'), { timeout: 5000 });
    const endsAt = Date.parse(profiler().activity!.endsAt!);
    client.abort();
    expect(await settled).toMatchObject({ name: 'AbortError' });
    // Stopped when the client left, not at the end of the 5 s it asked for.
    await vi.waitFor(() => expect(profiler().activity).toBeNull(), { timeout: 4000 });
    expect(Date.now()).toBeLessThan(endsAt);
    expect(profiler().latestSummary).toBe(previous);
    // The session is released: the next profile is not refused.
    expect((await post('profiling/cpu?seconds=1&format=json')).status).toBe(200);
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
