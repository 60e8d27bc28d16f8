import { createHash } from 'node:crypto';

/** Keys longer than this are not cached (the request bypasses with reason `key-too-long`). */
export const MAX_CACHE_KEY_LENGTH = 2048;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The query string with its parameters sorted by name; parameters of the same
 * name keep their order (`b=2&a=1&a=0` gives `a=1&a=0&b=2`), duplicates kept.
 */
export function normalizeQuery(query: string): string {
  if (query.indexOf('&') === -1) return query;
  const params = query.split('&').filter((p) => p !== '');
  if (params.length < 2) return params[0] ?? '';
  const named = params.map((p) => {
    const eq = p.indexOf('=');
    return [eq === -1 ? p : p.slice(0, eq), p] as const;
  });
  // Array.prototype.sort is stable: equal names keep their order.
  named.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return named.map((n) => n[1]).join('&');
}

/** The identity part of a per-user key: a hash, so user ids or tokens never appear in keys, stats or Redis. */
export function userKeyPart(identity: string): string {
  return `|u=${createHash('sha256').update(identity).digest('base64url').slice(0, 22)}`;
}

/**
 * Builds `<namespace>:<path>[?<sorted query>][|<header>=<value>...]`.
 * `prefix` is `<namespace>:`, `url` the request URL (path and query).
 *
 * @example
 * buildCacheKey('documents:', '/api/v1/documents?limit=20&include=author', {}, [])
 * // 'documents:/api/v1/documents?include=author&limit=20'
 */
export function buildCacheKey(prefix: string, url: string, headers: Headers, vary: readonly string[]): string {
  const q = url.indexOf('?');
  let key = q === -1 ? prefix + url : q === url.length - 1 ? prefix + url.slice(0, q) : `${prefix}${url.slice(0, q)}?${normalizeQuery(url.slice(q + 1))}`;
  for (let i = 0; i < vary.length; i++) {
    const name = vary[i]!;
    const value = headers[name];
    key += `|${name}=${value === undefined ? '' : Array.isArray(value) ? value.join(',') : value}`;
  }
  return key;
}
