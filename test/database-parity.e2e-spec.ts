import { getDataSourceToken } from '@nestjs/typeorm';
import type { QueryPerformanceBody } from '../libs/performance/src/admin/database.controller';
import type { IndexAdvice, IndexSuggestion } from '../libs/performance/src/database/advisor/index-advisor.service';
import type { PlanReport } from '../libs/performance/src/database/advisor/plan-advisor.service';
import type { AppliedOptimization } from '../libs/performance/src/advisor/optimization-log';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASES } from './fixtures/database-services';
import { type RunningSample, startSample } from './support/sample-app';
import { describeWithService, SERVICE_URLS } from './support/services';

/**
 * One scenario, one answer: the sample's contract routes, a join on an
 * unindexed column (`/workspaces/:id/active-users`) and the unindexed search
 * give the same advice on SQLite, PostgreSQL and MariaDB. The scenario runs in
 * a database of its own (`perf_parity`), so the other suites' data stays as it is.
 */
const PARITY_DATABASE = 'perf_parity';

/** Indexes the scenario makes; dropped first, so a rerun starts from the sample's own schema. */
const SCENARIO_INDEXES = [
  ['documents', 'idx_documents_category_status'],
  ['chat_sessions', 'idx_chat_sessions_userId'],
  ['documents', 'idx_documents_status'],
  ['documents', 'idx_documents_wordCount'],
] as const;

