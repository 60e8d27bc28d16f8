import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildCacheKey, CacheKeyBuilder, MAX_CACHE_KEY_QUERY_PARAMS, normalizeHost, normalizeQuery } from './cache-key';

const DIGEST = /#[A-Za-z0-9_-]{32}$/;

describe('normalizeQuery', () => {
  it('sorts parameters by name, keeping duplicates in their order and dropping empty ones', () => {
    expect(normalizeQuery('b=2&a=1&a=0&c')).toBe('a=1&a=0&b=2&c');
    expect(normalizeQuery('x=1')).toBe('x=1');
    expect(normalizeQuery('a=1&&b=2&')).toBe('a=1&b=2');
  });

  it('keeps only the declared parameters, however their names are spelled', () => {
    const only = new Set(['page', 'limit']);
    expect(normalizeQuery('page=2&bust=123&limit=5&utm_source=x', only)).toBe('limit=5&page=2');
    expect(normalizeQuery('bust=1', only)).toBe('');
    // Query parsers decode names: each of these reaches the handler as `page`, so each stays in the key.
    for (const name of ['pa%67e', '%70%61%67%65', 'page[]', '[page]', 'page[0]', 'page.x', 'pa%67e%5B%5D']) {
      expect(normalizeQuery(`${name}=9&bust=1`, only)).toBe(`${name}=9`);
    }
    // A name that does not decode is kept rather than guessed at.
    expect(normalizeQuery('pa%zge=9&bust=1', only)).toBe('pa%zge=9');
    expect(normalizeQuery('pag+e=9&bust=1', only)).toBe('');
    expect(normalizeQuery('page=1&bust=2', new Set())).toBe('');
  });

  it(`refuses more than ${MAX_CACHE_KEY_QUERY_PARAMS} parameters (parsers stop reading before the key would)`, () => {
    const many = Array.from({ length: MAX_CACHE_KEY_QUERY_PARAMS + 1 }, (_, i) => `p${i}=1`).join('&');
    expect(normalizeQuery(many)).toBeUndefined();
    expect(normalizeQuery(many, new Set(['page']))).toBeUndefined();
  });
});

describe('normalizeHost', () => {
  it("lower-cases and drops the scheme's default port only", () => {
    expect(normalizeHost('Example.COM:80', 'http')).toBe('example.com');
    expect(normalizeHost('example.com:443', 'https')).toBe('example.com');
    expect(normalizeHost('example.com:443', 'http')).toBe('example.com:443');
    expect(normalizeHost('example.com:8080', 'http')).toBe('example.com:8080');
    expect(normalizeHost('[::1]:80', 'http')).toBe('[::1]');
    expect(normalizeHost(undefined, 'http')).toBe('');
  });
});

