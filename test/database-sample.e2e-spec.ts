import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { IndexAdvice } from '../libs/performance/src/database/advisor/index-advisor.service';
import type { PlanReport } from '../libs/performance/src/database/advisor/plan-advisor.service';
import type { QueryPerformanceBody } from '../libs/performance/src/admin/database.controller';
import type { DataSource } from 'typeorm';
import { TEST_DATABASES } from './fixtures/database-services';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';
import { describeWithService } from './support/services';

async function count(url: string, headers: Record<string, string> = {}): Promise<{ queries: number; n1: string | null; status: number }> {
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  return { queries: Number(res.headers.get('x-db-queries')), n1: res.headers.get('x-db-n1'), status: res.status };
}

for (const db of TEST_DATABASES) {
  describeWithService(db.service, db.available, `the sample app's statement counts on ${db.name}`, () => {
    describe.each(ADAPTERS)('%s', (adapter) => {
      let sample: RunningSample;

      beforeAll(async () => {
        sample = await startSample(adapter, { databaseUrl: db.url, env: { DB_N1_HEADER: 'true' } });
      });
      afterAll(() => sample?.close());

      it.each([
        ['GET /documents/:id runs 1 statement', '/documents/1', 1],
        ['the naive include runs 1 + 20 statements', '/documents?limit=20&include=author&strategy=naive', 21],
        ['the joined include runs 1 statement', '/documents?limit=20&include=author&strategy=join', 1],
        ['the list without include runs 1 statement (its first request: a cache miss)', '/documents?limit=20', 1],
        ['the unindexed search runs 1 statement', '/documents/search?category=legal&status=published', 1],
        ['an unknown document runs 1 statement (404)', '/documents/999999', 1],
      ])('%s', async (_what, path, expected) => {
        expect((await count(sample.api + path)).queries).toBe(expected);
      });

      it('flags the naive include as an N+1 and not the joined one', async () => {
        const naive = await count(`${sample.api}/documents?limit=20&include=author&strategy=naive`);
        const joined = await count(`${sample.api}/documents?limit=20&include=author&strategy=join`);
        expect(naive.n1).toMatch(/^[0-9a-f]{16}$/);
        expect(joined.n1).toBeNull();
        const perf = (await (await fetch(`${sample.api}/performance/query-performance?limit=1000`, { headers: sample.admin })).json()) as QueryPerformanceBody;
        expect(perf.n1.recent[0]).toMatchObject({ route: '/api/v1/documents', fingerprint: naive.n1, count: 20 });
      });

      it('never suggests an index the primary key already is', async () => {
        await count(`${sample.api}/documents?limit=19`); // ORDER BY "d"."id" (a limit not cached yet, so it runs)
        const res = await fetch(`${sample.api}/performance/suggest-indexes`, { headers: sample.admin });
        const body = (await res.json()) as { databases: IndexAdvice[] };
        const onId = body.databases.flatMap((d) => d.suggestions).filter((s) => s.table === 'documents' && s.columns.length === 1 && s.columns[0] === 'id');
        expect(onId).toEqual([]);
      });

      it('counts 30 concurrent requests of three kinds exactly', async () => {
        const kinds = [
          ['/documents/2', 1],
          ['/documents?limit=10&include=author&strategy=naive', 11],
          ['/documents?limit=20&include=author&strategy=join', 1],
        ] as const;
        const plan = Array.from({ length: 30 }, (_, i) => kinds[i % 3]!);
        const results = await Promise.all(plan.map(([path]) => count(sample.api + path)));
        expect(results.map((r) => r.queries)).toEqual(plan.map(([, n]) => n));
      });
    });
  });
}

const postgres = TEST_DATABASES.find((d) => d.name === 'postgres')!;
const INDEX = 'idx_documents_category_status';

describeWithService('postgres', postgres.available, 'the index and plan advisors on the sample (PostgreSQL)', () => {
  let sample: RunningSample;
  let dataSource: DataSource;
  const admin = (path: string) => fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });

  beforeAll(async () => {
    sample = await startSample('express', { databaseUrl: postgres.url });
    dataSource = sample.app.get(getDataSourceToken());
    // Reruns start clean: no index from an earlier run, fresh planner statistics.
    await dataSource.query(`DROP INDEX IF EXISTS "${INDEX}"`);
    await dataSource.query('ANALYZE documents');
  });
  afterAll(async () => {
    await dataSource?.query(`DROP INDEX IF EXISTS "${INDEX}"`);
    await sample?.close();
  });

  async function documentsAdvice(): Promise<IndexAdvice> {
    const body = (await (await admin('suggest-indexes?database=default')).json()) as { databases: IndexAdvice[] };
    return body.databases[0]!;
  }

  it('suggests (category, status) for the search, then refuses it once the index exists, and the Seq Scan advice goes', async () => {
    for (let i = 0; i < 3; i++) await count(`${sample.api}/documents/search?category=legal&status=published`);
    await count(`${sample.api}/documents/1`);

    const before = await documentsAdvice();
    const suggestion = before.suggestions.find((s) => s.table === 'documents')!;
    expect(suggestion).toEqual({
      database: 'default',
      table: 'documents',
      entity: 'Document',
      columns: ['category', 'status'],
      kind: 'filter',
      statements: [
        {
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
          statement: expect.stringContaining('WHERE "d"."category" = ? AND "d"."status" = ? ORDER BY "d_views" DESC'),
          calls: 3,
          totalMs: expect.any(Number),
        },
      ],
      calls: 3,
      totalMs: expect.any(Number),
      rowEstimate: 10000,
      reason: 'category = ? keeps about 1250 rows per value; status = ? keeps about 2500 rows per value',
      createIndex: `CREATE INDEX CONCURRENTLY "${INDEX}" ON "documents" ("category", "status")`,
      dropIndex: `DROP INDEX CONCURRENTLY "${INDEX}"`,
      migration: expect.stringContaining(
        `await queryRunner.query("CREATE INDEX CONCURRENTLY \\"${INDEX}\\" ON \\"documents\\" (\\"category\\", \\"status\\")");`,
      ),
      decorator: `@Index("${INDEX}", ['category', 'status'])`,
    });
    expect(suggestion.migration).toMatch(/transaction = false;/);
    // The lookup by primary key is refused with the reason, not suggested.
    expect(before.refusals).toContainEqual(
      expect.objectContaining({ table: 'documents', columns: ['id'], reason: 'already covered by index PK_ac51aa5181ee2036f5ca482857c (id)' }),
    );

    const fingerprint = suggestion.statements[0]!.fingerprint;
    const planBefore = (await (await admin(`query-plan?fingerprint=${fingerprint}`)).json()) as PlanReport;
    expect(planBefore.advice).toContainEqual(expect.objectContaining({ kind: 'seq-scan', relation: 'documents' }));

    await dataSource.query(suggestion.createIndex);
    await dataSource.query('ANALYZE documents');

    const after = await documentsAdvice();
    expect(after.suggestions.filter((s) => s.table === 'documents')).toEqual([]);
    expect(after.refusals).toContainEqual({
      database: 'default',
      table: 'documents',
      columns: ['category', 'status'],
      fingerprints: [fingerprint],
      reason: `already covered by index ${INDEX} (category, status)`,
    });
    const planAfter = (await (await admin(`query-plan?fingerprint=${fingerprint}`)).json()) as PlanReport;
    expect(planAfter.advice.filter((a) => a.kind === 'seq-scan')).toEqual([]);
    expect(JSON.stringify(planAfter.plan)).toContain(INDEX);
  });
});
