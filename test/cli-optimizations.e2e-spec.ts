import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppliedOptimization } from '../libs/performance/src/advisor/optimization-log';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

/** `optimizations` and the report's section against the sample app after optimize/:id applied an index. */
describe('nestjs-performance optimizations against the sample app', () => {
  let sample: RunningSample;
  let applied: AppliedOptimization;
  const env = (): Record<string, string> => ({ PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
  const admin = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const response = await fetch(`${sample.api}/performance/${path}`, { ...init, headers: sample.admin });
    expect(response.status, path).toBeLessThan(300);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 3000, env: { DB_ALLOW_SCHEMA_CHANGES: 'true' } });
    for (let i = 0; i < 6; i++) await fetch(`${sample.api}/documents/search?category=legal&status=published&minViews=100`);
  });
  afterAll(() => sample?.close());

  it('lists nothing before any optimization, as a table and as JSON', async () => {
    const json = await runCli(['optimizations', '--json'], env());
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ total: 0, optimizations: [] });
    const table = await runCli(['optimizations'], env());
    expect(table.stdout).toBe('(none)\n');
  });

  it('lists the index optimize/:id applied: --json is the app list, the table shows what, when, the SQL and the result', async () => {
    const { recommendations } = await admin<{ recommendations: { id: string }[] }>('recommendations');
    const rec = recommendations.find((r) => r.id.startsWith('missing-index-'));
    expect(rec, JSON.stringify(recommendations.map((r) => r.id))).toBeDefined();
    await admin(`optimize/${rec!.id}`, { method: 'POST' });
    for (let i = 0; i < 3; i++) await fetch(`${sample.api}/documents/search?category=legal&status=published&minViews=100`);

    const direct = await admin<{ total: number; optimizations: AppliedOptimization[] }>('optimizations');
    expect(direct.total).toBe(1);
    applied = direct.optimizations[0]!;
    expect(applied).toMatchObject({ id: rec!.id, action: 'create-index', result: 'applied' });
    expect(applied.sql).toMatch(/^CREATE INDEX "idx_documents_/);

    const json = await runCli(['optimizations', '--json'], env());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(direct);

    const table = await runCli(['optimizations'], env());
    expect(table.code).toBe(0);
    const [heading, row, ...rest] = table.stdout.trimEnd().split('\n');
    expect(heading).toMatch(/^APPLIED AT +ACTION +RESULT +TITLE +SQL +BEFORE MS +AFTER MS$/);
    expect(rest).toEqual([]);
    expect(row).toContain(`${applied.appliedAt}  create-index  applied`);
    expect(row).toContain('CREATE INDEX "idx_documents_');
    // The targeted search ran before and since: both means are numbers.
    expect(row).toMatch(/ \d+(\.\d+)? +\d+(\.\d+)?$/);
  });

  it('report holds the optimizations section', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cli-optimizations-')), 'report.json');
    const run = await runCli(['report', '--output', file], env());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\noptimizations +ok\n/);
    const report = JSON.parse(readFileSync(file, 'utf8')) as { sections: Record<string, { status: string; data: { optimizations: AppliedOptimization[] } }> };
    expect(report.sections.optimizations!.status).toBe('ok');
    expect(report.sections.optimizations!.data.optimizations.map((o) => [o.id, o.result])).toEqual([[applied.id, 'applied']]);
  });
});
