import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestStats } from '../libs/performance/src/monitor/request-stats.service';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { parsePrometheusText, seriesOf } from './fixtures/observability-prometheus-text';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

// Under a global prefix Express answers unknown URLs through routes Nest registers itself (`/api/v1*path`, and the
// not-found handler on each excluded path); Fastify through its not-found handler. Both count them as `<unmatched>`.
describe.each(ADAPTERS)('unknown URLs under a global prefix on %s', (adapter) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(observabilityFixture(), adapter, (app) => {
      app.setGlobalPrefix('api/v1', { exclude: ['obs/ok'] });
    });
  });
  afterAll(() => running?.close());

  it('label them <unmatched> in /metrics and in the request stats, beside the real templates', async () => {
    const sent: [string, string, number][] = [
      ['GET', '/api/v1/nope/1', 404],
      ['GET', '/api/v1/obs/nope/2', 404],
      ['DELETE', '/api/v1/obs/items', 404],
      ['GET', '/api/v1', 404],
      ['GET', '/elsewhere', 404],
      ['POST', '/obs/ok', 404], // excluded from the prefix, GET only
      ['GET', '/obs/ok', 200],
      ['GET', '/api/v1/obs/items/7', 200],
    ];
    for (const [method, path, status] of sent) {
      const res = await fetch(running.url + path, { method });
      await res.arrayBuffer();
      expect([method, path, res.status]).toEqual([method, path, status]);
    }
    const families = parsePrometheusText(await (await fetch(`${running.url}/metrics`)).text());
    const routes = seriesOf(families, 'http_requests_total').map((s) => `${s.method} ${s.route} ${s.status_code}`);
    expect(routes.sort()).toEqual(
      ['GET <unmatched> 404', 'DELETE <unmatched> 404', 'POST <unmatched> 404', 'GET /obs/ok 200', 'GET /api/v1/obs/items/:id 200'].sort(),
    );
    const stats = running.app
      .get(RequestStats)
      .routeStats()
      .map((r) => `${r.method} ${r.route} ${r.requests}`);
    expect(stats.sort()).toEqual(['GET <unmatched> 4', 'DELETE <unmatched> 1', 'POST <unmatched> 1', 'GET /obs/ok 1', 'GET /api/v1/obs/items/:id 1'].sort());
  });
});
