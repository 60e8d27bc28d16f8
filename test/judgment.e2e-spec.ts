import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AlertManager } from '../libs/performance/src/alerts/alert-manager.service';
import { METRIC_CATALOGUE } from '../libs/performance/src/core/judgment/metric-catalogue';
import type { Level } from '../libs/performance/src/core/judgment/judgment';
import { THRESHOLD_METRIC_NAMES, type ThresholdMetric } from '../libs/performance/src/core/options/thresholds.options';
import type { ResolvedPerformanceOptions } from '../libs/performance/src/core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../libs/performance/src/core/options/options-token';
import { LoadTestRuns } from '../libs/performance/src/monitor/load-test-runs.service';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import type { MetricsSnapshot } from '../libs/performance/src/monitor/metrics-snapshot';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

/**
 * One judgment, driven across every boundary: for each metric of the
 * threshold model, values better than, at and past `good`, at and past
 * `critical` go through the sampler of the real sample app (its readings
 * replaced by a crafted snapshot: everything good but the metric under
 * test), and the KPI, the alert, the dashboard card, the health score and
 * the exit code of `nestjs-performance analyze` must all say the same level.
 */

/** Values every metric is good at (the calm background of each case). */
const CALM: Readonly<Record<ThresholdMetric, number>> = {
  p50Ms: 10,
  p95Ms: 50,
  p99Ms: 90,
  meanMs: 20,
  errorRatePercent: 0,
  requestsPerSecond: 2000,
  cpuPercent: 5,
  memoryPercent: 10,
  diskPercent: 20,
  eventLoopLagP99Ms: 10,
  loadPerCore: 0.2,
  dbMeanQueryMs: 2,
  slowQueriesPerHour: 0,
  poolUtilizationPercent: 10,
  poolWaiting: 0,
  databasesDown: 0,
  cacheHitRatePercent: 95,
  cacheAvailabilityPercent: 100,
  cacheMeanMs: 1,
  cacheStoreDown: 0,
  jobFailureRatePercent: 0,
  jobsPerMinute: 1000,
};

interface Case {
  readonly value: number;
  readonly level: Level;
  readonly where: string;
}

/** Better than good, at good, just past good, at critical, just past critical: each with the level it must get. */
function casesOf(metric: ThresholdMetric, good: number, critical: number | null): Case[] {
  const worse = METRIC_CATALOGUE[metric].direction === 'above' ? 1 : -1;
  const step = Math.max(0.01, Math.abs(good) * 0.01);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const cases: Case[] = [
    { value: round(Math.max(0, good - worse * step)), level: 'good', where: 'better than good' },
    { value: good, level: 'good', where: 'at good' },
  ];
  // A metric whose critical level is its good one (a database down) goes from good to critical at once.
  if (critical === good) return [...cases, { value: round(good + worse * step), level: 'critical', where: 'just past good and critical' }];
  cases.push({ value: round(good + worse * step), level: 'warning', where: 'just past good' });
  if (critical !== null) {
    cases.push({ value: critical, level: 'warning', where: 'at critical' });
    cases.push({ value: round(critical + worse * Math.max(0.01, Math.abs(critical) * 0.01)), level: 'critical', where: 'just past critical' });
  }
  return cases;
}

interface Kpi {
  metric: string;
  status: string;
  level: string | null;
  target: number;
}
interface Card {
  metric: string;
  level: string;
  value: number | null;
}
interface Part {
  score: number | null;
  weight: number;
}
interface Overview {
  score: number | null;
  status: string;
  parts: Record<string, Part>;
  dataAt: string;
  window: { seconds: number; from: string; to: string };
}

