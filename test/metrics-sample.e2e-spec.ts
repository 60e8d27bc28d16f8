import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from './fixtures/observability-prometheus-text';
import { type RunningSample, startSample } from './support/sample-app';

/**
 * The sample app's real database and cache events reach the Prometheus
 * metrics: deltas between two scrapes equal exactly what the requests ran
 * (start-up seeding runs statements too, so absolute values are not fixed).
 */
describe('sample app events in /metrics (express)', () => {
  let sample: RunningSample;

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 200 });
  });
  afterAll(() => sample?.close());

  async function scrape() {
    const res = await fetch(`${sample.url}/metrics`);
    expect(res.status).toBe(200);
    return parsePrometheusText(await res.text());
  }

  it('GET /api/v1/documents/1 adds exactly one SELECT per request to db_queries_total', async () => {
    const before = await scrape();
    const n = 13;
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${sample.api}/documents/1`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const after = await scrape();
    const delta = (operation: string) =>
      sampleValue(after, 'db_queries_total', 'db_queries_total', { operation }) - sampleValue(before, 'db_queries_total', 'db_queries_total', { operation });
    expect({ SELECT: delta('SELECT'), INSERT: delta('INSERT'), UPDATE: delta('UPDATE'), DELETE: delta('DELETE'), OTHER: delta('OTHER') }).toEqual({
      SELECT: n,
      INSERT: 0,
      UPDATE: 0,
      DELETE: 0,
      OTHER: 0,
    });
    const count = (f: typeof after) => sampleValue(f, 'db_query_duration_seconds', 'db_query_duration_seconds_count', { operation: 'SELECT' });
    expect(count(after) - count(before)).toBe(n);
    expect(sampleValue(after, 'http_requests_total', 'http_requests_total', { method: 'GET', route: '/api/v1/documents/:id', status_code: '200' })).toBe(n);
  });

  it('the cached analytics overview shows one miss then hits in cache_lookups_total', async () => {
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${sample.api}/analytics/overview`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const after = await scrape();
    const delta = (status: string) =>
      sampleValue(after, 'cache_lookups_total', 'cache_lookups_total', { namespace: 'analytics', status }) -
      sampleValue(before, 'cache_lookups_total', 'cache_lookups_total', { namespace: 'analytics', status });
    expect({ miss: delta('miss'), hit: delta('hit') }).toEqual({ miss: 1, hit: 2 });
  });
});
