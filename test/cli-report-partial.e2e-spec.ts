import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_SECTIONS } from '../libs/performance/src/cli/commands/report.command';
import { runCli } from './support/cli-process';

/** `report` writes what it has when one endpoint fails: the others, and the failed one named. */
describe('nestjs-performance report with an endpoint that fails', () => {
  let server: Server;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    // An admin API whose suggest-indexes answers 500 and whose other endpoints answer.
    server = createServer((req, res) => {
      const failing = req.url?.startsWith('/api/v1/performance/suggest-indexes');
      res.writeHead(failing ? 500 : 200, { 'content-type': 'application/json' });
      res.end(failing ? '{"statusCode":500,"message":"the database went away"}' : JSON.stringify({ path: req.url }));
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

  it('--output writes every section that answered, names the failed one, and exits 5', async () => {
    const file = join(dir, 'report.json');
    const run = await runCli(['--url', url, '--token', 't', 'report', '--output', file]);
    expect(run.code).toBe(5);
    expect(run.stderr).toBe(
      `warning: the report is partial: indexes (GET ${url}/performance/suggest-indexes failed with 500 (the database went away): see the app's logs)\n`,
    );
    const report = JSON.parse(readFileSync(file, 'utf8')) as { sections: Record<string, unknown>; failed: Record<string, string> };
    expect(Object.keys(report.sections).sort()).toEqual(
      Object.keys(REPORT_SECTIONS)
        .filter((s) => s !== 'indexes')
        .sort(),
    );
    expect(report.failed).toEqual({ indexes: `GET ${url}/performance/suggest-indexes failed with 500 (the database went away): see the app's logs` });
  });

  it('without --output prints the partial report on stdout', async () => {
    const run = await runCli(['--url', url, '--token', 't', 'report']);
    expect(run.code).toBe(5);
    const report = JSON.parse(run.stdout) as { sections: Record<string, unknown>; failed: Record<string, string> };
    expect(Object.keys(report.failed)).toEqual(['indexes']);
    expect(Object.keys(report.sections)).toHaveLength(Object.keys(REPORT_SECTIONS).length - 1);
  });
});
