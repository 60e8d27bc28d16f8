import { describe, expect, it } from 'vitest';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { QueryStats } from './query-stats.service';
import { SqlFingerprinter } from './sql-fingerprint';

const options = { database: { maxFingerprints: 10 } } as unknown as ResolvedPerformanceOptions;
const example = { sql: 'SELECT 1', parameters: undefined, database: 'default' };

describe('QueryStats percentiles', () => {
  const fp = new SqlFingerprinter(2000, 'postgresql').of('SELECT * FROM documents WHERE id = 1');

  it('takes p95 over every call since the statement was first seen, not over the latest ones', () => {
    const stats = new QueryStats(options);
    // 900 slow calls, then 200 fast ones: the fast ones are the last, but only 18 % of all calls.
    for (let i = 0; i < 900; i++) stats.record(fp, 100, true, 1, '/documents/:id', example, 1_000 + i);
    for (let i = 0; i < 200; i++) stats.record(fp, 1, true, 1, '/documents/:id', example, 2_000 + i);
    const entry = stats.get(fp.fingerprint)!;
    expect(entry.calls).toBe(1100);
    expect(entry.p95Ms).toBeGreaterThanOrEqual(99);
    expect(entry.p95Ms).toBeLessThanOrEqual(100);
  });

  it('reads p95 within the histogram precision and never above the max', () => {
    const stats = new QueryStats(options);
    for (let ms = 1; ms <= 200; ms++) stats.record(fp, ms, true, undefined, undefined, example, ms);
    const entry = stats.get(fp.fingerprint)!;
    // The 190th of 200 values, with 2 significant digits of precision.
    expect(entry.p95Ms).toBeGreaterThanOrEqual(188);
    expect(entry.p95Ms).toBeLessThanOrEqual(192);
    expect(entry.maxMs).toBe(200);
    const single = new QueryStats(options);
    single.record(fp, 12.345, true, undefined, undefined, example, 1);
    expect(single.get(fp.fingerprint)!.p95Ms).toBe(12.35);
  });
});
