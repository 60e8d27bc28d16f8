import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryPerformanceBody } from '../libs/performance/src/admin/database.controller';
import type { DatabaseStatsReport } from '../libs/performance/src/database/diagnostics/database-diagnostics.service';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

/**
 * Statement text for people: the seed's 500-row INSERTs show one row and the
 * count (not 500 rows written out), IN lists one value and the count, and
 * lists cut long statements, whose whole text `query-performance?fingerprint=` gives.
 */
describe.each(ADAPTERS)('statement text in the admin answers (%s)', (adapter) => {
  let sample: RunningSample;
  const admin = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    // The seed inserts 10,000 documents in statements of 500 rows each.
    sample = await startSample(adapter);
    await (await fetch(`${sample.api}/documents/1`)).arrayBuffer();
    await (await fetch(`${sample.api}/documents?limit=12&include=author&strategy=naive`)).arrayBuffer();
  });
  afterAll(() => sample?.close());

  it('shows a multi-row INSERT as its first row and the number of rows', async () => {
    const { body } = await admin<QueryPerformanceBody>('query-performance?limit=1000');
    const insert = body.statements.find((s) => s.statement.startsWith('INSERT INTO "documents"'))!;
    expect(insert.statement).toMatch(/^INSERT INTO "documents"\("id", "workspaceId", .*\) VALUES \(NULL, \?, .*, datetime\(\?\)\) \/\* 500 rows \*\/$/);
    expect(insert.statement.length).toBeLessThan(400);
    expect(insert.calls).toBe(20);
    // Every list the admin API gives keeps its statements short.
    const { body: stats } = await admin<{ databases: DatabaseStatsReport[] }>('database-stats?limit=500');
    const statements: string[] = [];
    JSON.stringify(stats, (key, value: unknown) => (key === 'statement' && typeof value === 'string' ? (statements.push(value), value) : value));
    expect(statements.length).toBeGreaterThan(0);
    expect(statements.filter((s) => s.length > 530)).toEqual([]);
  });

  it('cuts a statement longer than 500 characters in lists, and gives it whole for its fingerprint', async () => {
    const { body } = await admin<QueryPerformanceBody>('query-performance?limit=1000');
    const listed = body.statements.find((s) => s.statement.startsWith('SELECT "Document"."id" AS "Document_id"'))!;
    expect(listed.statement).toMatch(/^.{499}… \(\d{3,} characters\)$/s);
    const whole = await admin<QueryPerformanceBody>(`query-performance?fingerprint=${listed.fingerprint}`);
    expect(whole.status).toBe(200);
    expect(whole.body.statements).toHaveLength(1);
    const text = whole.body.statements[0]!.statement;
    expect(text.length).toBe(Number(/\((\d+) characters\)$/.exec(listed.statement)![1]));
    expect(text.startsWith(listed.statement.slice(0, 499))).toBe(true);
    expect(text).toMatch(/WHERE \(\("Document"\."id" = \?\)\) LIMIT \?$/);
  });

  it('answers 400 naming fingerprint when it is malformed or was never observed', async () => {
    expect(await admin('query-performance?fingerprint=xyz')).toEqual({
      status: 400,
      body: expect.objectContaining({ message: 'fingerprint must be 16 hexadecimal characters as listed by query-performance (got "xyz")' }),
    });
    expect(await admin('query-performance?fingerprint=0123456789abcdef')).toEqual({
      status: 400,
      body: expect.objectContaining({ message: 'fingerprint 0123456789abcdef has not been observed (or was evicted)' }),
    });
  });
});
