import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ChatMessage } from '../apps/sample/src/entities';
import { ChunkedWriteError, writeInChunks, type ChunkedWriteProgress } from '../libs/performance/src';
import { TEST_DATABASES } from './fixtures/database-services';
import { type RunningSample, startSample } from './support/sample-app';
import { describeWithService, SERVICE_URLS } from './support/services';

/**
 * writeInChunks on the sample's DataSource, on SQLite, PostgreSQL and
 * MariaDB: 250 rows in chunks of 100 are three transactions (counted by the
 * DataSource's own commit events), a failing row in chunk 3 leaves exactly the
 * 200 rows of chunks 1 and 2, and bad input writes nothing. The suite runs in
 * a database of its own (`perf_chunks`), so the other suites' data stays as it is.
 */
const DATABASE = 'perf_chunks';

async function urlOf(name: (typeof TEST_DATABASES)[number]['name']): Promise<string> {
  if (name === 'sqlite') return 'sqlite::memory:';
  const server = name === 'postgres' ? SERVICE_URLS.postgres : SERVICE_URLS.mysql;
  const admin = await new DataSource({ type: name, url: server }).initialize();
  try {
    if (name === 'mysql') await admin.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
    else if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE])).length === 0) await admin.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(server);
  url.pathname = `/${DATABASE}`;
  return url.href;
}

/** A secret-looking text in every row: it must never appear in an error. */
const SECRET = 'card-4111-1111-1111-1111';

const rowsFor = (sessionId: number, count: number, badRow?: number) =>
  Array.from({ length: count }, (_, i) => ({
    sessionId,
    role: 'user',
    // NOT NULL column: a null here fails the insert on all three databases.
    content: i + 1 === badRow ? (null as unknown as string) : `${SECRET} message ${i + 1}`,
    tokens: i,
    latencyMs: 0,
  }));

