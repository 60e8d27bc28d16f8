import { describe, expect, it } from 'vitest';
import type { Recommendation } from './advice';
import { databaseUpkeepBottlenecks } from './bottleneck-analysis';

const rec = (id: string, type: Recommendation['action']['type'], description: string, evidence: Recommendation['evidence']): Recommendation => ({
  id,
  category: 'database',
  severity: 'medium',
  title: id,
  description,
  evidence,
  action: { type, automatic: false, summary: '', steps: [] },
});

describe('databaseUpkeepBottlenecks', () => {
  it('names nothing without maintenance or unused-index recommendations', () => {
    expect(databaseUpkeepBottlenecks([rec('missing-index-1', 'create-index', 'x', { database: 'default', table: 't' })])).toEqual([]);
  });

  it('grades bloat by the worst dead-row share: medium below 40 %, high from it', () => {
    const vacuum = (dead: number, live: number) =>
      rec('vacuum-table-1', 'vacuum-table', `${dead} dead rows`, { database: 'default', table: 'orders', deadRows: dead, liveRows: live });
    expect(databaseUpkeepBottlenecks([vacuum(300, 1000)])).toEqual([
      {
        type: 'database',
        severity: 'medium',
        description: 'In database default, 1 table carries dead rows or free space: orders: 300 dead rows',
        evidence: { database: 'default', tables: 'orders', deadRows: 300, worstDeadPercent: 23 },
        recommendation: expect.stringContaining('run VACUUM (ANALYZE) on them'),
      },
    ]);
    expect(databaseUpkeepBottlenecks([vacuum(700, 1000)])[0]).toMatchObject({ severity: 'high', evidence: { worstDeadPercent: 41 } });
  });

  it('says low for free space only (MySQL/MariaDB OPTIMIZE TABLE), and keeps each database apart', () => {
    const out = databaseUpkeepBottlenecks([
      rec('optimize-table-1', 'optimize-table', '40 MiB free', { database: 'reports', table: 'events' }),
      rec('unused-index-1', 'manual', 'never used', { database: 'default', table: 'orders', index: 'idx_a', sizeBytes: 8192 }),
      rec('unused-index-2', 'manual', 'never used', { database: 'default', table: 'orders', index: 'idx_b', sizeBytes: 200 * 1024 * 1024 }),
    ]);
    expect(out).toEqual([
      {
        type: 'database',
        severity: 'low',
        description: 'In database reports, 1 table carries dead rows or free space: events: 40 MiB free',
        evidence: { database: 'reports', tables: 'events', deadRows: null, worstDeadPercent: null },
        recommendation: expect.stringContaining('run OPTIMIZE TABLE on them off-peak'),
      },
      {
        type: 'database',
        severity: 'medium',
        description: 'In database default, 2 indexes are never used: idx_a on orders (8 kB); idx_b on orders (200 MB)',
        evidence: { database: 'default', indexes: 'idx_a, idx_b', count: 2, sizeBytes: 8192 + 200 * 1024 * 1024 },
        recommendation: expect.stringContaining('drop it in a migration'),
      },
    ]);
  });

  it('ignores manual recommendations that are not unused indexes', () => {
    expect(databaseUpkeepBottlenecks([rec('n-plus-one-1', 'manual', 'n+1', { database: 'default' })])).toEqual([]);
  });
});
