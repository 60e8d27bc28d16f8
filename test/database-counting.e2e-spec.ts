import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDataSourceToken } from '@nestjs/typeorm';
import { PerformanceEvents, QueryStats, type QueryEvent } from 'nestjs-performance';
import type { QueryPerformanceBody } from '../libs/performance/src/admin/database.controller';
import { DataSource } from 'typeorm';
import { databaseFixture, FIXTURE_ADMIN_TOKEN, FixtureItem, RecordingTypeOrmLogger } from './fixtures/database-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';
import { pgStatStatementsPreloadedSync, TEST_DATABASES } from './fixtures/database-services';
import { describeWithService, SERVICE_URLS } from './support/services';

const admin = { authorization: `Bearer ${FIXTURE_ADMIN_TOKEN}` };

async function get(running: RunningApp, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(running.url + path, { headers });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body) as unknown };
}

function queries(res: { headers: Headers }): number {
  return Number(res.headers.get('x-db-queries'));
}

/**
 * On PostgreSQL, a database of its own: database-stats reads pg_stat_statements of the whole database,
 * where the other suites' statements would crowd this suite's out of the top of the list.
 */
const PG_DATABASE = 'perf_counting';

async function ownPostgresDatabase(): Promise<string> {
  const server = await new DataSource({ type: 'postgres', url: SERVICE_URLS.postgres }).initialize();
  try {
    if ((await server.query('SELECT 1 FROM pg_database WHERE datname = $1', [PG_DATABASE])).length === 0) await server.query(`CREATE DATABASE ${PG_DATABASE}`);
  } finally {
    await server.destroy();
  }
  const url = new URL(SERVICE_URLS.postgres);
  url.pathname = `/${PG_DATABASE}`;
  return url.href;
}

const PG_STAT_STATEMENTS = TEST_DATABASES.some((db) => db.name === 'postgres' && db.available) && pgStatStatementsPreloadedSync();

