import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { Bottleneck, BottleneckReport } from '../libs/performance/src/advisor/advice';
import { serviceReachableSync } from './fixtures/database-services';
import { type RunningSample, startSample } from './support/sample-app';
import { describeWithService, SERVICE_URLS } from './support/services';

/** A database of its own, so the other suites' tables keep their statistics. */
const DATABASE = 'perf_bottlenecks';
const UNUSED_INDEX = 'idx_documents_wordCount';

/** The database's URL, and whether it was created now (the sample then seeds it as it starts). */
async function database(): Promise<{ url: string; created: boolean }> {
  const admin = await new DataSource({ type: 'postgres', url: SERVICE_URLS.postgres }).initialize();
  let created = false;
  try {
    if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).length === 0) {
      await admin.query(`CREATE DATABASE ${DATABASE}`);
      created = true;
    }
  } finally {
    await admin.destroy();
  }
  const url = new URL(SERVICE_URLS.postgres);
  url.pathname = `/${DATABASE}`;
  return { url: url.href, created };
}

describeWithService('postgres', serviceReachableSync('postgres'), 'bloat and unused indexes as bottlenecks on PostgreSQL', () => {
  let sample: RunningSample;
  let dataSource: DataSource;
  const bottlenecks = async (): Promise<readonly Bottleneck[]> => {
    const res = await fetch(`${sample.api}/performance/bottlenecks`, { headers: sample.admin });
    expect(res.status).toBe(200);
    return ((await res.json()) as BottleneckReport).bottlenecks;
  };
  const upkeep = async () => (await bottlenecks()).filter((b) => b.type === 'database' && ('worstDeadPercent' in b.evidence || 'indexes' in b.evidence));

  beforeAll(async () => {
    const { url, created } = await database();
    sample = await startSample('fastify', { seedDocuments: 3000, databaseUrl: url });
    dataSource = sample.app.get(getDataSourceToken());
    if (created) {
      // Each connection hands PostgreSQL its row counts when idle, up to seconds after its statements: counts of
      // the seed's inserts arriving after the VACUUM below would add to the live rows VACUUM just counted (twice
      // the table, so every row updated once would look like a third of it dead). Wait until they have all arrived.
      await vi.waitFor(
        async () => {
          const [{ inserted, rows }] = (await dataSource.query(
            `SELECT (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'chat_messages') AS inserted, (SELECT count(*) FROM chat_messages) AS rows`,
          )) as { inserted: string; rows: string }[];
          if (Number(inserted) < Number(rows)) throw new Error(`${inserted} of the ${rows} seeded rows of chat_messages counted so far`);
        },
        { timeout: 30_000, interval: 250 },
      );
    }
    // A rerun starts clean: no unused index, no dead rows, autovacuum back on, the usage counters from zero.
    await dataSource.query(`DROP INDEX IF EXISTS "${UNUSED_INDEX}"`);
    await dataSource.query('ALTER TABLE chat_messages RESET (autovacuum_enabled)');
    await dataSource.query('SELECT pg_stat_reset()');
    await dataSource.query('VACUUM (ANALYZE) chat_messages');
  });
  afterAll(() => sample?.close());

  it('names no bloat and no unused index while there is none', async () => {
    await expect.poll(upkeep, { timeout: 20_000, interval: 500 }).toEqual([]);
  });

  it('lists the tables carrying dead rows and the indexes never used, with severity and advice', async () => {
    // Dead rows as a busy table gets them when autovacuum does not keep up: every row updated once.
    await dataSource.query('ALTER TABLE chat_messages SET (autovacuum_enabled = false)');
    await dataSource.query('UPDATE chat_messages SET "tokens" = "tokens" + 1');
    // An index no statement uses, on a table read often enough (through its primary key) for that to count.
    await dataSource.query(`CREATE INDEX "${UNUSED_INDEX}" ON documents ("wordCount")`);
    for (let i = 0; i < 120; i++) await (await fetch(`${sample.api}/documents/${(i % 50) + 1}`)).arrayBuffer();

    // The database publishes its table statistics a moment after the statements that changed them.
    await expect.poll(async () => (await upkeep()).length, { timeout: 20_000, interval: 500 }).toBe(2);
    const [bloat, unused] = await upkeep();
    expect(bloat).toMatchObject({
      type: 'database',
      severity: 'high',
      evidence: { database: 'default', tables: 'chat_messages' },
      recommendation: expect.stringContaining('run VACUUM (ANALYZE) on them'),
    });
    expect(bloat!.description).toMatch(
      /^In database default, 1 table carries dead rows or free space: chat_messages: \d+ dead rows \(\d+% of the table\) wait for VACUUM$/,
    );
    expect(bloat!.evidence.worstDeadPercent).toBeGreaterThanOrEqual(40);
    expect(bloat!.evidence.deadRows).toBeGreaterThan(0);

    // The sample's own indexes of documents that reads by primary key never use count too: the new one is among them.
    expect(unused).toMatchObject({
      type: 'database',
      severity: 'low',
      evidence: { database: 'default', sizeBytes: expect.any(Number) },
      recommendation: expect.stringContaining('drop it in a migration'),
    });
    const names = String(unused!.evidence.indexes).split(', ');
    expect(names).toContain(UNUSED_INDEX);
    expect(unused!.evidence.count).toBe(names.length);
    expect(unused!.description).toMatch(
      new RegExp(`^In database default, ${names.length} indexes are never used: .*${UNUSED_INDEX} on documents \\(\\d+(\\.\\d)? kB\\)`),
    );
  });

  it('lets the bloat go once VACUUM ran', async () => {
    await dataSource.query('VACUUM (ANALYZE) chat_messages');
    await expect
      .poll(async () => (await upkeep()).map((b) => ('indexes' in b.evidence ? 'unused indexes' : 'bloat')), { timeout: 20_000, interval: 500 })
      .toEqual(['unused indexes']);
  });
});
