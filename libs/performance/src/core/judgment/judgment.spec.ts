import { describe, expect, it } from 'vitest';
import { THRESHOLD_METRIC_NAMES, type ThresholdMetric } from '../options/thresholds.options';
import { resolveThresholds } from '../options/schema/thresholds';
import { healthScore, judge, judgeAll, levelOf } from './judgment';
import { METRIC_CATALOGUE } from './metric-catalogue';

const DEFAULTS = resolveThresholds();
const WEIGHTS = { database: 40, system: 35, cache: 25 };

describe('levelOf', () => {
  it('puts a value at a boundary on the better side, for either direction', () => {
    const above = { good: 200, critical: 500 };
    expect([100, 200, 200.01, 500, 500.01].map((v) => levelOf(above, 'above', v))).toEqual(['good', 'good', 'warning', 'warning', 'critical']);
    const below = { good: 99.5, critical: 95 };
    expect([100, 99.5, 99.49, 95, 94.99].map((v) => levelOf(below, 'below', v))).toEqual(['good', 'good', 'warning', 'warning', 'critical']);
  });

  it('never says critical for a metric without a critical level', () => {
    expect([80, 70, 69.9, 0].map((v) => levelOf({ good: 70, critical: false }, 'below', v))).toEqual(['good', 'good', 'warning', 'warning']);
  });
});

describe('judge', () => {
  it('judges every default metric below, at and past each of its boundaries', () => {
    for (const metric of THRESHOLD_METRIC_NAMES) {
      const levels = DEFAULTS[metric];
      if (levels === false) continue;
      const worse = METRIC_CATALOGUE[metric].direction === 'above' ? 1 : -1;
      const step = Math.max(0.01, levels.good * 0.001);
      expect(judge(metric, levels.good - worse * step, DEFAULTS), metric).toBe('good');
      expect(judge(metric, levels.good, DEFAULTS), metric).toBe('good');
      // A metric whose critical level is its good one (a database down) is critical at once.
      expect(judge(metric, levels.good + worse * step, DEFAULTS), metric).toBe(levels.critical === levels.good ? 'critical' : 'warning');
      if (levels.critical === false || levels.critical === levels.good) continue;
      expect(judge(metric, levels.critical, DEFAULTS), metric).toBe('warning');
      expect(judge(metric, levels.critical + worse * step, DEFAULTS), metric).toBe('critical');
    }
  });

  it('has no level without a value, or for a metric switched off', () => {
    expect(judge('p95Ms', null, DEFAULTS)).toBeNull();
    expect(judge('p95Ms', Number.NaN, DEFAULTS)).toBeNull();
    expect(judge('loadPerCore', 40, DEFAULTS)).toBeNull(); // off by default
    expect(judge('loadPerCore', 40, resolveThresholds({ loadPerCore: { good: 1.5, critical: 2 } }))).toBe('critical');
  });
});

describe('resolveThresholds', () => {
  it('has the defaults of the model: p95 200/500 ms, error rate 0.1/5 %, job failures 1/5 %', () => {
    expect(DEFAULTS.p95Ms).toEqual({ good: 200, critical: 500 });
    expect(DEFAULTS.errorRatePercent).toEqual({ good: 0.1, critical: 5 });
    expect(DEFAULTS.jobFailureRatePercent).toEqual({ good: 1, critical: 5 });
    expect(DEFAULTS.cacheHitRatePercent).toEqual({ good: 70, critical: false });
  });

  it('merges given levels over the defaults, and refuses them out of order', () => {
    expect(resolveThresholds({ p95Ms: { good: 300 } }).p95Ms).toEqual({ good: 300, critical: 500 });
    expect(resolveThresholds({ p95Ms: false }).p95Ms).toBe(false);
    expect(() => resolveThresholds({ p95Ms: { good: 600 } })).toThrow('thresholds.p95Ms: critical (500) must be at or above good (600)');
    expect(() => resolveThresholds({ cacheAvailabilityPercent: { critical: 99.9 } })).toThrow(
      'thresholds.cacheAvailabilityPercent: critical (99.9) must be at or below good (99.5)',
    );
    expect(() => resolveThresholds({ loadPerCore: { critical: 2 } })).toThrow('thresholds.loadPerCore: needs "good" (it has no default)');
  });
});

