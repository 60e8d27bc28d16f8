import { describe, expect, it } from 'vitest';
import { computeHealthScore, scoreBelow, type HealthScoreInputs } from './health-score';

const WEIGHTS = { database: 40, system: 35, cache: 25 };
const CALM: HealthScoreInputs = {
  databases: [{ name: 'default', up: true, responseTimeMs: 3 }],
  poolBusyPercent: 10,
  rssPercent: 20,
  heapPercent: 30,
  cpuPercent: 5,
  cpuLimitPercent: 80,
  eventLoopLagMs: 2,
  eventLoopLagLimitMs: 200,
  diskPercent: 40,
  cacheUp: true,
  cacheLookups: { hit: 80, miss: 20, stale: 0, bypass: 5 },
};
const NOW = new Date('2026-11-24T12:00:00Z');

describe('the health score', () => {
  it('is 100 and healthy when every input is comfortable, with each part and its inputs', () => {
    expect(computeHealthScore(CALM, WEIGHTS, NOW)).toEqual({
      score: 100,
      status: 'healthy',
      timestamp: '2026-11-24T12:00:00.000Z',
      parts: {
        database: { score: 100, weight: 40, inputs: { dataSources: CALM.databases, poolBusyPercent: 10 } },
        system: {
          score: 100,
          weight: 35,
          inputs: { rssPercent: 20, heapPercent: 30, cpuPercent: 5, eventLoopLagMs: 2, diskPercent: 40 },
        },
        cache: { score: 100, weight: 25, inputs: { storeUp: true, lookups: CALM.cacheLookups, hitRate: 0.8 } },
      },
    });
  });

  it('weighs database 40, system 35, cache 25: a database down leaves 60, degraded', () => {
    const down = computeHealthScore({ ...CALM, databases: [{ name: 'default', up: false, responseTimeMs: 3000 }] }, WEIGHTS, NOW);
    expect([down.score, down.status]).toEqual([60, 'degraded']);
    const cacheDown = computeHealthScore({ ...CALM, cacheUp: false }, WEIGHTS, NOW);
    expect([cacheDown.score, cacheDown.status]).toEqual([75, 'degraded']);
    const both = computeHealthScore({ ...CALM, cacheUp: false, databases: [{ name: 'default', up: false, responseTimeMs: 1 }] }, WEIGHTS, NOW);
    expect([both.score, both.status]).toEqual([35, 'unhealthy']);
  });

  it('takes configured weights', () => {
    const down = computeHealthScore({ ...CALM, databases: [{ name: 'default', up: false, responseTimeMs: 1 }] }, { database: 80, system: 10, cache: 10 }, NOW);
    expect(down.score).toBe(20);
  });

  it('leaves out parts that do not apply and scales the others up', () => {
    const noDbNoCache = computeHealthScore(
      { ...CALM, databases: [], poolBusyPercent: undefined, cacheUp: undefined, cacheLookups: { hit: 0, miss: 0, stale: 0, bypass: 3 } },
      WEIGHTS,
      NOW,
    );
    expect(noDbNoCache.parts.database.score).toBeNull();
    expect(noDbNoCache.parts.cache.score).toBeNull();
    expect(noDbNoCache.score).toBe(100);
  });

  it('scores a low hit rate, a saturated pool and memory pressure down linearly', () => {
    const r = computeHealthScore({ ...CALM, cacheLookups: { hit: 35, miss: 65, stale: 0, bypass: 0 }, poolBusyPercent: 90, rssPercent: 89 }, WEIGHTS, NOW);
    expect(r.parts.cache.score).toBe(50);
    expect(r.parts.database.score).toBe(50);
    expect(r.parts.system.score).toBe(90);
    expect(r.score).toBe(round((50 * 40 + 90 * 35 + 50 * 25) / 100));
  });

  it('maps values to 0-100 between a good and a bad bound', () => {
    expect([scoreBelow(10, 20, 40), scoreBelow(30, 20, 40), scoreBelow(40, 20, 40), scoreBelow(99, 20, 40)]).toEqual([100, 50, 0, 0]);
  });
});

function round(n: number) {
  return Math.round(n * 10) / 10;
}
