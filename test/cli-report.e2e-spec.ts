import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SearchIndexSyncJob } from '../apps/sample/src/jobs/search-index-sync.job';
import { REPORT_SECTIONS } from '../libs/performance/src/cli/commands/report.command';
import type { PerformanceReport } from '../libs/performance/src/cli/report/report-sections';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

/** `report` against the sample app: every section, the Markdown report for people, and what changed since a previous report. */
describe('nestjs-performance report against the sample app', () => {
  let sample: RunningSample;
  const dir = mkdtempSync(join(tmpdir(), 'cli-report-'));
  const env = (): Record<string, string> => ({ PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
  const admin = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin });
    expect(response.status, path).toBe(200);
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 2000, env: { THRESHOLD_CPU_PERCENT: 'false' } });
    // Traffic for the advisors: the unindexed search and the N+1 demo.
    for (let i = 0; i < 6; i++) {
      await (await fetch(`${sample.api}/documents/search?category=legal&status=published&minViews=100`)).arrayBuffer();
      await (await fetch(`${sample.api}/documents?limit=20&include=author&strategy=naive`)).arrayBuffer();
      // DocumentsService.findOne is @Timed().
      await (await fetch(`${sample.api}/documents/${i + 1}`)).arrayBuffer();
    }
    await sample.app.get(MetricsSampler).collect();
  });
  afterAll(async () => {
    await sample?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('JSON: every section marked ok with the data the app answers', async () => {
    const file = join(dir, 'report.json');
    const run = await runCli(['report', '--output', file], env());
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^Report written to ${file}\nSECTION +STATE\nhealth +ok\n`));
    const report = JSON.parse(readFileSync(file, 'utf8')) as PerformanceReport;
    expect(report.partial).toBe(false);
    expect(report.baseUrl).toBe(sample.api);
    expect(Object.keys(report.sections)).toEqual(Object.keys(REPORT_SECTIONS));
    for (const [name, section] of Object.entries(report.sections)) expect(section.status, name).toBe('ok');
    const data = (name: string): unknown => (report.sections[name] as { data: unknown }).data;
    expect(data('jobs')).toMatchObject({ totals: { jobs: 3 } });
    expect(data('optimizations')).toEqual(await admin('optimizations'));
    expect(data('cacheWarming')).toMatchObject({ enabled: true });
    expect(data('logs')).toMatchObject({ hours: 24, totals: { error: 0 } });
  });

  it('--format markdown: the report for people, from the same data', async () => {
    const run = await runCli(['report', '--format', 'markdown'], env());
    expect(run.code, run.stderr).toBe(0);
    const md = run.stdout;
    const health = await admin<{ score: number; status: string; parts: Record<string, { weight: number }> }>('health-overview');
    expect(md).toMatch(/^# Performance report\n\nhttp:\/\/127\.0\.0\.1:\d+\/api\/v1 · generated \d{4}-/);
    expect(md).toContain(`\n## Summary\n\n- **Health score: `);
    expect(md).toMatch(/\n## Health score\n\n\| part \| score \| weight \| worst input \|\n\|---\|---\|---\|---\|\n\| database \| \d+ \| 40 \|/);
    expect(health.parts.database!.weight).toBe(40);
    // KPI verdicts, one row per KPI of the app.
    const kpis = await admin<{ kpis: { name: string; status: string }[] }>('kpis');
    for (const k of kpis.kpis) expect(md).toMatch(new RegExp(`\\n\\| ${k.name} \\| [^\\n]+ \\| (\\*\\*FAIL\\*\\*|${k.status}) \\|\\n`));
    // The top recommendations with their SQL as code blocks.
    const recs = await admin<{ recommendations: { id: string; title: string; action: { sql?: string } }[] }>('recommendations');
    const index = recs.recommendations.find((r) => r.action.sql?.startsWith('CREATE INDEX'));
    expect(index).toBeDefined();
    expect(md).toContain(`### ${index!.title}\n`);
    expect(md).toContain(`\`\`\`sql\n${index!.action.sql}\n\`\`\``);
    // Slowest routes and statements, jobs, cache and warming, methods, errors logged.
    expect(md).toMatch(
      /\n## Slowest routes\n\n\| route \| requests \| p50 ms \| p95 ms \| p99 ms \| errors % \| SQL \/ request \|\n\|---\|---\|---\|---\|---\|---\|---\|\n\| GET \/api\/v1\/documents/,
    );
    expect(md).toMatch(/\n## Slowest statements\n\n\d+ statements, [\d.]+ ms in all\.\n\n\| statement \| database \|/);
    expect(md).toContain('\n| search-index-sync | never | 0 | 0 |');
    expect(md).toMatch(/\n\| warming \| 1 entries, \d+ runs, 0 failures \|\n/);
    expect(md).toMatch(
      /\n## Methods \(@Timed\)\n\n\| method \| calls \| errors \| mean ms \| p95 ms \| total ms \|\n\|---\|---\|---\|---\|---\|---\|\n\| DocumentsService\.findOne \| 6 \| 0 \|/,
    );
    expect(md).toContain('\n## Errors logged (24 h)\n\n0 fatal, 0 errors, 0 warnings.\n');
    expect(md).not.toContain('## Sections not included');
    expect(md).not.toContain('## Changes since the previous report');
  });

  it('--compare says what changed since a previous report: job failures, errors logged, new alerts', async () => {
    const previous = join(dir, 'previous.json');
    expect((await runCli(['report', '--output', previous], env())).code).toBe(0);
    const job = sample.app.get(SearchIndexSyncJob);
    await job.sync();
    await job.sync();
    await expect(job.sync()).rejects.toThrow('search index unavailable');
    new Logger('ExportService').error('export failed');

    const run = await runCli(['report', '--format', 'markdown', '--compare', previous], env());
    expect(run.code, run.stderr).toBe(0);
    const { generatedAt } = JSON.parse(readFileSync(previous, 'utf8')) as PerformanceReport;
    const changes = run.stdout.slice(run.stdout.indexOf('## Changes since the previous report'));
    expect(changes).toContain(`Previous report: ${generatedAt}.`);
    expect(changes).toContain('- **jobs**: search-index-sync: 3 runs, 1 failed since; last run never -> failure');
    expect(changes).toContain('- **logs**: 1 more errors logged');
    expect(run.stdout).toMatch(/- Changes since the previous report \(.*\): [1-9]\d*\n/);

    // The JSON report carries the same comparison.
    const json = await runCli(['report', '--previous', previous], env());
    const body = JSON.parse(json.stdout) as PerformanceReport & { comparison: { previousAt: string; changes: { section: string; change: string }[] } };
    expect(body.comparison.previousAt).toBe(generatedAt);
    expect(body.comparison.changes).toContainEqual({ section: 'jobs', change: 'search-index-sync: 3 runs, 1 failed since; last run never -> failure' });
  });
});
