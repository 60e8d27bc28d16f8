import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from './support/http-app';
import { rawRequest } from './support/reliability-http';
import { type RunningSample, startSample } from './support/sample-app';

/**
 * Issue 10, item 4 (bad input): every admin query and path parameter, and the
 * load-test body, with malformed, huge, negative, injected and unicode values.
 * Each gets a 4xx whose message names the parameter, nothing the admin API
 * holds changes, and the app still answers. Then the request-id and cache-key
 * paths under hostile headers and query strings.
 */

interface Target {
  readonly method: 'GET' | 'POST';
  /** Below the admin path; `{value}` marks a path parameter. */
  readonly path: string;
  readonly param: string;
  /** What the 4xx message must contain. */
  readonly names?: RegExp;
  /** Other query parameters the request needs to reach this parameter's check. */
  readonly extra?: (ctx: { fingerprint: string }) => string;
}

const INTEGER_TARGETS: Target[] = [
  { method: 'GET', path: 'metrics/history', param: 'hours' },
  { method: 'GET', path: 'alerts', param: 'hours' },
  { method: 'GET', path: 'capacity', param: 'days' },
  { method: 'GET', path: 'cache-stats', param: 'top' },
  { method: 'GET', path: 'query-performance', param: 'limit' },
  { method: 'GET', path: 'database-stats', param: 'limit' },
  { method: 'POST', path: 'profiling/cpu', param: 'seconds' },
];

const NAME_TARGETS: Target[] = [
  { method: 'POST', path: 'cache/clear', param: 'namespace' },
  { method: 'GET', path: 'query-performance', param: 'database' },
  { method: 'GET', path: 'database-stats', param: 'database' },
  { method: 'GET', path: 'suggest-indexes', param: 'database' },
  { method: 'GET', path: 'query-plan', param: 'fingerprint' },
  { method: 'GET', path: 'query-plan', param: 'database', extra: ({ fingerprint }) => `fingerprint=${fingerprint}` },
  { method: 'POST', path: 'profiling/cpu', param: 'format' },
  { method: 'POST', path: 'optimize/{value}', param: 'id' },
  { method: 'GET', path: 'jobs/{value}', param: 'name', names: /\bname\b|\bjob\b/ },
];

const LONG = '9'.repeat(4000);
/** Hostile values for every parameter (the unencoded text; the test encodes it). */
const HOSTILE: [label: string, value: string][] = [
  ['malformed', 'abc'],
  ['fraction', '1.5'],
  ['exponent', '1e3'],
  ['negative', '-1'],
  ['overflow', '99999999999999999999'],
  ['huge', LONG],
  ['sql injection', '1; DROP TABLE documents;--'],
  ['sql quote', "1' OR '1'='1"],
  ['path traversal', '../../../etc/passwd'],
  ['crlf', '1\r\nSet-Cookie: hijack=1'],
  ['nul', 'a\u0000b'],
  ['fullwidth digits', '１２'],
  ['arabic digit', '٣'],
  ['emoji', 'naïve😀'],
  ['rtl override', '\u202e1'],
  ['unknown but well formed', 'no-such-thing-0123456789ab'],
];
/** Values that are valid for some parameters (so not errors there). */
const VALID_FOR: Record<string, string[]> = {};

function urlFor(sample: RunningSample, target: Target, value: string | string[], ctx: { fingerprint: string }): string {
  const base = `${sample.api}/performance/`;
  const extra = target.extra?.(ctx);
  if (target.path.includes('{value}')) {
    const path = target.path.replace('{value}', encodeURIComponent(String(value)));
    return base + path + (extra ? `?${extra}` : '');
  }
  const values = Array.isArray(value) ? value : [value];
  const query = [extra, ...values.map((v) => `${target.param}=${encodeURIComponent(v)}`)].filter(Boolean).join('&');
  return `${base}${target.path}?${query}`;
}

/** What the admin API holds that a rejected request must leave alone. */
async function adminState(sample: RunningSample) {
  const json = async (path: string) => (await fetch(`${sample.api}/performance/${path}`, { headers: sample.admin })).json() as Promise<Record<string, any>>;
  const cache = await json('cache-stats?top=100');
  const queries = await json('query-performance?limit=1000');
  return {
    cacheEntries: cache.store.entries as number,
    cacheBytes: cache.store.bytes as number,
    cacheStored: cache.totals.stored as number,
    invalidations: cache.totals.invalidations as number,
    hotKeys: (cache.hotKeys as { key: string }[]).map((k) => k.key).sort(),
    knownNamespaces: cache.knownNamespaces,
    alerts: await json('alerts?hours=720'),
    loadTests: await json('load-test/status'),
    fingerprints: (queries.statements as { fingerprint: string }[]).map((s) => s.fingerprint).sort(),
    profile: (await fetch(`${sample.api}/performance/profiling/summary`, { headers: sample.admin })).status,
  };
}

