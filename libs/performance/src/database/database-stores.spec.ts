import { describe, expect, it } from 'vitest';
import { RequestContext } from '../core/context/request-context';
import { performanceOptionsFromEnv } from '../core/options/env.options';
import { resolvePerformanceOptions } from '../core/options/resolved.options';
import { N1Detector } from './n1-detector.service';
import { QueryStats } from './query-stats.service';
import { SlowQueryLog } from './slow-query-log.service';
import { SqlFingerprinter } from './sql-fingerprint';

const fp = new SqlFingerprinter();
const example = { sql: 'x', parameters: undefined, database: 'default' };

describe('database options', () => {
  it('default to the documented values', () => {
    expect(resolvePerformanceOptions({}).database).toEqual({
      enabled: true,
      slowQueryThresholdMs: 200,
      slowQueryLogSize: 100,
      maxFingerprints: 500,
      n1Threshold: 5,
      n1LogSize: 100,
      n1Header: false,
      logParameters: false,
      explainAnalyze: false,
      allowSchemaChanges: false,
      indexMinRows: 500,
    });
  });

  it('are read from the environment, and a bad value names its variable', () => {
    expect(performanceOptionsFromEnv({ DB_SLOW_QUERY_THRESHOLD_MS: '50', DB_N1_HEADER: 'on', DB_ALLOW_SCHEMA_CHANGES: 'true' }).database).toEqual({
      slowQueryThresholdMs: 50,
      n1Header: true,
      allowSchemaChanges: true,
    });
    expect(() => resolvePerformanceOptions(performanceOptionsFromEnv({ DB_N1_THRESHOLD: 'five' }))).toThrow('DB_N1_THRESHOLD="five": expected a number');
    expect(() => resolvePerformanceOptions({ database: { n1Threshold: 0, slowQueryThresholdMs: -1 } })).toThrow(
      /database\.slowQueryThresholdMs[\s\S]*database\.n1Threshold|database\.n1Threshold[\s\S]*database\.slowQueryThresholdMs/,
    );
  });
});

