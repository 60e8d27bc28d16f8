import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * `@nestjs/swagger` is an optional peer: an app that does not install it still gets the admin API's
 * `openapi.json` and its input checks. Each case runs test/fixtures/without-swagger.app.ts in a fresh
 * Node process, once as it is and once with `@nestjs/swagger` unresolvable (MODULE_NOT_FOUND, as when
 * it is not installed), and compares what the admin API answered.
 */
const WORKER = join(__dirname, 'fixtures', 'without-swagger.worker.cjs');

interface Run {
  openapi: { paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>>; servers: unknown };
  answers: Record<string, { status: number; message?: string }>;
  /** Packages the process resolved. */
  resolved: string[];
  /** Packages it asked for and was refused. */
  refused: string[];
}

async function run(adapter: string, hideSwagger: boolean): Promise<Run> {
  const { stdout } = await promisify(execFile)(process.execPath, [WORKER], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, ADAPTER: adapter, HIDE_PACKAGES: hideSwagger ? '@nestjs/swagger' : '' },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Run;
}

describe.each(['express', 'fastify'])('without @nestjs/swagger (%s)', (adapter) => {
  let withSwagger: Run;
  let without: Run;
  beforeAll(async () => {
    [withSwagger, without] = await Promise.all([run(adapter, false), run(adapter, true)]);
  });

  it('starts with the package unresolvable, and never loads it', () => {
    expect(without.refused).toEqual(['@nestjs/swagger']); // the library looked for it and did without
    expect(without.resolved.filter((name) => /swagger/.test(name))).toEqual([]);
    expect(withSwagger.resolved).toContain('@nestjs/swagger'); // the same app loads it when installed
  });

  it('serves the same OpenAPI document as with it', () => {
    expect(without.openapi).toEqual(withSwagger.openapi);
    expect(without.openapi.servers).toEqual([{ url: '/api/v1' }]);
    expect(Object.keys(without.openapi.paths)).toEqual(
      expect.arrayContaining([
        '/performance/live',
        '/performance/routes',
        '/performance/methods',
        '/performance/optimizations',
        '/performance/fleet',
        '/performance/requests/{id}',
        '/performance/slos',
        '/performance/baselines',
        '/performance/logs/counts',
      ]),
    );
    const parameters = (path: string, method = 'get'): string[] => without.openapi.paths[path]![method]!.parameters.map((p) => `${p.in} ${p.name}`);
    expect(parameters('/performance/cache/clear', 'post')).toEqual(['query all', 'query namespace']);
    expect(parameters('/performance/metrics/history')).toEqual(['query hours', 'query instance']);
    expect(parameters('/performance/fleet')).toEqual(['query hours']);
    expect(parameters('/performance/requests/{id}')).toEqual(['path id']);
    expect(parameters('/performance/slos')).toEqual(['query name']);
    expect(parameters('/performance/logs/counts')).toEqual(['query hours']);
  });

  it('accepts the declared parameters and refuses any other input with a 400 that names it', () => {
    expect(without.answers).toEqual({
      'GET metrics/history?hours=6': { status: 200 },
      'GET metrics/history?hour=6': { status: 400, message: 'unknown query parameter "hour": this endpoint takes hours, instance' },
      'GET metrics/history?hours=6&hours=7': { status: 400, message: 'hours must be given once, as a plain value (got ["6","7"])' },
      'POST alerts/clear {"all":true}': { status: 400, message: 'this endpoint takes no body (got "all")' },
      'POST cache/clear?namespace=nothing-here&foo=1': { status: 400, message: 'unknown query parameter "foo": this endpoint takes all, namespace' },
      'GET cache-stats?top=5': { status: 200 },
      'GET openapi.json?format=yaml': { status: 400, message: 'unknown query parameter "format": this endpoint takes no query parameters' },
      'GET jobs/status?x=1': { status: 400, message: 'unknown query parameter "x": this endpoint takes no query parameters' },
      'GET metrics/history?hours=6&instance=no-such-instance': {
        status: 400,
        message: 'instance "no-such-instance" is unknown: the history store holds snapshots of no instance',
      },
      'GET fleet?hours=2': { status: 200 },
      'GET fleet?hours=25': { status: 400, message: 'hours must be an integer from 1 to 24 (got "25")' },
      'GET fleet?instance=a': { status: 400, message: 'unknown query parameter "instance": this endpoint takes hours' },
      'GET requests/not%20an%20id': {
        status: 400,
        message: 'id must be a request id: 1 to 128 letters, digits, dots, dashes or underscores (got "not an id")',
      },
      'GET requests/no-such-request': {
        status: 404,
        message: 'request "no-such-request" is not among the slowest requests kept (each route keeps its slowest of the last 10 minutes)',
      },
      'GET requests/no-such-request?verbose=1': { status: 400, message: 'unknown query parameter "verbose": this endpoint takes no query parameters' },
      'GET slos?nam=checkout': { status: 400, message: 'unknown query parameter "nam": this endpoint takes name' },
      'GET baselines?route=x': { status: 400, message: 'unknown query parameter "route": this endpoint takes no query parameters' },
      'GET logs/counts?hours=2': { status: 200 },
      'GET logs/counts?hour=2': { status: 400, message: 'unknown query parameter "hour": this endpoint takes hours' },
    });
    expect(without.answers).toEqual(withSwagger.answers);
  });
});
