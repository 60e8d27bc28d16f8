import { createHmac, hash, randomBytes } from 'node:crypto';

/**
 * A request whose URL is longer than this, or whose key parts together (URL,
 * host, varying header values) take more than twice this, is not cached (it
 * bypasses with reason `key-too-long`).
 */
export const MAX_CACHE_KEY_LENGTH = 2048;

/**
 * A query string with more parameters than this is not cached (reason
 * `key-too-long`): parsers stop reading after a number of parameters (1,000
 * for Node's `querystring`), and the key must never list a parameter the
 * handler did not see.
 */
export const MAX_CACHE_KEY_QUERY_PARAMS = 256;

/** Characters of the digest that ends every response cache key (base64url, 192 bits). */
const DIGEST_LENGTH = 32;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The query string with its parameters sorted by name; parameters of the same
 * name keep their order (`b=2&a=1&a=0` gives `a=1&a=0&b=2`), duplicates kept,
 * empty parameters dropped.
 *
 * With `only`, a parameter is kept only when its name, decoded as query
 * parsers decode it (`+` as space, percent-decoding), is in `only`, or names
 * one of them in bracket or dot notation (`page[x]`, `[page]`, `page.x`).
 * A name that does not decode is kept. So a parameter the handler reads under
 * a declared name is always part of the key, however it is spelled.
 *
 * Returns undefined for more than {@link MAX_CACHE_KEY_QUERY_PARAMS} parameters.
 */
export function normalizeQuery(query: string, only?: ReadonlySet<string> | null): string | undefined {
  if (only == null && query.indexOf('&') === -1) return query;
  const params = query.split('&');
  if (params.length > MAX_CACHE_KEY_QUERY_PARAMS) return undefined;
  const named: (readonly [string, string])[] = [];
  for (const p of params) {
    if (p === '') continue;
    const eq = p.indexOf('=');
    const name = eq === -1 ? p : p.slice(0, eq);
    if (only != null && !declares(only, name)) continue;
    named.push([name, p]);
  }
  if (named.length < 2) return named.length === 0 ? '' : named[0]![1];
  // Array.prototype.sort is stable: equal names keep their order.
  named.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let out = named[0]![1];
  for (let i = 1; i < named.length; i++) out += `&${named[i]![1]}`;
  return out;
}

/** Whether a raw query parameter name may reach the handler as one of `only`. */
function declares(only: ReadonlySet<string>, raw: string): boolean {
  if (only.has(raw)) return true;
  let name = raw.indexOf('+') === -1 ? raw : raw.replace(/\+/g, ' ');
  if (name.indexOf('%') !== -1) {
    try {
      name = decodeURIComponent(name);
    } catch {
      // Parsers differ on malformed escapes: keep the parameter rather than guess.
      return true;
    }
  }
  if (only.has(name)) return true;
  if (!/[[\].]/.test(name)) return false;
  for (const part of name.split(/[[\].]/)) if (part !== '' && only.has(part)) return true;
  return false;
}

/**
 * The host as the key holds it: lower-cased, without the scheme's default
 * port (`Example.COM:443` over https is `example.com`).
 */
export function normalizeHost(host: string | undefined, scheme: string): string {
  if (!host) return '';
  const h = host.toLowerCase();
  if (scheme === 'https' ? h.endsWith(':443') : scheme === 'http' && h.endsWith(':80')) return h.slice(0, h.lastIndexOf(':'));
  return h;
}

/** What a response cache key is made of; see {@link buildCacheKey}. */
export interface CacheKeyInput {
  /** The namespace the entry is counted and invalidated under. */
  readonly namespace: string;
  /** The request URL as received: path and query string. */
  readonly url: string;
  /** `http` or `https`. @default 'http' */
  readonly scheme?: string;
  /** The `Host` the request was for (normalized here). @default '' */
  readonly host?: string;
  /** The request headers, for `vary`. */
  readonly headers?: Readonly<Record<string, string | string[] | undefined>>;
  /** Request header names (lower case) whose values become part of the key. */
  readonly vary?: readonly string[];
  /** The only query parameters that make the key; all of them when absent. */
  readonly query?: readonly string[];
}

/**
 * Builds response cache keys. A key reads `<namespace>:<path>[?<query>]#<digest>`:
 * the readable part, for `cache-stats` and invalidation by namespace or glob
 * (`documents:/api/v1/documents/7#*`), then a digest of every part of the
 * request that makes the key (namespace, method, scheme, host, path, query,
 * the varying headers' names and values, the identity) encoded as one JSON
 * array. The encoding is unambiguous, so no value a client sends (`|`, `:`,
 * `?`, `&`, `=`, `#`, quotes, escapes) can make one request's key equal
 * another's. With an identity the digest is an HMAC keyed with `secret`:
 * identities never appear in keys, and a key cannot be computed, or tied to
 * a user, without the secret.
 */
export class CacheKeyBuilder {
  private readonly secret: Buffer;

  /** @param secret the HMAC key of per-user keys; a random one per process when absent. */
  constructor(secret?: string) {
    this.secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  }

  /**
   * The key, or undefined when the request's key parts are too long
   * ({@link MAX_CACHE_KEY_LENGTH}, {@link MAX_CACHE_KEY_QUERY_PARAMS}).
   * `identity` is the `@CacheUserKey` identity (undefined: anonymous).
   * HEAD is keyed as GET: a HEAD is answered from the GET entry.
   */
  build(
    namespace: string,
    scheme: string,
    host: string,
    url: string,
    headers: Headers,
    vary: readonly string[],
    only: ReadonlySet<string> | null,
    identity: string | undefined,
  ): string | undefined {
    if (url.length > MAX_CACHE_KEY_LENGTH) return undefined;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : normalizeQuery(url.slice(q + 1), only);
    if (query === undefined) return undefined;
    let varied: (string | string[] | null)[] | undefined;
    if (vary.length > 0) {
      varied = [];
      for (let i = 0; i < vary.length; i++) {
        const name = vary[i]!;
        varied.push(name, headers[name] ?? null);
      }
    }
    const encoded = JSON.stringify([namespace, 'GET', scheme, host, path, query, varied ?? null, identity ?? null]);
    if (encoded.length > MAX_CACHE_KEY_LENGTH * 2) return undefined;
    const digest = identity === undefined ? hash('sha256', encoded, 'base64url') : createHmac('sha256', this.secret).update(encoded).digest('base64url');
    return `${namespace}:${query === '' ? path : `${path}?${query}`}#${digest.slice(0, DIGEST_LENGTH)}`;
  }
}

const anonymous = new CacheKeyBuilder('');

/**
 * The key of an anonymous request (no `@CacheUserKey` identity), as the
 * response cache builds it: to invalidate exactly one entry with
 * `ResponseCache.invalidate({ key })`. Undefined when the request would not
 * be cached because its key parts are too long.
 *
 * @example
 * buildCacheKey({ namespace: 'documents', scheme: 'https', host: 'api.example.com', url: '/api/v1/documents?limit=20&include=author' })
 * // 'documents:/api/v1/documents?include=author&limit=20#<digest>'
 */
export function buildCacheKey(input: CacheKeyInput): string | undefined {
  const scheme = input.scheme ?? 'http';
  return anonymous.build(
    input.namespace,
    scheme,
    normalizeHost(input.host, scheme),
    input.url,
    input.headers ?? {},
    (input.vary ?? []).map((h) => h.toLowerCase()),
    input.query === undefined ? null : new Set(input.query),
    undefined,
  );
}