for (const db of TEST_DATABASES) {
  // On PostgreSQL the database report reads pg_stat_statements, which only a server that preloads it has.
  const [service, available] = db.name === 'postgres' && db.available ? (['pg_stat_statements', PG_STAT_STATEMENTS] as const) : [db.service, db.available];
  describeWithService(service, available, `database counting on ${db.name}`, () => {
    describe.each(ADAPTERS)('%s', (adapter) => {
      let running: RunningApp;
      let dataSource: DataSource;

      beforeAll(async () => {
        const url = db.name === 'postgres' ? await ownPostgresDatabase() : db.url;
        running = await startApp(databaseFixture(url, { database: { n1Header: true, slowQueryThresholdMs: 50 } }), adapter);
        dataSource = running.app.get(getDataSourceToken());
        // Needs shared_preload_libraries = 'pg_stat_statements' on the server (see .ci/run).
        if (db.name === 'postgres') await dataSource.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        const repo = dataSource.getRepository(FixtureItem);
        await repo.clear();
        const rows = Array.from({ length: 4000 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}` }));
        for (let i = 0; i < rows.length; i += 500) await repo.insert(rows.slice(i, i + 500));
      });
      afterAll(() => running?.close());

      it.each([
        ['no statement', '/db/none', 0],
        ['a repository lookup', '/db/one', 1],
        ['a raw query()', '/db/raw', 1],
        ['a query builder', '/db/builder', 1],
        ['a transaction (begin, 2 statements, commit)', '/db/transaction', 4],
        ['a statement on the second DataSource', '/db/extra', 1],
        ['a loop of 7 lookups', '/db/loop?n=7', 7],
        ['a failing statement', '/db/fail', 1],
      ])('counts %s exactly', async (_what, path, expected) => {
        const res = await get(running, path);
        expect(queries(res)).toBe(expected);
        const time = res.headers.get('x-db-time')!;
        expect(time).toMatch(/^\d+\.\d{2}$/);
        if (expected > 0) expect(Number(time)).toBeGreaterThan(0);
        expect(res.headers.get('server-timing')).toContain(`db;dur=${time};desc="${expected} ${expected === 1 ? 'query' : 'queries'}"`);
      });

      it('counts each of 24 concurrent requests separately', async () => {
        const ns = Array.from({ length: 24 }, (_, i) => (i % 8) + 1);
        const results = await Promise.all(ns.map((n) => get(running, `/db/loop?n=${n}`)));
        expect(results.map(queries)).toEqual(ns);
      });

      it('runs 4,000 keys as 4 chunked IN statements, not 4,000', async () => {
        const res = await get(running, '/db/chunked?n=4000');
        expect(res.json()).toEqual({ rows: 4000 });
        expect(queries(res)).toBe(4);
      });

      it('counts statements outside requests globally, not in a request', async () => {
        const stats = running.app.get(QueryStats);
        const before = stats.totals().outsideRequests.queries;
        await dataSource.query('SELECT 1 AS one');
        await dataSource.getRepository(FixtureItem).count();
        expect(stats.totals().outsideRequests.queries).toBe(before + 2);
        expect(queries(await get(running, '/db/none'))).toBe(0);
      });

      it("leaves the app's own TypeORM logger receiving every statement", async () => {
        const before = RecordingTypeOrmLogger.queries.length;
        await get(running, '/db/raw');
        expect(RecordingTypeOrmLogger.queries.slice(before)).toContain('SELECT 1 AS one');
      });

      it('announces an N+1 in X-DB-N1 with the fingerprint, and only above the threshold', async () => {
        expect((await get(running, '/db/loop?n=5')).headers.get('x-db-n1')).toBeNull();
        const res = await get(running, '/db/loop?n=6');
        const fingerprint = res.headers.get('x-db-n1');
        expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
        const perf = (await get(running, '/performance/query-performance?limit=1000', admin)).json() as QueryPerformanceBody;
        const finding = perf.n1.recent.find((f) => f.requestId === res.headers.get('x-request-id'));
        expect(finding).toEqual({
          at: expect.any(String),
          route: '/db/loop',
          requestId: res.headers.get('x-request-id'),
          fingerprint,
          statement: expect.stringMatching(/perf_fixture_items.*= \?/),
          count: 6,
        });
        const entry = perf.statements.find((s) => s.fingerprint === fingerprint)!;
        expect(entry.n1Requests).toBeGreaterThanOrEqual(1);
        expect(entry.routes).toContain('/db/loop');
      });

      it('emits every statement on PerformanceEvents with literals replaced', async () => {
        const events: QueryEvent[] = [];
        const off = running.app.get(PerformanceEvents).onQuery((e) => events.push(e));
        try {
          await get(running, '/db/builder');
        } finally {
          off();
        }
        expect(events).toHaveLength(1);
        expect(events[0]).toEqual({
          operation: 'SELECT',
          statement: expect.stringMatching(/IN \(\? \/\* 3 values \*\/\)/),
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
          system: db.name === 'sqlite' ? 'sqlite' : db.name === 'postgres' ? 'postgresql' : 'mariadb',
          startTime: expect.any(Number),
          durationMs: expect.any(Number),
          success: true,
          request: expect.objectContaining({ route: '/db/builder' }),
        });
      });

      it('keeps statistics per fingerprint, slow statements, and never shows literals', async () => {
        await get(running, '/db/slow');
        await get(running, '/db/builder');
        const perf = (await get(running, '/performance/query-performance?limit=1000', admin)).json() as QueryPerformanceBody;
        const builder = perf.statements.find((s) => /IN \(\? \/\* 3 values \*\/\)/.test(s.statement) && s.routes.includes('/db/builder'))!;
        expect(builder).toMatchObject({ operation: 'SELECT', database: 'default', errors: 0, rows: expect.any(Number) });
        expect(builder.calls).toBeGreaterThanOrEqual(2);
        expect(builder.p95Ms).toBeGreaterThan(0);
        expect(JSON.stringify(perf.statements)).not.toMatch(/item \d|perf_no_such_table'/);
        const failing = perf.statements.find((s) => s.statement.includes('perf_no_such_table'))!;
        expect(failing.errors).toBeGreaterThanOrEqual(1);
        expect(perf.slowQueries.thresholdMs).toBe(50);
        const slow = perf.slowQueries.recent.find((q) => q.route === '/db/slow')!;
        expect(slow).toEqual({
          at: expect.any(String),
          durationMs: expect.any(Number),
          fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
          statement: expect.any(String),
          database: 'default',
          success: true,
          route: '/db/slow',
          requestId: expect.any(String),
        });
        expect(slow.durationMs).toBeGreaterThanOrEqual(50);
      });

      it('reports pool usage for the driver', async () => {
        const body = (await get(running, '/performance/connection-pool', admin)).json() as { pools: Record<string, unknown>[] };
        const main = body.pools.find((p) => p.database === 'default')!;
        const reporting = body.pools.find((p) => p.database === 'reporting')!;
        expect(reporting).toEqual({
          database: 'reporting',
          system: 'sqlite',
          total: 1,
          idle: null,
          active: null,
          waiting: null,
          max: 1,
          utilizationPercent: null,
          note: 'SQLite uses one connection, no pool: statements run one at a time',
        });
        if (db.name === 'sqlite') expect(main).toEqual({ ...reporting, database: 'default' });
        else {
          expect(main).toMatchObject({ max: 4, waiting: 0, active: 0, utilizationPercent: 0 });
          expect(main.total).toBeGreaterThanOrEqual(1);
          expect(main.idle).toBe(main.total);
        }
      });

      it('answers database-stats for each DataSource, unsupported where the database has no equivalent', async () => {
        const body = (await get(running, '/performance/database-stats?database=default', admin)).json() as {
          databases: Record<string, { status: string; rows?: unknown[]; reason?: string; note?: string }>[];
        };
        expect(body.databases).toHaveLength(1);
        const report = body.databases[0]!;
        const statuses = Object.fromEntries(
          Object.entries(report)
            .filter(([, v]) => typeof v === 'object')
            .map(([k, v]) => [k, v.status]),
        );
        if (db.name === 'sqlite') {
          expect(statuses).toEqual({
            topStatements: 'ok',
            tableStats: 'unsupported',
            cacheHitRatio: 'unsupported',
            unusedIndexes: 'unsupported',
            duplicateIndexes: 'ok',
            longRunningQueries: 'unsupported',
            connectionStates: 'unsupported',
            tableSizes: 'ok',
            queryPlans: 'ok',
          });
          expect(report.topStatements!.note).toMatch(/^in-process statistics/);
          expect(report.tableSizes!.rows).toContainEqual({ table: 'perf_fixture_items', rowEstimate: 4000 });
        } else if (db.name === 'postgres') {
          // Plans of PostgreSQL statements come from the query-plan endpoint, not from this report.
          expect(statuses).toEqual({ ...Object.fromEntries(Object.keys(statuses).map((k) => [k, 'ok'])), queryPlans: 'unsupported' });
          expect(report.topStatements!.note).toBe('from pg_stat_statements (whole database, since its last reset)');
          expect(report.topStatements!.rows).toContainEqual(
            expect.objectContaining({ statement: expect.stringContaining('perf_fixture_items'), calls: expect.any(Number) }),
          );
          expect(report.tableStats!.rows).toContainEqual(expect.objectContaining({ table: 'perf_fixture_items', needsVacuum: expect.any(Boolean) }));
        } else {
          expect(statuses).toMatchObject({ tableStats: 'ok', cacheHitRatio: 'ok', duplicateIndexes: 'ok', connectionStates: 'ok', tableSizes: 'ok' });
        }
      });

      it.each([
        ['/performance/query-performance?limit=-1', 'limit'],
        ['/performance/query-performance?limit=abc', 'limit'],
        ['/performance/query-performance?database=nope', 'database'],
        ['/performance/database-stats?limit=0', 'limit'],
        ['/performance/suggest-indexes?database=no%20such', 'database'],
        ['/performance/query-plan', 'fingerprint'],
        ['/performance/query-plan?fingerprint=xyz', 'fingerprint'],
        ['/performance/query-plan?fingerprint=0123456789abcdef', 'fingerprint'],
      ])('answers %s with a 400 naming %s', async (path, parameter) => {
        const res = await get(running, path, admin);
        expect(res.status).toBe(400);
        expect((res.json() as { message: string }).message).toMatch(new RegExp(`^${parameter} `));
      });

      it('keeps the database endpoints behind the admin credential', async () => {
        for (const path of ['query-performance', 'database-stats', 'connection-pool', 'suggest-indexes', 'query-plan']) {
          expect((await get(running, `/performance/${path}`)).status).toBe(401);
        }
      });
    });
  });
}

describe.each(ADAPTERS)('database instrumentation switched off on %s', (adapter) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(databaseFixture('sqlite::memory:', { database: { enabled: false } }), adapter);
  });
  afterAll(() => running?.close());

  it('attaches nothing and counts nothing', async () => {
    const dataSource: DataSource = running.app.get(getDataSourceToken());
    expect(dataSource.subscribers).toEqual([]);
    const res = await get(running, '/db/one');
    expect(res.status).toBe(200);
    expect(queries(res)).toBe(0);
    expect(running.app.get(QueryStats).totals().queries).toBe(0);
  });
});
