import * as prom from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HttpRequestSeries } from './http-request-series';

/** The registry's JSON of one metric, the way the cluster aggregator and the text format read it. */
async function valuesOf(registry: prom.Registry, name: string) {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)!;
  // prom-client's own histogram adds `exemplar: null` to its buckets; exemplars are not used here.
  return metric.values.map(({ exemplar: _exemplar, ...v }: { exemplar?: unknown } & (typeof metric.values)[number]) => ({
    ...v,
    labels: { ...v.labels },
  }));
}

function setup(buckets = [0.1, 0.5, 1]) {
  const registry = new prom.Registry();
  const series = new HttpRequestSeries(buckets);
  series.counter(prom, [registry]);
  registry.registerMetric(series.histogram('duration') as prom.Metric);
  return { registry, series };
}

describe('HttpRequestSeries', () => {
  it("give the same buckets, sum and count as prom-client's own Histogram for the same observations", async () => {
    const { registry, series } = setup();
    const reference = new prom.Registry();
    const histogram = new prom.Histogram({
      name: 'http_request_duration_seconds',
      help: 'duration',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.1, 0.5, 1],
      registers: [reference],
    });
    const observations: [string, string, number, number][] = [
      ['GET', '/a', 200, 0.1], // on a bound: counted in that bucket (le)
      ['GET', '/a', 200, 0.05],
      ['GET', '/a', 200, 0.7],
      ['GET', '/a', 200, 3],
      ['GET', '/a', 404, 0.2],
      ['POST', '/a', 200, 0.5],
    ];
    for (const [method, route, status, seconds] of observations) {
      series.record(method, route, status, seconds);
      histogram.observe({ method, route, status_code: status }, seconds);
    }
    const byKey = (vs: { labels: Record<string, unknown>; metricName?: string }[]) => [...vs].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const keyOf = (v: { labels: Record<string, unknown>; metricName?: string }) =>
      JSON.stringify([v.metricName, Object.entries(v.labels).sort(([x], [y]) => x.localeCompare(y))]);
    expect(byKey(await valuesOf(registry, 'http_request_duration_seconds'))).toEqual(byKey(await valuesOf(reference, 'http_request_duration_seconds')));
  });

  it('count responses in http_requests_total at each scrape, and start again after resetMetrics()', async () => {
    const { registry, series } = setup();
    series.record('GET', '/a', 200, 0.01);
    series.record('GET', '/a', 200, 0.01);
    expect(await valuesOf(registry, 'http_requests_total')).toEqual([{ value: 2, labels: { method: 'GET', route: '/a', status_code: 200 } }]);
    series.record('GET', '/a', 200, 0.01);
    expect((await valuesOf(registry, 'http_requests_total'))[0]!.value).toBe(3);
    registry.resetMetrics();
    expect(await valuesOf(registry, 'http_requests_total')).toEqual([]);
    expect(await valuesOf(registry, 'http_request_duration_seconds')).toEqual([]);
    series.record('GET', '/a', 500, 0.01);
    expect(await valuesOf(registry, 'http_requests_total')).toEqual([{ value: 1, labels: { method: 'GET', route: '/a', status_code: 500 } }]);
  });
});