describe.each(ADAPTERS)('hostile input on %s', (adapter) => {
  let sample: RunningSample;
  const ctx = { fingerprint: '' };

  beforeAll(async () => {
    sample = await startSample(adapter, {
      seedDocuments: 100,
      env: { PROFILING_ENABLED: 'true', PROFILING_MAX_SECONDS: '2' },
    });
    // Something in the cache and the query statistics, so "nothing changed" means something.
    for (const path of ['analytics/overview', 'analytics/overview', 'documents/1', 'documents?limit=5']) {
      expect((await fetch(`${sample.api}/${path}`)).status).toBe(200);
    }
    const queries = (await (await fetch(`${sample.api}/performance/query-performance`, { headers: sample.admin })).json()) as {
      statements: { fingerprint: string }[];
    };
    ctx.fingerprint = queries.statements[0]!.fingerprint;
  });
  afterAll(() => sample?.close());

  const cases: [string, Target, string | string[]][] = [];
  for (const target of [...INTEGER_TARGETS, ...NAME_TARGETS]) {
    for (const [label, value] of HOSTILE) {
      if (VALID_FOR[target.param]?.includes(value)) continue;
      cases.push([`${target.method} ${target.path} ${target.param}: ${label}`, target, value]);
    }
    if (!target.path.includes('{value}')) cases.push([`${target.method} ${target.path} ${target.param}: repeated`, target, ['1', '2']]);
    if (!target.path.includes('{value}')) cases.push([`${target.method} ${target.path} ${target.param}: present but empty`, target, '']);
  }

  it(`answers a 4xx naming the parameter for ${cases.length} hostile values, and changes nothing`, async () => {
    const before = await adminState(sample);
    const problems: string[] = [];
    for (const [label, target, value] of cases) {
      // An empty integer parameter means "the default" (harmless on a read); it is checked below for writes.
      if (value === '' && INTEGER_TARGETS.includes(target)) continue;
      const res = await fetch(urlFor(sample, target, value, ctx), { method: target.method, headers: sample.admin });
      const text = await res.text();
      let message: string;
      try {
        message = String((JSON.parse(text) as { message: unknown }).message);
      } catch {
        message = text;
      }
      const names = target.names ?? new RegExp(`\\b${target.param}\\b`);
      // A path too long for the router is refused by the adapter itself (414) before any handler runs.
      const refusedByAdapter = res.status === 414 && label.endsWith(': huge');
      if (!refusedByAdapter && (res.status < 400 || res.status >= 500 || !names.test(message))) {
        problems.push(`${label}: ${res.status} ${text.slice(0, 200)}`);
      }
      if (res.headers.get('set-cookie') !== null) problems.push(`${label}: answered with Set-Cookie`);
      if (text.includes('\r\n')) problems.push(`${label}: echoed a raw CRLF`);
    }
    expect(problems).toEqual([]);
    expect(await adminState(sample)).toEqual(before);
    expect((await fetch(`${sample.api}/hello`)).status).toBe(200);
  });

  it('never reads an empty namespace as "clear everything"', async () => {
    const before = await adminState(sample);
    expect(before.cacheEntries).toBeGreaterThan(0);
    const res = await fetch(`${sample.api}/performance/cache/clear?namespace=`, { method: 'POST', headers: sample.admin });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/\bnamespace\b/);
    expect(await adminState(sample)).toEqual(before);
  });

  it('answers every observed fingerprint with a plan or a 400, never a 500', async () => {
    for (const path of ['chat/sessions', 'documents/search?category=sales', 'documents?limit=3&include=author&strategy=naive']) {
      await fetch(`${sample.api}/${path}`);
    }
    const queries = (await (await fetch(`${sample.api}/performance/query-performance?limit=1000`, { headers: sample.admin })).json()) as {
      statements: { fingerprint: string; statement: string }[];
    };
    expect(queries.statements.length).toBeGreaterThan(5);
    const answers = await Promise.all(
      queries.statements.map(
        async (s) =>
          [
            s.statement.slice(0, 60),
            (await fetch(`${sample.api}/performance/query-plan?fingerprint=${s.fingerprint}`, { headers: sample.admin })).status,
          ] as const,
      ),
    );
    expect(answers.filter(([, status]) => status !== 200 && status !== 400)).toEqual([]);
  });

  it('rejects malformed load-test runs with 400 naming the problem, storing nothing', async () => {
    const before = await adminState(sample);
    const bodies: [string, string][] = [
      ['not json', '{"status":'],
      ['array', '[]'],
      ['wrong types', '{"id":1,"status":"running","startedAt":"yesterday"}'],
      ['prototype pollution', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}'],
      ['sql in fields', `{"id":"x'; DROP TABLE documents;--","status":"running"}`],
      ['huge', JSON.stringify({ id: 'a'.repeat(200_000), status: 'running' })],
    ];
    for (const [label, body] of bodies) {
      const res = await fetch(`${sample.api}/performance/load-test/runs`, {
        method: 'POST',
        headers: { ...sample.admin, 'content-type': 'application/json' },
        body,
      });
      expect([label, res.status]).toEqual([label, expect.toSatisfy((s: number) => s >= 400 && s < 500)]);
      const text = await res.text();
      expect(text.length).toBeLessThan(4000);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await adminState(sample)).toEqual(before);
  });

  it('serves only known dashboard assets, whatever the file name', async () => {
    for (const file of [
      '..%2F..%2F..%2Fpackage.json',
      '..%2Fdashboard.admin-controller.ts',
      '%2Fetc%2Fpasswd',
      'app.js%00.png',
      encodeURIComponent('😀'.repeat(500)),
    ]) {
      const res = await fetch(`${sample.api}/performance/dashboard/assets/${file}`);
      const text = await res.text();
      // 414: Fastify refuses a path parameter that long before routing.
      expect([file, res.status === 414 ? 404 : res.status]).toEqual([file, 404]);
      expect(text).not.toMatch(/"dependencies"|root:x:0|import \{/);
    }
  });

  describe('request id and cache key under hostile headers', () => {
    const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

    it('replaces every X-Request-ID outside the pattern with a new UUID, and echoes a valid one', async () => {
      const port = Number(new URL(sample.url).port);
      const hostile: [string, string[]][] = [
        ['huge', [`X-Request-ID: ${'a'.repeat(8000)}`]],
        ['129 characters', [`X-Request-ID: ${'a'.repeat(129)}`]],
        ['encoded crlf', ['X-Request-ID: abc%0d%0aSet-Cookie:%20hijack=1']],
        ['header splitting attempt', ['X-Request-ID: abc\rSet-Cookie: hijack=1']],
        ['utf-8', ['X-Request-ID: r\u00e9quest-\u00fc']],
        ['many duplicates', Array.from({ length: 200 }, (_, i) => `X-Request-ID: id-${i}`)],
        ['spaces and quotes', ['X-Request-ID: "a b"']],
        ['empty', ['X-Request-ID: ']],
      ];
      for (const [label, lines] of hostile) {
        const res = await rawRequest(port, 'GET', '/api/v1/hello', lines);
        if (res.status === 400 || res.status === 431) continue; // refused by the HTTP parser: fine, nothing reached the app
        expect([label, res.status]).toEqual([label, 200]);
        expect([label, res.headers['x-request-id']]).toEqual([label, expect.stringMatching(UUID)]);
        expect([label, res.headers['set-cookie']]).toEqual([label, undefined]);
      }
      const ok = await rawRequest(port, 'GET', '/api/v1/hello', ['X-Request-ID: trace-1.2_3-ABC']);
      expect(ok.headers['x-request-id']).toBe('trace-1.2_3-ABC');
      expect((await fetch(`${sample.api}/hello`)).status).toBe(200);
    });

    it('bypasses the cache for a huge query string and keeps hostile keys from piling up', async () => {
      const before = await adminState(sample);
      const huge = await fetch(`${sample.api}/analytics/overview?q=${'x'.repeat(6000)}`);
      expect(huge.status).toBe(200);
      expect(huge.headers.get('x-cache')).toBe('BYPASS');
      expect(await adminState(sample)).toEqual(before);

      // Injected, unicode and CRLF-bearing query strings are ordinary (separate) keys, never headers.
      const port = Number(new URL(sample.url).port);
      for (const query of ['a=%0d%0aSet-Cookie:%20x=1', 'a=%E2%80%AE%F0%9F%98%80', "a=1'%20OR%20'1'='1", 'a=..%2F..%2Fetc%2Fpasswd']) {
        const res = await rawRequest(port, 'GET', `/api/v1/analytics/overview?${query}`, []);
        expect([query, res.status, res.headers['set-cookie']]).toEqual([query, 200, undefined]);
      }
      // A thousand parameters: answered, and still one cache entry per distinct URL at most.
      const many = Array.from({ length: 1000 }, (_, i) => `p${i}=${i}`).join('&');
      expect((await fetch(`${sample.api}/analytics/overview?${many}`)).status).toBe(200);
      const after = await adminState(sample);
      expect(after.cacheEntries - before.cacheEntries).toBeLessThanOrEqual(5);
      expect((await fetch(`${sample.api}/hello`)).status).toBe(200);
    });
  });
});
