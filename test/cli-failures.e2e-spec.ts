import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli-process';
import { SAMPLE_ADMIN_TOKEN, startSample, type RunningSample } from './support/sample-app';

/** Every command, with arguments that are valid on their own. */
const COMMANDS: readonly (readonly string[])[] = [
  ['analyze'],
  ['recommendations'],
  ['optimize-db'],
  ['optimize-cache'],
  ['optimize-all'],
  ['report'],
  ['alerts'],
  ['load', '-e', '/hello', '-d', '1', '-c', '1', '--no-progress'],
];

/** A local server for the failure modes the sample app never shows: a 500, a hang, an HTML page. */
async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`, server };
}

describe('nestjs-performance CLI failure modes', () => {
  let sample: RunningSample;
  let downUrl: string;
  const loadStatus = async (): Promise<unknown> => (await fetch(`${sample.api}/performance/load-test/status`, { headers: sample.admin })).json();

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 100 });
    // A port that was just free: nothing listens there.
    const { url, server } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    downUrl = url;
  });
  afterAll(() => sample?.close());

  it.each(COMMANDS)('%s: server down exits 3 naming the refused connection and the fix', async (...command) => {
    const run = await runCli([...command], { PERFORMANCE_URL: downUrl, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `error: cannot connect to ${new URL(downUrl).origin}: connection refused. Is the app running? Pass the app's base URL including its global prefix with --url or PERFORMANCE_URL, e.g. --url http://localhost:3000/api/v1\n`,
    );
  });

  it.each(COMMANDS)('%s: a wrong token exits 4 and says where the token goes', async (...command) => {
    const before = await loadStatus();
    const run = await runCli(['--url', sample.api, '--token', 'not-the-admin-token', ...command]);
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: the app refused the admin token (401 (admin endpoints need "Authorization: Bearer <admin token>")). Pass the token the app was started with (its PERFORMANCE_ADMIN_TOKEN) with --token or the PERFORMANCE_ADMIN_TOKEN environment variable\n',
    );
    // The load command checks the credential before it sends any load.
    expect(await loadStatus()).toEqual(before);
  });

  it.each(COMMANDS)('%s: no token at all exits 4', async (...command) => {
    const run = await runCli(['--url', sample.api, ...command]);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(
      /^error: no admin token given\. Pass the app's admin token with --token <token> or the PERFORMANCE_ADMIN_TOKEN environment variable/,
    );
  });

  it('a URL without the global prefix exits 3 and names the fix', async () => {
    const run = await runCli(['--url', sample.url, '--token', SAMPLE_ADMIN_TOKEN, 'recommendations']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(
      `error: GET ${sample.url}/performance/recommendations answered 404: no such admin endpoint there. Check that --url is the app's base URL including its global prefix (e.g. http://localhost:3000/api/v1)`,
    );
  });

  it('a wrong --admin-path exits 3', async () => {
    const run = await runCli(['--url', sample.api, '--token', SAMPLE_ADMIN_TOKEN, '--admin-path', 'perf', 'alerts']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("that --admin-path matches the app's adminPath");
  });

  it.each([
    [['--url', 'localhost:3000', 'alerts'], 'error: --url must be http:// or https:// (got "localhost:3000")'],
    [['--url', 'not a url', 'alerts'], 'error: --url "not a url" is not a URL.'],
    [['--url', 'http://user:pw@127.0.0.1/api/v1', 'alerts'], 'error: --url must not carry credentials'],
    [['alerts', '--hours', '0'], 'error: --hours must be an integer from 1 to 720 (got "0")'],
    [['analyze', '--hours', 'many'], 'error: --hours must be an integer from 1 to 720 (got "many")'],
    [['--timeout', '0', 'alerts'], 'error: --timeout must be an integer from 1 to 600 (got "0")'],
    [['load', '-e', '/hello', '--connections', '5000'], 'error: --connections must be an integer from 1 to 1000 (got "5000")'],
    [['load', '-e', '/hello', '--duration', '601'], 'error: --duration must be an integer from 1 to 600 (got "601")'],
    [['load', '-e', '/hello', '--amount', '1000001'], 'error: --amount must be an integer from 1 to 1000000 (got "1000001")'],
    [['load'], 'error: load needs at least one --endpoint: a path below --url, e.g. --endpoint /hello'],
    [['load', '-e', '/hello', '--method', 'BREW'], 'error: --method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (got "BREW")'],
    [['load', '-e', '/hello', '--body', '{}'], 'error: --body needs a method that sends one (--method POST, PUT or PATCH), not GET'],
    [['load', '-e', '/hello', '-H', 'no-colon'], 'error: --header must be "name: value" (got "no-colon")'],
    [['optimize-cache', '--namespace', 'analytics'], 'error: --namespace only says what --clear-cache clears: add --clear-cache'],
    [['optimize-cache', '--clear-cache', '--namespace', 'a b'], 'error: --namespace must be 1-128 letters, digits, . _ : - (got "a b")'],
    [['alerts', '--bogus'], "error: unknown option '--bogus'\n(run nestjs-performance alerts --help for usage)"],
    [['frobnicate'], "error: unknown command 'frobnicate'\n(run nestjs-performance --help, or nestjs-performance <command> --help, for usage)"],
    [['report', '--output'], "error: option '--output <file>' argument missing"],
  ])('bad command line %j exits 2 with the problem named', async (args, message) => {
    const run = await runCli(args, { PERFORMANCE_URL: sample.api, PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  it('no arguments prints the help and exits 2', async () => {
    const run = await runCli([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Usage: nestjs-performance [options] [command]');
  });

  it('an unwritable --output exits 2', async () => {
    const run = await runCli(['report', '--output', '/nonexistent-dir/report.json'], {
      PERFORMANCE_URL: sample.api,
      PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('error: cannot write --output /nonexistent-dir/report.json: ENOENT. Choose a writable path\n');
  });

  it('load without autocannon installed exits 2 saying what to install, before it sends anything', async () => {
    const before = await loadStatus();
    const run = await runCli(['load', '-e', '/hello', '-d', '1', '--no-progress'], {
      PERFORMANCE_URL: sample.api,
      PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN,
      // autocannon is an optional peer: resolve it as Node does when it is not installed.
      NODE_OPTIONS: `--require ${join(__dirname, 'fixtures', 'hide-packages.cjs')}`,
      HIDE_PACKAGES: 'autocannon',
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('error: the load command needs autocannon, which is not installed: npm i -D autocannon@9 (the other commands run without it)\n');
    expect(await loadStatus()).toEqual(before); // no run reported as started
    // The other commands do without it.
    const report = await runCli(['recommendations', '--json'], {
      PERFORMANCE_URL: sample.api,
      PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN,
      NODE_OPTIONS: `--require ${join(__dirname, 'fixtures', 'hide-packages.cjs')}`,
      HIDE_PACKAGES: 'autocannon',
    });
    expect(report.code).toBe(0);
  });

  describe('servers that are not a healthy admin API', () => {
    const servers: Server[] = [];
    afterAll(async () => {
      for (const s of servers) {
        s.closeAllConnections();
        await new Promise((resolve) => s.close(resolve));
      }
    });

    it("a 500 exits 5 with the app's message", async () => {
      const { url, server } = await listen((_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"statusCode":500,"message":"database is down"}');
      });
      servers.push(server);
      const run = await runCli(['--url', url, '--token', 't', 'recommendations']);
      expect(run.code).toBe(5);
      expect(run.stderr).toBe(`error: GET ${url}/performance/recommendations failed with 500 (database is down): see the app's logs\n`);
    });

    it('a server that never answers exits 3 after --timeout', async () => {
      const { url, server } = await listen(() => undefined);
      servers.push(server);
      const started = Date.now();
      const run = await runCli(['--url', url, '--token', 't', '--timeout', '1', 'alerts']);
      expect(run.code).toBe(3);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(run.stderr).toBe(
        `error: no answer from ${url}/performance/alerts?hours=24 within 1 s. Is the app overloaded or is --url pointing elsewhere? Raise --timeout if the app is just slow\n`,
      );
    });

    it('an HTML page instead of JSON exits 5', async () => {
      const { url, server } = await listen((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a web site</html>');
      });
      servers.push(server);
      const run = await runCli(['--url', url, '--token', 't', 'alerts']);
      expect(run.code).toBe(5);
      expect(run.stderr).toContain(
        `error: GET ${url}/performance/alerts?hours=24 answered 200 but not with JSON: is --url the app's base URL including its global prefix?`,
      );
    });
  });
});
