import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { ADAPTERS } from './support/http-app';
import { startSample, type RunningSample } from './support/sample-app';

describe.each(ADAPTERS)("the sampler leaves the module's own endpoints out of its figures (%s)", (adapter) => {
  let sample: RunningSample;
  let sampler: MetricsSampler;

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 10 });
    sampler = sample.app.get(MetricsSampler);
  });
  afterAll(() => sample?.close());

  const get = async (url: string, headers: Record<string, string> = {}): Promise<number> => {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    return res.status;
  };

  it('counts app requests only: admin API, dashboard, /metrics, /health*, /status are not requests of the app', async () => {
    await sampler.collect();
    for (let i = 0; i < 3; i++) expect(await get(`${sample.api}/hello`)).toBe(200);
    expect(await get(`${sample.api}/documents/1`)).toBe(200);
    const admin = `${sample.api}/performance`;
    for (const path of ['kpis', 'metrics/current', 'recommendations', 'health-overview', 'database-stats', 'dashboard/config']) {
      expect([path, await get(`${admin}/${path}`, sample.admin)]).toEqual([path, 200]);
    }
    expect(await get(`${admin}/dashboard`, { ...sample.admin, accept: 'application/json' })).toBe(200);
    expect(await get(`${admin}/kpis`)).toBe(401);
    expect(await get(`${admin}/no-such-endpoint`, sample.admin)).toBe(404);
    for (const path of ['/metrics', '/health', '/health/live', '/health/ready', '/status']) {
      expect([path, await get(`${sample.url}${path}`)]).toEqual([path, 200]);
    }
    const s = await sampler.collect();
    expect({ requests: s.requests, errors: s.errors, dbQueries: s.dbQueries }).toEqual({ requests: 4, errors: 0, dbQueries: 1 });
  });

  it('still counts a 404 of the app outside the admin path', async () => {
    await sampler.collect();
    expect(await get(`${sample.api}/performancex`)).toBe(404);
    expect(await get(`${sample.url}/metricsx`)).toBe(404);
    expect((await sampler.collect()).requests).toBe(2);
  });
});