for (const db of TEST_DATABASES) {
  describeWithService(db.service, db.available, `writeInChunks on ${db.name}`, () => {
    let sample: RunningSample;
    let dataSource: DataSource;
    let commits = 0;
    let rollbacks = 0;
    let session = 910_000 + Math.floor(Math.random() * 80_000);
    const count = async (sessionId: number) => dataSource.getRepository(ChatMessage).countBy({ sessionId });

    beforeAll(async () => {
      sample = await startSample('express', { databaseUrl: await urlOf(db.name), seedDocuments: 50 });
      dataSource = sample.app.get(getDataSourceToken());
      (dataSource.subscribers as object[]).push({
        afterTransactionCommit: () => void commits++,
        afterTransactionRollback: () => void rollbacks++,
      });
    });
    afterAll(async () => {
      await dataSource?.getRepository(ChatMessage).delete({ sessionId: session });
      await sample?.close();
    });

    it('writes 250 rows in chunks of 100 as 3 transactions, reporting progress after each', async () => {
      session++;
      const progress: ChunkedWriteProgress[] = [];
      commits = 0;
      const summary = await writeInChunks(dataSource, rowsFor(session, 250), { into: ChatMessage, onProgress: (p) => progress.push(p) });
      expect(summary).toMatchObject({ committedRows: 250, committedChunks: 3, chunkSize: 100 });
      expect(commits).toBe(3);
      expect(await count(session)).toBe(250);
      expect(progress.map((p) => [p.chunk, p.firstRow, p.lastRow, p.committedRows, p.totalRows])).toEqual([
        [1, 1, 100, 100, 250],
        [2, 101, 200, 200, 250],
        [3, 201, 250, 250, 250],
      ]);
      await dataSource.getRepository(ChatMessage).delete({ sessionId: session });
    });

    it('stops at a failing row in chunk 3: chunks 1 and 2 stay committed, the error names chunk 3 and rows 201-250 without the values', async () => {
      session++;
      commits = 0;
      rollbacks = 0;
      const error = await writeInChunks(dataSource, rowsFor(session, 250, 230), { into: ChatMessage }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChunkedWriteError);
      const failed = error as ChunkedWriteError;
      expect(failed).toMatchObject({ chunk: 3, firstRow: 201, lastRow: 250, committedRows: 200, committedChunks: 2 });
      expect(failed.message).toContain('chunk 3 of 3 (rows 201-250) failed and was rolled back');
      expect(failed.message).toContain('200 rows in 2 chunks were committed before it');
      expect(failed.reason.toLowerCase()).toMatch(/null|constraint/);
      // The column is named (names stay); values never appear.
      expect(failed.reason).toContain('content');
      expect(failed.message).not.toContain(SECRET);
      expect(JSON.stringify(failed)).not.toContain(SECRET);
      expect(failed.cause).toBeUndefined();
      expect(await count(session)).toBe(200);
      expect(commits).toBe(2);
      expect(rollbacks).toBe(1);
    });

    it('a duplicate key in chunk 2 names chunk 2 and rows 101-200, without the key value, and keeps chunk 1', async () => {
      session++;
      const base = 50_000_000 + Math.floor(Math.random() * 1_000_000);
      const rows = rowsFor(session, 180).map((r, i) => ({ ...r, id: i + 1 === 150 ? base + 5 : base + i }));
      // Explicit ids (TypeORM leaves a generated id to PostgreSQL's default), as bound parameters of the app's own statement.
      const { driver } = dataSource;
      const columns = ['id', 'sessionId', 'role', 'content'];
      const write = async (manager: EntityManager, chunk: typeof rows) => {
        for (const r of chunk) {
          await manager.query(
            `INSERT INTO ${driver.escape('chat_messages')} (${columns.map((c) => driver.escape(c)).join(', ')}) VALUES (${columns.map((c, i) => driver.createParameter(c, i)).join(', ')})`,
            [r.id, r.sessionId, r.role, r.content],
          );
        }
      };
      const error = (await writeInChunks(dataSource, rows, { write }).catch((e: unknown) => e)) as ChunkedWriteError;
      expect(error).toBeInstanceOf(ChunkedWriteError);
      expect(error).toMatchObject({ chunk: 2, firstRow: 101, lastRow: 180, committedRows: 100, committedChunks: 1 });
      expect(error.reason.toLowerCase()).toMatch(/duplicate|unique/);
      expect(error.message).not.toContain(String(base + 5));
      expect(error.code).toBeDefined();
      expect(await count(session)).toBe(100);
    });

    it('a custom write runs in each chunk’s transaction with its position', async () => {
      session++;
      const seen: string[] = [];
      const summary = await writeInChunks(dataSource, rowsFor(session, 5), {
        chunkSize: 2,
        write: async (manager: EntityManager, rows, position) => {
          seen.push(`${position.chunk}/${position.chunks}:${position.firstRow}-${position.lastRow}`);
          await manager.getRepository(ChatMessage).save(rows.map((r) => ({ ...r, role: 'import' })));
        },
      });
      expect(summary.committedChunks).toBe(3);
      expect(seen).toEqual(['1/3:1-2', '2/3:3-4', '3/3:5-5']);
      expect(await dataSource.getRepository(ChatMessage).countBy({ sessionId: session, role: 'import' })).toBe(5);
    });

    it('refuses a chunk size of 0, a fraction or a string, and missing targets, before writing anything', async () => {
      session++;
      commits = 0;
      for (const chunkSize of [0, 2.5, -1, '100' as unknown as number, 100_001]) {
        await expect(writeInChunks(dataSource, rowsFor(session, 10), { into: ChatMessage, chunkSize })).rejects.toThrow(
          /chunkSize must be an integer from 1 to 100000/,
        );
      }
      await expect(writeInChunks(dataSource, rowsFor(session, 10), {})).rejects.toThrow(/give either `into`/);
      expect(commits).toBe(0);
      expect(await count(session)).toBe(0);
    });
  });
}