describe('response cache keys', () => {
  const keys = new CacheKeyBuilder('a-secret-of-at-least-thirty-two-characters');
  type Parts = { ns: string; host: string; scheme: string; headers: Record<string, string>; vary: string[]; only: Set<string> | null; id: string };
  const key = (url: string, over: Partial<Parts> = {}) =>
    keys.build(over.ns ?? 'docs', over.scheme ?? 'http', over.host ?? 'example.com', url, over.headers ?? {}, over.vary ?? [], over.only ?? null, over.id)!;

  it('reads <namespace>:<path>[?<sorted query>]#<digest>', () => {
    expect(key('/api/v1/documents?limit=20&include=author')).toMatch(/^docs:\/api\/v1\/documents\?include=author&limit=20#[A-Za-z0-9_-]{32}$/);
    expect(key('/api/v1/documents?')).toMatch(/^docs:\/api\/v1\/documents#/);
    expect(key('/api/v1/documents?')).toBe(key('/api/v1/documents'));
    expect(key('/x?b=1&a=2')).toBe(key('/x?a=2&b=1'));
  });

  it('gives every namespace, scheme, host, path, query, varying header value and identity its own key', () => {
    const base = key('/x?a=1', { vary: ['accept-language'], headers: { 'accept-language': 'en' } });
    const variants = [
      key('/x?a=1', { ns: 'other', vary: ['accept-language'], headers: { 'accept-language': 'en' } }),
      key('/x?a=1', { scheme: 'https', vary: ['accept-language'], headers: { 'accept-language': 'en' } }),
      key('/x?a=1', { host: 'evil.example', vary: ['accept-language'], headers: { 'accept-language': 'en' } }),
      key('/y?a=1', { vary: ['accept-language'], headers: { 'accept-language': 'en' } }),
      key('/x?a=2', { vary: ['accept-language'], headers: { 'accept-language': 'en' } }),
      key('/x?a=1', { vary: ['accept-language'], headers: { 'accept-language': 'de' } }),
      key('/x?a=1', { vary: ['accept-language'], headers: {} }),
      key('/x?a=1', { vary: ['accept-language'], headers: { 'accept-language': 'en' }, id: 'alice' }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it('leaves undeclared query parameters out of the key', () => {
    const only = new Set(['page']);
    expect(key('/x?page=2&bust=1', { only })).toBe(key('/x?page=2', { only }));
    expect(key('/x?bust=1', { only })).toBe(key('/x', { only }));
    expect(key('/x?page=2', { only })).not.toBe(key('/x?page=3', { only }));
    expect(key('/x?pa%67e=2', { only })).not.toBe(key('/x', { only }));
  });

  it('keys identities by an HMAC with the secret: never readable, the same across instances with one secret', () => {
    const alice = key('/me', { id: 'alice' });
    expect(alice).toMatch(DIGEST);
    expect(alice).not.toContain('alice');
    expect(alice).not.toBe(key('/me', { id: 'bob' }));
    expect(alice).not.toBe(key('/me'));
    const sameSecret = new CacheKeyBuilder('a-secret-of-at-least-thirty-two-characters');
    expect(sameSecret.build('docs', 'http', 'example.com', '/me', {}, [], null, 'alice')).toBe(alice);
    const random = new CacheKeyBuilder();
    expect(random.build('docs', 'http', 'example.com', '/me', {}, [], null, 'alice')).not.toBe(alice);
    // Anonymous keys do not depend on the secret: a shared store's instances agree on them whatever their secrets.
    expect(random.build('docs', 'http', 'example.com', '/me', {}, [], null, undefined)).toBe(key('/me'));
  });

  it('cannot be spelled by a query string or a header value (the attacks on the old `|u=<hash>` layout)', () => {
    const victim = key('/c/me?lang=en', { vary: ['accept-language'], headers: { 'accept-language': 'en' }, id: 'alice' });
    const oldHash = createHash('sha256').update('alice').digest('base64url').slice(0, 22);
    const forged = [
      key(`/c/me?lang=en|u=${oldHash}`, { vary: ['accept-language'], headers: { 'accept-language': 'en' } }),
      key('/c/me?lang=en', { vary: ['accept-language'], headers: { 'accept-language': `en|u=${oldHash}` } }),
      key(`/c/me?lang=en${encodeURIComponent(`|u=${oldHash}`)}`, { vary: ['accept-language'], headers: { 'accept-language': 'en' } }),
      key('/c/me?lang=en', { vary: ['accept-language'], headers: { 'accept-language': 'en' }, id: '' }),
    ];
    for (const f of forged) expect(f).not.toBe(victim);
    // The readable part may look alike; the digest decides.
    expect(key('/c/me?lang=en#x')).not.toBe(key('/c/me?lang=en', {}));
  });

  it('refuses URLs and key parts that are too long', () => {
    expect(keys.build('docs', 'http', 'h', `/x?q=${'a'.repeat(2048)}`, {}, [], null, undefined)).toBeUndefined();
    expect(keys.build('docs', 'http', 'h', '/x', { h: 'v'.repeat(5000) }, ['h'], null, undefined)).toBeUndefined();
  });

  it('builds anonymous keys for apps through buildCacheKey()', () => {
    const k = buildCacheKey({ namespace: 'docs', scheme: 'http', host: 'Example.com:80', url: '/x?b=1&a=2' });
    expect(k).toBe(key('/x?b=1&a=2'));
    expect(buildCacheKey({ namespace: 'docs', host: 'example.com', url: '/x?a=2&zz=1', query: ['a'] })).toBe(key('/x?a=2', { only: new Set(['a']) }));
  });
});

/** A small random generator with a seed, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('response cache keys under every delimiter', () => {
  // Few distinct pieces, mostly delimiters, so naive concatenations of different parts meet often.
  const PIECES = [
    ...['|', ':', '?', '&', '=', ',', '#', '/', ';', '"', '\\', '%', '[', ']', '{', '}', ' ', '\t', '+', '*', '.', '@', "'", '$', '!', '~'],
    ...['%7C', '%3A', '%26', '%3D', '%23', '%25', '%2F', 'u=', '|u=', 'a', 'b'],
  ];

  it('gives distinct requests distinct keys, on 20,000 random ones that share their characters', () => {
    const seed = Number(process.env.CACHE_KEY_FUZZ_SEED ?? Date.now() % 100_000);
    const rand = prng(seed);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
    const builder = new CacheKeyBuilder('a-secret-of-at-least-thirty-two-characters');
    const seen = new Map<string, string>();
    let requests = 0;
    for (let round = 0; round < 5_000; round++) {
      // One string of pieces, cut into the parts of a request at different places: any encoding that
      // just concatenates parts with delimiters gives several of these requests one key.
      const pieces = Array.from({ length: 3 + Math.floor(rand() * 6) }, () => pick(PIECES));
      const namespace = pick(['a', 'a.b']);
      const scheme = pick(['http', 'https']);
      const vary = rand() < 0.5 ? ['accept-language'] : ['accept-language', 'x-tenant'];
      for (let split = 0; split < 4; split++) {
        const cuts = Array.from({ length: 6 }, () => Math.floor(rand() * (pieces.length + 1))).sort((a, b) => a - b);
        const part = (i: number) => pieces.slice(i === 0 ? 0 : cuts[i - 1], i === 6 ? pieces.length : cuts[i]).join('');
        const host = part(0).toLowerCase();
        if (host.endsWith(':80') || host.endsWith(':443')) continue;
        const path = `/${part(1).replace(/\?/g, '%3F')}`;
        const name = part(2).replace(/[&=]/g, '');
        const query = name === '' ? '' : `${name}=${part(3).replace(/&/g, '%26')}`;
        const headers: Record<string, string> = {};
        if (rand() < 0.9) headers['accept-language'] = part(4);
        if (vary.length > 1 && rand() < 0.9) headers['x-tenant'] = part(5);
        const identity = part(6) === '' ? undefined : part(6);
        const url = query === '' ? path : `${path}?${query}`;
        const request = JSON.stringify([namespace, scheme, host, url, vary, vary.map((h) => headers[h] ?? null), identity ?? null]);
        const k = builder.build(namespace, scheme, host, url, headers, vary, null, identity);
        expect(k, `seed ${seed}`).toBeDefined();
        const before = seen.get(k!);
        if (before !== undefined && before !== request) expect.fail(`seed ${seed}: ${before} and ${request} share the key ${k}`);
        seen.set(k!, request);
        requests++;
      }
    }
    expect(requests).toBeGreaterThan(19_000);
    expect(seen.size).toBeGreaterThan(15_000);
  });
});