describe('QueryStats', () => {
  it('keeps at most maxFingerprints, evicting the one with the least total time', () => {
    const stats = new QueryStats(resolvePerformanceOptions({ database: { maxFingerprints: 2 } }));
    stats.record(fp.of('SELECT 1 FROM a'), 5, true, 1, '/a', example, 1000);
    stats.record(fp.of('SELECT 1 FROM b'), 1, true, 1, '/b', example, 1000);
    stats.record(fp.of('SELECT 1 FROM c'), 3, true, 1, '/c', example, 2000);
    expect(stats.list().map((e) => e.statement)).toEqual(['SELECT ? FROM a', 'SELECT ? FROM c']);
    expect(stats.totals()).toEqual({
      queries: 3,
      timeMs: 9,
      errors: 0,
      outsideRequests: { queries: 0, timeMs: 0 },
      fingerprints: 2,
      maxFingerprints: 2,
      evicted: 1,
    });
  });

  it('computes calls, mean, max, p95 and rows of a fingerprint', () => {
    const stats = new QueryStats(resolvePerformanceOptions({}));
    for (let i = 1; i <= 20; i++) stats.record(fp.of(`SELECT * FROM t WHERE id = ${i}`), i, i !== 20, 2, '/t', example, i * 1000);
    expect(stats.list()).toEqual([
      {
        fingerprint: fp.of('SELECT * FROM t WHERE id = 1').fingerprint,
        statement: 'SELECT * FROM t WHERE id = ?',
        operation: 'SELECT',
        database: 'default',
        calls: 20,
        errors: 1,
        totalMs: 210,
        meanMs: 10.5,
        maxMs: 20,
        // p95 from the HDR histogram of every call (µs, 2 significant digits): the
        // 95th percentile of 1..20 ms is the 19th call, 19 ms = 19,000 µs, whose bucket
        // is [18,944, 19,071] µs; a percentile reads the top of its bucket: 19.071 ms.
        p95Ms: 19.07,
        rows: 40,
        firstSeen: new Date(1000).toISOString(),
        lastSeen: new Date(20_000).toISOString(),
        routes: ['/t'],
        n1Requests: 0,
      },
    ]);
    // Within the histogram's precision of the exact nearest-rank p95 (19 ms), never below it.
    const [{ p95Ms }] = stats.list();
    expect(p95Ms).toBeGreaterThanOrEqual(19);
    expect(p95Ms).toBeLessThanOrEqual(19 * (1 + 1 / 128));
  });

  it('holds p95 at the longest call when the top of its histogram bucket is above it', () => {
    const stats = new QueryStats(resolvePerformanceOptions({}));
    // 20 ms = 20,000 µs falls in the bucket [19,968, 20,095] µs: read raw, p95 would be 20.1 ms.
    for (let i = 1; i <= 20; i++) stats.record(fp.of(`SELECT * FROM t WHERE id = ${i}`), 20, true, 1, '/t', example, i * 1000);
    expect(stats.list()[0]).toMatchObject({ calls: 20, meanMs: 20, maxMs: 20, p95Ms: 20 });
  });

  it('counts every call in p95, not a sample: one slow call in twenty is not the p95, two are', () => {
    const stats = new QueryStats(resolvePerformanceOptions({}));
    for (let i = 1; i <= 19; i++) stats.record(fp.of('SELECT 1'), 1, true, 1, '/t', example, i * 1000);
    stats.record(fp.of('SELECT 1'), 500, true, 1, '/t', example, 20_000);
    // 19 calls of 1 ms and one of 500 ms: the 19th call is the p95 (bucket top 1,003 µs: 1 ms at 2 decimals).
    expect(stats.list()[0]).toMatchObject({ calls: 20, maxMs: 500, p95Ms: 1 });
    stats.record(fp.of('SELECT 1'), 500, true, 1, '/t', example, 21_000);
    // 21 calls: rank ceil(0.95 * 21) = 20 is a 500 ms call (500,000 µs, bucket top 501,759 µs, held at the max).
    expect(stats.list()[0]).toMatchObject({ calls: 21, maxMs: 500, p95Ms: 500 });
  });
});

describe('SlowQueryLog', () => {
  it('is a ring of slowQueryLogSize entries, newest first', () => {
    const log = new SlowQueryLog(resolvePerformanceOptions({ database: { slowQueryLogSize: 3 } }));
    for (let i = 1; i <= 5; i++) {
      log.add({ at: String(i), durationMs: i, fingerprint: 'f', statement: 's', database: 'default', success: true, route: null, requestId: null });
    }
    expect(log.list().map((e) => e.at)).toEqual(['5', '4', '3']);
    expect(log.count).toBe(5);
  });
});

describe('N1Detector', () => {
  it('records a finding when a fingerprint runs more than the threshold in one request, once, with its final count', () => {
    const n1 = new N1Detector(resolvePerformanceOptions({ database: { n1Threshold: 2 } }));
    const a = new RequestContext('req-a', 'GET', { url: '/x' });
    const b = new RequestContext('req-b', 'GET', { url: '/x' });
    const q = fp.of('SELECT * FROM u WHERE id = 1');
    expect(n1.observe(a, q)).toBeUndefined();
    expect(n1.observe(b, q)).toBeUndefined();
    expect(n1.observe(a, q)).toBeUndefined();
    expect(n1.observe(a, q)).toMatchObject({ requestId: 'req-a', count: 3 });
    n1.observe(a, q);
    expect(n1.list()).toEqual([{ at: expect.any(String), route: null, requestId: 'req-a', fingerprint: q.fingerprint, statement: q.statement, count: 4 }]);
    expect(n1.findingsOf(a)).toEqual([q.fingerprint]);
    expect(n1.findingsOf(b)).toEqual([]);
    expect(n1.nPlusOneFindings()).toBe(1);
  });
});
