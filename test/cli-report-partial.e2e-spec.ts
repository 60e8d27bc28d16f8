import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SECTIONS } from '../libs/performance/src/cli/commands/report.command';
import type { PerformanceReport } from '../libs/performance/src/cli/report/report-sections';
import { runCli } from './support/cli-process';

/** `report` writes what it has when sections fail: each marked, the others whole, never aborting. */
describe('nestjs-performance report with sections that fail', () => {
  let server: Server;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    // An admin API whose suggest-indexes answers 500, whose jobs/status is not mounted (404),
    // whose methods answer HTML, and whose other endpoints answer.
    server = createServer((req, res) => {
      const path = req.url ?? '';
      if (path.startsWith('/api/v1/performance/suggest-indexes')) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"statusCode":500,"message":"the database went away"}');
      } else if (path.startsWith('/api/v1/performance/jobs/status')) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"statusCode":404,"message":"job monitoring is off"}');
      } else if (path.startsWith('/api/v1/performance/methods')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>a proxy page</html>');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
    dir = mkdtempSync(join(tmpdir(), 'perf-report-'));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const indexesError = () => `GET ${url}/performance/suggest-indexes failed with 500 (the database went away): see the app's logs`;

  it('--output writes every section, each ok or marked with its error, and exits 5', async () => {
    const file = join(dir, 'report.json');
    const run = await runCli(['--url', url, '--token', 't', 'report', '--output', file]);
    expect(run.code).toBe(5);
    expect(run.stderr).toMatch(
      /^warning: the report is partial: indexes \(GET .*suggest-indexes failed with 500 .*\); methods \(GET .*methods answered 200 but not with JSON/,
    );
    const report = JSON.parse(readFileSync(file, 'utf8')) as PerformanceReport;
    expect(report.partial).toBe(true);
    expect(Object.keys(report.sections)).toEqual(Object.keys(REPORT_SECTIONS));
    expect(report.sections.indexes).toEqual({ status: 'error', error: indexesError() });
    expect(report.sections.jobs).toEqual({ status: 'unavailable', error: 'not available: /api/v1/performance/jobs/status answered 404' });
    expect(report.sections.methods).toMatchObject({ status: 'error' });
    for (const [name, path] of Object.entries(REPORT_SECTIONS)) {
      if (['indexes', 'jobs', 'methods'].includes(name)) continue;
      expect(report.sections[name], name).toEqual({ status: 'ok', data: { path: `/api/v1/performance/${path}` } });
    }
  });

  it('--format markdown still has every section, the failed ones marked, and lists what is missing at the end', async () => {
    const run = await runCli(['--url', url, '--token', 't', 'report', '--format', 'markdown']);
    expect(run.code).toBe(5);
    const md = run.stdout;
    expect(md).toMatch(/^# Performance report\n\nhttp:\/\/127\.0\.0\.1:\d+\/api\/v1 · generated .* · \*\*partial: some sections failed, see the end\*\*\n/);
    for (const heading of [
      'Summary',
      'Health score',
      'KPIs',
      'Open alerts',
      'Top recommendations',
      'Slowest routes',
      'Slowest statements',
      'Database statistics',
      'Jobs',
      'History (24 h)',
      'Cache',
      'Applied optimizations',
      'Methods (@Timed)',
      'Errors logged (24 h)',
      'Load tests',
      'Sections not included',
    ]) {
      expect(md).toContain(`\n## ${heading}\n`);
    }
    expect(md).toContain('## Jobs\n\n_Not available: not available: /api/v1/performance/jobs/status answered 404_\n');
    expect(md).toContain(`| indexes | error | ${indexesError()} |`);
    expect(md).toContain('| jobs | unavailable | not available: /api/v1/performance/jobs/status answered 404 |');
    expect(md).toMatch(/## Methods \(@Timed\)\n\n_Failed: GET .*methods answered 200 but not with JSON/);
  });

  it('an app that answers nothing is an error, not an empty report (exit 3)', async () => {
    const run = await runCli(['--url', 'http://127.0.0.1:9/api/v1', '--token', 't', 'report']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
  });

  it.each([
    ['missing.json', /^error: cannot read --compare .*missing\.json: ENOENT/],
    ['not-json.json', /^error: --compare .*not-json\.json is not JSON/],
    ['old.json', /^error: --compare .*old\.json is not a report written by nestjs-performance report/],
  ])('--compare %s that is not a report is refused (exit 2) before asking the app', async (name, message) => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'not-json.json'), 'hello');
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ generatedAt: '2026-01-01T00:00:00Z', sections: { kpis: { kpis: [] } } }));
    const run = await runCli(['--url', url, '--token', 't', 'report', '--compare', join(dir, name)]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