describe('one judgment: KPI, alert, dashboard card, health score and CLI exit code agree at every boundary', () => {
  let sample: RunningSample;
  let sampler: MetricsSampler;
  let alerts: AlertManager;
  let options: ResolvedPerformanceOptions;
  let base: MetricsSnapshot;
  let reading: Partial<MetricsSnapshot> = {};
  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    sample = await startSample('express', {
      seedDocuments: 50,
      env: {
        // Alerts fire on the first breaching window and resolve on the first good one: this test is about levels, not the lifecycle.
        ALERT_FOR_SECONDS: '0',
        ALERT_FLAP_WINDOW_SECONDS: '0',
        ALERT_LOG: 'false',
        // Off by default (the host's figure): judged here with the usual levels, so its boundaries are driven too.
        THRESHOLD_LOAD_PER_CORE: JSON.stringify({ good: 1.5, critical: 2 }),
      },
    });
    sampler = sample.app.get(MetricsSampler);
    alerts = sample.app.get(AlertManager);
    options = sample.app.get<ResolvedPerformanceOptions>(PERFORMANCE_OPTIONS);
    base = await sampler.collect();
    // The sampler's readings of the machine give way to a crafted snapshot: everything calm but the metric under test.
    const realRead = (sampler as unknown as { read(): MetricsSnapshot }).read.bind(sampler);
    vi.spyOn(sampler as unknown as { read(): MetricsSnapshot }, 'read').mockImplementation(() => {
      realRead(); // keeps the sampler's own windows moving
      return { ...base, ...CALM, requests: 6000, errors: 0, intervalSeconds: 60, timestamp: new Date().toISOString(), ...reading };
    });
    // Throughput and jobs per minute are judged only inside a load test: one runs through the whole test.
    sample.app.get(LoadTestRuns).record({
      id: 'judgment-e2e',
      status: 'running',
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
      config: { baseUrl: sample.api, endpoints: [{ method: 'GET', path: '/hello' }], connections: 1, durationSeconds: 7200, amount: null },
    });
  });
  afterAll(() => sample?.close());

  /** Takes a snapshot whose values are `values` over the calm ones; resolves once its alerts are evaluated and saved. */
  async function snapshotWith(values: Partial<MetricsSnapshot>): Promise<void> {
    reading = values;
    await sampler.collect();
    await alerts.flush();
  }

  // Every metric of the model. The job failure rate's alert is judged per job (`job-failure-rate`, with the same
  // levels: test/job-alerts.e2e-spec.ts drives it), and the stores' outage alerts come from the health checks
  // (`database-down`, `cache-store-down`: test/health-outage.e2e-spec.ts); here their KPI, card, score and exit
  // code are, and they raise no alert of the snapshot.
  it.each(THRESHOLD_METRIC_NAMES)('%s', async (metric) => {
    const levels = options.thresholds[metric];
    if (levels === false) throw new Error(`${metric} is not judged`);
    const def = METRIC_CATALOGUE[metric];
    // Start calm: whatever the previous metric left open resolves.
    await snapshotWith({});
    expect(alerts.firing().map((a) => a.metric)).toEqual([]);

    for (const c of casesOf(metric, levels.good, levels.critical === false ? null : levels.critical)) {
      const what = `${metric} = ${c.value} (${c.where})`;
      await snapshotWith({ [metric]: c.value });
      const snapshot = sampler.latest()!;
      expect(snapshot[metric], what).toBe(c.value);

      // The KPI: the good level is its target; past it, it fails with the level.
      const kpis = await admin<{ passing: boolean; dataAt: string; window: { seconds: number }; kpis: Kpi[] }>('kpis');
      const kpi = kpis.kpis.find((k) => k.metric === metric)!;
      expect(kpi, what).toMatchObject({ target: levels.good, status: c.level === 'good' ? 'pass' : 'fail', level: c.level });
      expect(kpis.passing, what).toBe(c.level === 'good');
      expect(kpis.dataAt, what).toBe(snapshot.timestamp);
      expect(kpis.window.seconds, what).toBe(60);

      // The alert: a failing KPI is a warning alert, a critical level a critical one; capacity figures raise none.
      const firing = alerts.firing().filter((a) => a.metric === metric);
      if (def.alert === 'metric' && c.level !== 'good') {
        expect(
          firing.map((a) => a.severity),
          what,
        ).toEqual([c.level]);
      } else {
        expect(firing, what).toEqual([]);
      }
      expect(
        alerts.firing().filter((a) => a.metric !== metric),
        what,
      ).toEqual([]);

      // The dashboard card: its level, from the server.
      const dashboard = await admin<{ data_at: string; cards: Card[]; optimization_summary: { performance_score: number | null } }>('dashboard');
      expect(
        dashboard.cards.find((card) => card.metric === metric),
        what,
      ).toMatchObject({ value: c.value, level: c.level });
      expect(
        dashboard.cards.filter((card) => card.metric !== metric && card.level !== 'good'),
        what,
      ).toEqual([]);
      expect(dashboard.data_at, what).toBe(snapshot.timestamp);

      // The health score: the metric's part scores 100 when good, 50 in warning, 0 when critical; the score is the same everywhere.
      const health = await admin<Overview>('health-overview');
      const points = { good: 100, warning: 50, critical: 0 }[c.level];
      const part = def.part;
      const expected: Record<string, number> = { database: 100, system: 100, cache: 100 };
      if (part) expected[part] = points;
      expect(Object.fromEntries(Object.entries(health.parts).map(([name, p]) => [name, p.score])), what).toEqual(expected);
      const w = health.parts as Record<string, Part>;
      const score =
        Math.round(((expected.database! * w.database!.weight + expected.system! * w.system!.weight + expected.cache! * w.cache!.weight) / 100) * 10) / 10;
      expect(health.score, what).toBe(score);
      expect(health.status, what).toBe(!part || c.level === 'good' ? 'healthy' : c.level === 'warning' ? 'degraded' : 'unhealthy');
      expect(dashboard.optimization_summary.performance_score, what).toBe(health.score);
      expect(snapshot.healthScore, what).toBe(health.score);
      expect(health.dataAt, what).toBe(snapshot.timestamp);

      // The CLI: analyze exits 1 when a KPI fails (any level past good), 0 otherwise.
      const run = await runCli(['analyze', '--json'], { PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
      expect(run.stderr, what).toBe('');
      expect(run.code, what).toBe(c.level === 'good' ? 0 : 1);
      const body = JSON.parse(run.stdout) as { kpis: { kpis: Kpi[] }; health: Overview };
      expect(body.kpis.kpis.find((k) => k.metric === metric)!.level, what).toBe(c.level);
      expect(body.health.score, what).toBe(health.score);
    }
  });

  it('does not judge throughput on a window that straddles the start of a load run: n/a with a note', async () => {
    const runs = sample.app.get(LoadTestRuns);
    // A run that started 20 s ago: the 60 s window of the next snapshot straddles its start.
    runs.record({
      id: 'judgment-e2e',
      status: 'passed',
      startedAt: new Date(Date.now() - 3_600_000).toISOString(),
      finishedAt: new Date(Date.now() - 1_800_000).toISOString(),
      config: { baseUrl: sample.api, endpoints: [{ method: 'GET', path: '/hello' }], connections: 1, durationSeconds: 1800, amount: null },
    });
    runs.record({
      id: 'straddling',
      status: 'running',
      startedAt: new Date(Date.now() - 20_000).toISOString(),
      config: { baseUrl: sample.api, endpoints: [{ method: 'GET', path: '/hello' }], connections: 1, durationSeconds: 600, amount: null },
    });
    await snapshotWith({ requestsPerSecond: 12 });
    const kpis = await admin<{ passing: boolean; kpis: (Kpi & { note?: string })[] }>('kpis');
    const throughput = kpis.kpis.find((k) => k.metric === 'requestsPerSecond')!;
    expect(throughput).toMatchObject({ status: 'n/a', level: null });
    expect(throughput.note).toMatch(/wholly inside a load test/);
    expect(kpis.passing).toBe(true);
    const dashboard = await admin<{ cards: (Card & { note?: string })[] }>('dashboard');
    expect(dashboard.cards.find((c) => c.metric === 'requestsPerSecond')).toMatchObject({ level: 'n/a', value: 12 });
    const run = await runCli(['analyze'], { PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/throughput +>= 1000 req\/s +500 req\/s +12 +n\/a +-/);
  });
});