/** Values that are good for every metric with default levels. */
function calm(): Partial<Record<ThresholdMetric, number | null>> {
  return {
    p50Ms: 10,
    p95Ms: 50,
    p99Ms: 90,
    meanMs: 20,
    errorRatePercent: 0,
    requestsPerSecond: 5,
    cpuPercent: 20,
    memoryPercent: 30,
    diskPercent: 40,
    eventLoopLagP99Ms: 12,
    loadPerCore: 0.5,
    dbMeanQueryMs: 3,
    slowQueriesPerHour: 0,
    poolUtilizationPercent: 10,
    poolWaiting: 0,
    cacheHitRatePercent: 90,
    cacheAvailabilityPercent: 100,
    cacheMeanMs: 1,
    jobFailureRatePercent: 0,
    jobsPerMinute: 2,
  };
}

describe('judgeAll and healthScore', () => {
  it('judges capacity figures only under load, and says why otherwise', () => {
    const idle = judgeAll(calm(), DEFAULTS, { underLoad: false });
    expect(idle.requestsPerSecond).toMatchObject({ status: 'n/a', value: 5 });
    expect(idle.requestsPerSecond.note).toMatch(/wholly inside a load test/);
    expect(idle.jobsPerMinute.status).toBe('n/a');
    const loaded = judgeAll(calm(), DEFAULTS, { underLoad: true });
    expect(loaded.requestsPerSecond.status).toBe('critical'); // 5 req/s under load: far below 500
    expect(loaded.loadPerCore.status).toBe('off');
    expect(judgeAll({ ...calm(), p95Ms: null }, DEFAULTS, { underLoad: false }).p95Ms.status).toBe('no-data');
  });

  it('scores 100 and healthy when every metric is good', () => {
    const h = healthScore(judgeAll(calm(), DEFAULTS, { underLoad: false }), WEIGHTS);
    expect(h).toMatchObject({ score: 100, status: 'healthy' });
    expect(Object.fromEntries(Object.entries(h.parts).map(([k, p]) => [k, [p.score, p.weight]]))).toEqual({
      database: [100, 40],
      system: [100, 35],
      cache: [100, 25],
    });
  });

  it('scores each part by its worst metric: warning 50, critical 0, weighted 40/35/25', () => {
    const warnDb = healthScore(judgeAll({ ...calm(), dbMeanQueryMs: 150 }, DEFAULTS, { underLoad: false }), WEIGHTS);
    expect(warnDb).toMatchObject({ score: 80, status: 'degraded' }); // (50*40 + 100*35 + 100*25) / 100
    const critSystem = healthScore(judgeAll({ ...calm(), diskPercent: 96, cpuPercent: 80 }, DEFAULTS, { underLoad: false }), WEIGHTS);
    expect(critSystem).toMatchObject({ score: 65, status: 'unhealthy' });
    const cacheDown = healthScore(judgeAll({ ...calm(), cacheAvailabilityPercent: 0 }, DEFAULTS, { underLoad: false }), { database: 1, system: 1, cache: 2 });
    expect(cacheDown).toMatchObject({ score: 50, status: 'unhealthy' });
  });

  it('leaves out a part that measured nothing, and metrics outside the parts', () => {
    const values = { ...calm(), dbMeanQueryMs: null, slowQueriesPerHour: null, poolUtilizationPercent: null, poolWaiting: null, p95Ms: 9000 };
    const h = healthScore(judgeAll(values, DEFAULTS, { underLoad: false }), WEIGHTS);
    expect(h.parts.database.score).toBeNull();
    // A slow p95 fails its KPI and alerts, but latency is no part of the health score.
    expect(h).toMatchObject({ score: 100, status: 'healthy' });
  });
});