/** The database of each kind, created when missing. */
async function parityUrl(name: (typeof TEST_DATABASES)[number]['name']): Promise<string> {
  if (name === 'sqlite') return 'sqlite::memory:';
  const server = name === 'postgres' ? SERVICE_URLS.postgres : SERVICE_URLS.mysql;
  const admin = await new DataSource({ type: name, url: server }).initialize();
  try {
    if (name === 'mysql') await admin.query(`CREATE DATABASE IF NOT EXISTS ${PARITY_DATABASE}`);
    else if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [PARITY_DATABASE])).length === 0)
      await admin.query(`CREATE DATABASE ${PARITY_DATABASE}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(server);
  url.pathname = `/${PARITY_DATABASE}`;
  return url.href;
}

/** The exact statements and decorators each database gets for the scenario's two indexes. */
const EXPECTED_SQL: Record<string, Record<string, { createIndex: string; dropIndex: string }>> = {
  sqlite: {
    'documents(category, status)': {
      createIndex: 'CREATE INDEX "idx_documents_category_status" ON "documents" ("category", "status")',
      dropIndex: 'DROP INDEX "idx_documents_category_status"',
    },
    'chat_sessions(userId)': {
      createIndex: 'CREATE INDEX "idx_chat_sessions_userId" ON "chat_sessions" ("userId")',
      dropIndex: 'DROP INDEX "idx_chat_sessions_userId"',
    },
  },
  postgres: {
    'documents(category, status)': {
      createIndex: 'CREATE INDEX CONCURRENTLY "idx_documents_category_status" ON "documents" ("category", "status")',
      dropIndex: 'DROP INDEX CONCURRENTLY "idx_documents_category_status"',
    },
    'chat_sessions(userId)': {
      createIndex: 'CREATE INDEX CONCURRENTLY "idx_chat_sessions_userId" ON "chat_sessions" ("userId")',
      dropIndex: 'DROP INDEX CONCURRENTLY "idx_chat_sessions_userId"',
    },
  },
  mysql: {
    'documents(category, status)': {
      createIndex: 'CREATE INDEX `idx_documents_category_status` ON `documents` (`category`, `status`)',
      dropIndex: 'DROP INDEX `idx_documents_category_status` ON `documents`',
    },
    'chat_sessions(userId)': {
      createIndex: 'CREATE INDEX `idx_chat_sessions_userId` ON `chat_sessions` (`userId`)',
      dropIndex: 'DROP INDEX `idx_chat_sessions_userId` ON `chat_sessions`',
    },
  },
};

const DECORATORS: Record<string, string> = {
  'documents(category, status)': `@Index("idx_documents_category_status", ['category', 'status'])`,
  'chat_sessions(userId)': `@Index("idx_chat_sessions_userId", ['userId'])`,
};

/** The maintenance each database is advised once many rows of chat_messages changed (SQLite: never analyzed). */
const MAINTENANCE: Record<string, { title: string; type: string; sql: string }> = {
  sqlite: { title: 'Analyze table chat_messages', type: 'analyze-table', sql: 'ANALYZE "chat_messages"' },
  postgres: { title: 'Vacuum table chat_messages', type: 'vacuum-table', sql: 'VACUUM (ANALYZE) "chat_messages"' },
  mysql: { title: 'Analyze table chat_messages', type: 'analyze-table', sql: 'ANALYZE TABLE `chat_messages`' },
};

/**
 * The plan advice the scenario is about, per statement (`kind table`). A
 * database may say more where it works differently: PostgreSQL and MariaDB
 * group the join's rows in a temporary structure that SQLite does without
 * (it reads them in index order), and they sort the aggregate after grouping.
 */
const SCENARIO_PLANS = {
  search: { statement: /"category" = \? AND .*"status" = \?|`category` = \? AND .*`status` = \?/, advice: ['seq-scan documents', 'sort'] },
  join: { statement: /LEFT JOIN ["`]chat_sessions["`]/, advice: ['join-scan chat_sessions', 'sort'] },
  grouping: { statement: /GROUP BY ["`]d["`]\.["`]category["`]/, advice: ['seq-scan documents', 'temp-table'] },
} as const;

/** What the scenario answers on one database, in terms that must be equal on all three. */
interface ScenarioAnswer {
  /** `kind table(columns)` of each suggestion. */
  indexes?: readonly string[];
  /** Per statement of {@link SCENARIO_PLANS}, its advice that the database gave. */
  plans?: Record<string, readonly string[]>;
}

const answers = new Map<string, ScenarioAnswer>();
const answerOf = (db: string) => answers.get(db) ?? answers.set(db, {}).get(db)!;
const label = (s: Pick<IndexSuggestion, 'table' | 'columns'>) => `${s.table}(${s.columns.join(', ')})`;
const adviceOf = (plan: PlanReport) => plan.advice.map((a) => `${a.kind}${a.relation ? ` ${a.relation}` : ''}`);

for (const db of TEST_DATABASES) {
  describeWithService(db.service, db.available, `the index and plan advice of one scenario on ${db.name}`, () => {
    let sample: RunningSample;
    let dataSource: DataSource;
    /** Every statement the module itself sends (marked), seen by a subscriber of the DataSource like the app's own. */
    const own: string[] = [];
    const admin = async <T>(path: string): Promise<{ status: number; body: T }> => {
      const res = await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });
      return { status: res.status, body: (await res.json()) as T };
    };
    const call = async (path: string, init?: RequestInit) => {
      const res = await fetch(sample.api + path, init);
      await res.arrayBuffer();
      expect(res.status, path).toBeLessThan(300);
    };
    const fingerprintOf = async (pattern: RegExp) => {
      const { body } = await admin<QueryPerformanceBody>('query-performance?limit=1000');
      const found = body.statements.filter((s) => pattern.test(s.statement));
      expect(found, String(pattern)).toHaveLength(1);
      return found[0]!.fingerprint;
    };

    beforeAll(async () => {
      sample = await startSample('express', { databaseUrl: await parityUrl(db.name), env: { DB_ALLOW_SCHEMA_CHANGES: 'true' } });
      dataSource = sample.app.get(getDataSourceToken());
      (dataSource.subscribers as object[]).push({
        afterQuery: (event: { query: string }) => {
          if (event.query.startsWith('/* nestjs-performance */')) own.push(event.query);
        },
      });
      // PostgreSQL keeps no estimate for a table autovacuum has not analyzed yet (a fresh database): as in production, it has one.
      if (db.name === 'postgres') await dataSource.query('ANALYZE');
      for (const [table, index] of SCENARIO_INDEXES) {
        if (db.name === 'mysql') {
          const [{ n }] = await dataSource.query('SELECT COUNT(*) AS n FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?', [
            index,
          ]);
          if (Number(n) > 0) await dataSource.query(`DROP INDEX \`${index}\` ON \`${table}\``);
        } else {
          await dataSource.query(`DROP INDEX IF EXISTS "${index}"`);
        }
      }
      // The scenario: the contract routes, the join route and the unindexed search.
      await call('/hello');
      await call('/documents/1');
      await call('/documents?limit=20&include=author&strategy=naive');
      await call('/documents?limit=20&include=author&strategy=join');
      await call('/analytics/overview');
      for (let i = 0; i < 3; i++) {
        await call('/documents/search?category=legal&status=published');
        await call('/workspaces/1/active-users');
      }
      await call('/documents', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ workspaceId: 1, title: 'parity', content: 'one two three' }),
      });
      // TypeORM's own catalog lookups (what synchronize reads), recorded like any statement.
      await dataSource.driver.createSchemaBuilder().log();
    });
    afterAll(async () => {
      if (db.name === 'postgres') await dataSource?.query('ALTER TABLE chat_messages RESET (autovacuum_enabled)');
      if (db.name === 'mysql') await dataSource?.query('ALTER TABLE chat_messages STATS_AUTO_RECALC = DEFAULT');
      await sample?.close();
    });

    it('suggests the missing index and the join column index, with exact SQL, a migration and the @Index line', async () => {
      const { status, body } = await admin<{ databases: IndexAdvice[] }>('suggest-indexes');
      expect(status).toBe(200);
      const advice = body.databases[0]!;
      expect(advice.partial).toBe(false);
      expect(advice.failures).toEqual([]);
      const byLabel = new Map(advice.suggestions.map((s) => [label(s), s]));
      for (const [name, sql] of Object.entries(EXPECTED_SQL[db.name]!)) {
        const suggestion = byLabel.get(name);
        expect(suggestion, name).toMatchObject({ ...sql, decorator: DECORATORS[name], kind: name.startsWith('chat_sessions') ? 'join' : 'filter' });
        expect(suggestion!.migration).toContain(`await queryRunner.query(${JSON.stringify(sql.createIndex)});`);
        expect(suggestion!.migration).toContain(`await queryRunner.query(${JSON.stringify(sql.dropIndex)});`);
      }
      expect(byLabel.get('documents(category, status)')!.rowEstimate).toBeGreaterThan(7500);
      expect(byLabel.get('chat_sessions(userId)')!.rowEstimate).toBeGreaterThan(1500);
      answerOf(db.name).indexes = advice.suggestions.map((s) => `${s.kind} ${label(s)}`).sort();
    });

    it("reads row counts from the database's estimates, and never counts a table on every call", async () => {
      for (let i = 0; i < 3; i++) {
        expect((await admin('suggest-indexes')).status).toBe(200);
        expect((await admin('recommendations')).status).toBe(200);
        expect((await admin('database-stats')).status).toBe(200);
      }
      const counts = own.filter((sql) => /COUNT\(\*\) AS n FROM [`"]/i.test(sql));
      if (db.name === 'sqlite') {
        // No sqlite_stat1 before ANALYZE: each table is counted once, then the count is kept.
        expect(counts.length).toBe(new Set(counts).size);
      } else {
        expect(counts).toEqual([]);
      }
    });

    it("never takes TypeORM's catalog lookups for the app's statements: skipped and counted", async () => {
      const { body } = await admin<{ databases: IndexAdvice[] }>('suggest-indexes');
      const advice = body.databases[0]!;
      expect(advice.skipped.notWrittenByApp).toBeGreaterThan(0);
      const tables = [...advice.suggestions.map((s) => s.table), ...advice.refusals.map((r) => r.table)].filter((t) => t !== null);
      expect(tables.filter((t) => !['documents', 'chat_sessions', 'users', 'workspaces', 'chat_messages'].includes(t!))).toEqual([]);
    });

    it('flags the full scan of the search with its row count, and its sort', async () => {
      const fingerprint = await fingerprintOf(SCENARIO_PLANS.search.statement);
      const { status, body } = await admin<PlanReport>(`query-plan?fingerprint=${fingerprint}`);
      expect(status).toBe(200);
      expect(body.analyzed).toBe(false);
      const scan = body.advice.find((a) => a.kind === 'seq-scan');
      expect(scan).toMatchObject({ relation: 'documents', severity: 'warning' });
      expect(scan!.rows).toBeGreaterThan(7500);
      expect(scan!.message).toContain(`about ${scan!.rows} rows`);
    });

    it('flags the join reading every chat session, naming the join column', async () => {
      const fingerprint = await fingerprintOf(SCENARIO_PLANS.join.statement);
      const { status, body } = await admin<PlanReport>(`query-plan?fingerprint=${fingerprint}`);
      expect(status).toBe(200);
      const join = body.advice.find((a) => a.kind === 'join-scan');
      expect(join).toMatchObject({ relation: 'chat_sessions', severity: 'warning' });
      expect(join!.rows).toBeGreaterThan(1500);
      expect(join!.message).toContain('an index on chat_sessions (userId)');
    });

    it.each(Object.entries(SCENARIO_PLANS))('gives the %s statement its scan, join, sort and temporary-table advice', async (name, { statement, advice }) => {
      const fingerprint = await fingerprintOf(statement);
      const { status, body } = await admin<PlanReport>(`query-plan?fingerprint=${fingerprint}`);
      expect(status).toBe(200);
      const given = adviceOf(body);
      (answerOf(db.name).plans ??= {})[name] = advice.filter((a) => given.includes(a));
      expect(given).toEqual(expect.arrayContaining([...advice]));
    });

    it('applies the missing index through optimize/:id, keeps it in optimizations, and the full scan is gone', async () => {
      const { body: recs } = await admin<{ recommendations: { id: string; title: string; action: { sql?: string } }[] }>('recommendations');
      const rec = recs.recommendations.find((r) => r.title === 'Add an index on documents (category, status)')!;
      expect(rec.action.sql).toBe(EXPECTED_SQL[db.name]!['documents(category, status)']!.createIndex);
      const applied = await fetch(`${sample.api}/performance/optimize/${rec.id}`, { method: 'POST', headers: sample.admin });
      expect(applied.status).toBe(200);
      expect(await applied.json()).toMatchObject({
        id: rec.id,
        applied: true,
        action: 'create-index',
        revert: EXPECTED_SQL[db.name]!['documents(category, status)']!.dropIndex,
      });
      for (let i = 0; i < 2; i++) await call('/documents/search?category=legal&status=published');

      const fingerprint = await fingerprintOf(SCENARIO_PLANS.search.statement);
      const { body: plan } = await admin<PlanReport>(`query-plan?fingerprint=${fingerprint}`);
      expect(plan.advice.filter((a) => a.kind === 'seq-scan')).toEqual([]);
      const { body: advice } = await admin<{ databases: IndexAdvice[] }>('suggest-indexes');
      expect(advice.databases[0]!.refusals).toContainEqual(
        expect.objectContaining({
          table: 'documents',
          columns: ['category', 'status'],
          reason: 'already covered by index idx_documents_category_status (category, status)',
        }),
      );

      const { status, body } = await admin<{ total: number; optimizations: AppliedOptimization[] }>('optimizations');
      expect(status).toBe(200);
      expect(body.optimizations[0]).toEqual({
        id: rec.id,
        title: 'Add an index on documents (category, status)',
        action: 'create-index',
        appliedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        sql: rec.action.sql,
        database: 'default',
        result: 'applied',
        detail: `ran ${rec.action.sql}`,
        revert: EXPECTED_SQL[db.name]!['documents(category, status)']!.dropIndex,
        durationMs: expect.any(Number),
        // The search, and the aggregate ordered by category that the same index serves.
        statements: expect.arrayContaining([
          { fingerprint, before: { calls: 3, meanMs: expect.any(Number) }, after: { calls: 2, meanMs: expect.any(Number) } },
        ]),
      });
      expect(body.optimizations[0]!.statements).toHaveLength(2);
    });

    it('recommends maintenance from the table statistics, applies it through optimize/:id and keeps it', async () => {
      // Statistics go stale as they do in production: many rows change, and the database's own upkeep does not run.
      const expected = MAINTENANCE[db.name]!;
      if (db.name === 'postgres') await dataSource.query('ALTER TABLE chat_messages SET (autovacuum_enabled = false)');
      if (db.name === 'mysql') await dataSource.query('ALTER TABLE chat_messages STATS_AUTO_RECALC = 0');
      if (db.name !== 'sqlite')
        await dataSource.query(db.name === 'mysql' ? 'UPDATE chat_messages SET tokens = tokens + 1' : 'UPDATE chat_messages SET "tokens" = "tokens" + 1');
      type Recs = { recommendations: { id: string; title: string; action: { type: string; sql?: string; automatic: boolean } }[] };
      const maintenance = async () => (await admin<Recs>('recommendations')).body.recommendations.find((r) => r.title === expected.title);
      // The database publishes its table statistics a moment after the statements that changed them.
      await expect.poll(maintenance, { timeout: 20_000, interval: 500 }).toBeDefined();
      const rec = (await maintenance())!;
      expect(rec.action).toMatchObject({ type: expected.type, sql: expected.sql, automatic: true });
      const applied = await fetch(`${sample.api}/performance/optimize/${rec.id}`, { method: 'POST', headers: sample.admin });
      expect(applied.status).toBe(200);
      expect(await applied.json()).toMatchObject({ id: rec.id, applied: true, action: expected.type, detail: `ran ${expected.sql}` });
      await expect.poll(maintenance, { timeout: 20_000, interval: 500 }).toBeUndefined();
      const { body } = await admin<{ optimizations: AppliedOptimization[] }>('optimizations');
      expect(body.optimizations[0]).toMatchObject({ id: rec.id, action: expected.type, sql: expected.sql, result: 'applied' });
      expect(body.optimizations.map((o) => o.action)).toEqual([expected.type, 'create-index']);
    });

    it.skipIf(db.name !== 'postgres')('recommends dropping an index its table never used (PostgreSQL counts index scans)', async () => {
      // An index no statement of the app filters by, on a table read often enough (through its primary key) for that to count.
      const indexname = 'idx_documents_wordCount';
      await dataSource.query(`CREATE INDEX "${indexname}" ON documents ("wordCount")`);
      for (let i = 0; i < 120; i++) await call(`/documents/${(i % 50) + 1}`);
      type Recs = {
        recommendations: { id: string; title: string; severity: string; evidence: Record<string, unknown>; action: { type: string; steps: string[] } }[];
      };
      const unused = async () => (await admin<Recs>('recommendations')).body.recommendations.find((r) => r.evidence.index === indexname);
      await expect.poll(unused, { timeout: 20_000, interval: 500 }).toBeDefined();
      const rec = (await unused())!;
      expect(rec).toMatchObject({ title: `Index ${indexname} on documents is never used`, severity: 'low', action: { type: 'manual' } });
      expect(rec.evidence.tableScans).toBeGreaterThanOrEqual(100);
      expect(rec.action.steps).toContain(`Drop it in a migration: DROP INDEX CONCURRENTLY "${indexname}"`);
      expect((await fetch(`${sample.api}/performance/optimize/${rec.id}`, { method: 'POST', headers: sample.admin })).status).toBe(409);
    });
  });
}

/** Where the statement runs to measure its plan with `database.explainAnalyze`, and the figure that proves it ran. */
const ANALYZED: Record<string, { analyzed: boolean; proof: string | null }> = {
  sqlite: { analyzed: false, proof: null },
  postgres: { analyzed: true, proof: '"Actual Rows"' },
  // MariaDB's ANALYZE FORMAT=JSON; MySQL answers EXPLAIN ANALYZE in its tree format only, so it would say false.
  mysql: { analyzed: true, proof: '"r_rows"' },
};

for (const db of TEST_DATABASES) {
  describeWithService(db.service, db.available, `query-plan with database.explainAnalyze on ${db.name}`, () => {
    let sample: RunningSample;
    beforeAll(async () => {
      sample = await startSample('fastify', { databaseUrl: await parityUrl(db.name), env: { DB_EXPLAIN_ANALYZE: 'true' } });
    });
    afterAll(() => sample?.close());

    it('says analyzed only when the statement ran, and then the plan holds what it read', async () => {
      await (await fetch(`${sample.api}/documents/search?category=legal&status=published`)).arrayBuffer();
      const perf = (await (await fetch(`${sample.api}/performance/query-performance?limit=1000`, { headers: sample.admin })).json()) as QueryPerformanceBody;
      const { fingerprint } = perf.statements.find((s) => SCENARIO_PLANS.search.statement.test(s.statement))!;
      const res = await fetch(`${sample.api}/performance/query-plan?fingerprint=${fingerprint}`, { headers: sample.admin });
      const plan = (await res.json()) as PlanReport;
      expect(res.status).toBe(200);
      const { analyzed, proof } = ANALYZED[db.name]!;
      expect(plan.analyzed).toBe(analyzed);
      if (proof) expect(JSON.stringify(plan.plan)).toContain(proof);
    });
  });
}

describe('the scenario gives one answer on every database', () => {
  it('the same index suggestions and the same plan advice on SQLite, PostgreSQL and MariaDB', () => {
    const available = TEST_DATABASES.filter((d) => d.available).map((d) => d.name);
    expect([...answers.keys()].sort()).toEqual([...available].sort());
    const expected = {
      indexes: ['filter documents(category, status)', 'filter documents(status)', 'join chat_sessions(userId)'],
      plans: Object.fromEntries(Object.entries(SCENARIO_PLANS).map(([name, { advice }]) => [name, advice])),
    };
    for (const name of available) expect({ name, ...answers.get(name) }).toEqual({ name, ...expected });
  });
});
