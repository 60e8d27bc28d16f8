import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseInstrumentation } from 'nestjs-performance';
import type { IndexAdvice } from '../libs/performance/src/database/advisor/index-advisor.service';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

/**
 * One database that cannot be examined any more (here: a second DataSource
 * closed after its statements were observed) never fails `suggest-indexes`
 * or `recommendations`: both answer 200, say they are partial and name what
 * failed, and the advice of the other database stands.
 */
describe.each(ADAPTERS)('index advice with a database that fails (%s)', (adapter) => {
  let sample: RunningSample;
  let reporting: DataSource;
  let dir: string;
  const admin = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    sample = await startSample(adapter, { seedDocuments: 2000 });
    dir = mkdtempSync(join(tmpdir(), 'perf-advice-'));
    reporting = await new DataSource({ type: 'better-sqlite3', database: join(dir, 'reporting.sqlite') }).initialize();
    sample.app.get(DatabaseInstrumentation).attach(reporting, 'reporting');
    await reporting.query('CREATE TABLE reports (id INTEGER PRIMARY KEY, owner INTEGER NOT NULL, title TEXT NOT NULL)');
    await reporting.query(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO reports SELECT i, i % 50, 'r' FROM n`);
    await reporting.query('SELECT id, title FROM reports WHERE owner = ?', [7]);
    for (let i = 0; i < 2; i++) await (await fetch(`${sample.api}/documents/search?category=legal&status=published`)).arrayBuffer();
    // The reporting database goes away: every statement the advisor sends to it now fails.
    await reporting.destroy();
  });
  afterAll(async () => {
    await sample?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('suggest-indexes answers 200: partial for the failed database, whole for the other', async () => {
    const { status, body } = await admin<{ databases: IndexAdvice[] }>('suggest-indexes');
    expect(status).toBe(200);
    const [main, failed] = body.databases;
    expect(main).toMatchObject({ database: 'default', partial: false, failures: [] });
    expect(main!.suggestions.map((s) => s.columns)).toContainEqual(['category', 'status']);
    expect(failed).toMatchObject({ database: 'reporting', partial: true, suggestions: [] });
    expect(failed!.failures).toEqual([{ table: 'reports', fingerprints: [expect.stringMatching(/^[0-9a-f]{16}$/)], error: expect.any(String) }]);
  });

  it("recommendations answers 200 with the other database's advice, partial, naming the failed table", async () => {
    const { status, body } = await admin<{ recommendations: { id: string; title: string }[]; partial: boolean; failures: unknown[] }>('recommendations');
    expect(status).toBe(200);
    expect(body.recommendations.map((r) => r.title)).toContain('Add an index on documents (category, status)');
    expect(body.partial).toBe(true);
    expect(body.failures).toEqual([
      { rule: 'missing-index', subject: 'reporting.reports', error: expect.any(String) },
      { rule: 'table-maintenance', subject: 'reporting', error: expect.any(String) },
    ]);
  });
});
