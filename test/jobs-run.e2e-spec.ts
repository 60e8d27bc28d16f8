import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackJob } from '../libs/performance/src/jobs/track-job.decorator';
import type { JobStatus, JobsStatusBody, ManualJobRun } from '../libs/performance/src/jobs/job-status';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

type RunAnswer = ManualJobRun & { job: string };

describe.each(ADAPTERS)('POST jobs/:name/run on the sample app (%s)', (adapter) => {
  let sample: RunningSample;
  const post = async (name: string, init: RequestInit = {}) => {
    const res = await fetch(`${sample.api}/performance/jobs/${name}/run`, { method: 'POST', headers: sample.admin, ...init });
    return { status: res.status, body: (await res.json()) as RunAnswer & { message?: string } };
  };
  const job = async (name: string) => (await (await fetch(`${sample.api}/performance/jobs/${name}`, { headers: sample.admin })).json()) as JobStatus;
  async function untilFinished(name: string, runs: number): Promise<JobStatus> {
    for (let i = 0; i < 400; i++) {
      const body = await job(name);
      if (body.runs >= runs && body.running === 0) return body;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`job ${name} did not reach ${runs} runs`);
  }

  beforeAll(async () => {
    sample = await startSample(adapter);
  });
  afterAll(async () => {
    await sample?.close();
  });

  it('starts a run (202 with a run id), refuses a second while it runs (409), tracks it like any other', async () => {
    const first = await post('category-stats');
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ job: 'category-stats', status: 'running', finishedAt: null });
    expect(first.body.runId).toMatch(/^[0-9a-f-]{36}$/);

    const busy = await post('category-stats');
    expect(busy.status).toBe(409);
    expect(busy.body.message).toBe('job "category-stats" is running; try again once the run in progress has finished');

    const running = await job('category-stats');
    expect(running).toMatchObject({ status: 'running', running: 1, lastManualRun: { runId: first.body.runId, status: 'running' } });

    const done = await untilFinished('category-stats', 1);
    expect(done).toMatchObject({ status: 'success', runs: 1, successes: 1, failures: 0, runnable: true });
    expect(done.lastManualRun).toMatchObject({ runId: first.body.runId, status: 'success' });
    expect(Date.parse(done.lastManualRun!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(done.lastManualRun!.requestedAt));

    // Once finished, it can run again: a new id, a second run in jobs/status.
    const second = await post('category-stats');
    expect(second.status).toBe(202);
    expect(second.body.runId).not.toBe(first.body.runId);
    await untilFinished('category-stats', 2);
    const status = (await (await fetch(`${sample.api}/performance/jobs/status`, { headers: sample.admin })).json()) as JobsStatusBody;
    expect(status.jobs.find((j) => j.name === 'category-stats')).toMatchObject({ runs: 2, successes: 2, lastManualRun: { runId: second.body.runId } });
  });

  it('answers 404 for an unknown job and for a tracked job that is not runnable, naming the runnable ones; runs nothing', async () => {
    expect(await post('no-such-job')).toEqual({
      status: 404,
      body: { statusCode: 404, error: 'Not Found', message: 'job "no-such-job" is not tracked; runnable jobs: category-stats' },
    });
    const before = await job('search-index-sync');
    const refused = await post('search-index-sync');
    expect(refused.status).toBe(404);
    expect(refused.body.message).toBe('job "search-index-sync" is not runnable (mark it @TrackJob(name, { runnable: true })); runnable jobs: category-stats');
    expect(await job('search-index-sync')).toMatchObject({ runs: before.runs, running: 0, lastManualRun: null });
  });

  it('answers 400 for a malformed name, a query parameter or a body; 401 without the token', async () => {
    expect((await post('bad%20name')).status).toBe(400);
    const query = await fetch(`${sample.api}/performance/jobs/category-stats/run?now=1`, { method: 'POST', headers: sample.admin });
    expect(query.status).toBe(400);
    const body = await post('category-stats', { headers: { ...sample.admin, 'content-type': 'application/json' }, body: '{"x":1}' });
    expect(body.status).toBe(400);
    expect((await fetch(`${sample.api}/performance/jobs/category-stats/run`, { method: 'POST' })).status).toBe(401);
  });
});

describe('@TrackJob({ runnable: true })', () => {
  it('refuses a method with parameters when the class is defined, naming the method', () => {
    expect(() => {
      class Importer {
        @TrackJob('import-file', { runnable: true })
        run(path: string): string {
          return path;
        }
      }
      return Importer;
    }).toThrow(
      "@TrackJob('import-file', { runnable: true }) needs a method without parameters (Importer.run takes 1): " +
        'POST jobs/:name/run has nothing to pass it. Move the arguments into the method, or leave runnable out.',
    );
  });
});
