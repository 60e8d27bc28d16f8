import type { ResolvedCacheOptions } from '../../core/options/schema/cache';
import type { CacheEntry } from '../../core/ports/cache-store.port';
import type { CacheKeyRequest } from './cache.decorator';
import type { CacheRule } from './cache-rules';
import type { ResponseCache } from './response-cache.service';

/** The response as the response cache reads it, on either adapter. */
export interface HttpResponseLike {
  readonly statusCode: number;
  readonly raw?: unknown;
  getHeader(name: string): unknown;
}

const NO_STORE = /(?:^|[\s,])(?:no-store|private)(?:$|[\s,=])/i;

/**
 * What the response cache may share, and why not: the credential a request
 * carries (its bypass reason: `authorization`, `cookie`,
 * `proxy-authorization`, `api-key` for `cache.apiKeyHeaders`), and whether a
 * handler's response may be stored (else the not-stored reason: `status`,
 * `set-cookie`, `no-store`, `body-type`, `unserializable`, `too-large`).
 */
export class Cacheability {
  private readonly statuses: ReadonlySet<number>;
  private readonly maxEntryBytes: number;
  /** Request headers that carry a credential, and the bypass reason of each. */
  private readonly credentials: readonly (readonly [header: string, reason: string])[];

  constructor(
    options: ResolvedCacheOptions,
    private readonly cache: ResponseCache,
  ) {
    this.statuses = new Set(options.statuses);
    this.maxEntryBytes = options.maxEntryBytes;
    const credentials: [string, string][] = [
      ['authorization', 'authorization'],
      ['cookie', 'cookie'],
      ['proxy-authorization', 'proxy-authorization'],
    ];
    for (const h of options.apiKeyHeaders) if (!credentials.some(([name]) => name === h)) credentials.push([h, 'api-key']);
    this.credentials = credentials;
  }

  /** The bypass reason of the first credential the request carries, or undefined. */
  credentialIn(headers: CacheKeyRequest['headers']): string | undefined {
    const credentials = this.credentials;
    for (let i = 0; i < credentials.length; i++) if (headers[credentials[i]![0]] !== undefined) return credentials[i]![1];
    return undefined;
  }

  /**
   * The bytes the response would carry, as an entry, or why it is not stored.
   * Serializes exactly as the adapters do (JSON.stringify for objects), and
   * the MISS itself is then written from these bytes, so a HIT is identical.
   */
  capture(value: unknown, res: HttpResponseLike, rule: CacheRule): CacheEntry | string {
    const status = res.statusCode;
    if (!this.statuses.has(status)) return 'status';
    if (res.getHeader('set-cookie') !== undefined) return 'set-cookie';
    const cacheControl = res.getHeader('cache-control');
    if (cacheControl !== undefined && NO_STORE.test(String(cacheControl))) return 'no-store';
    const declared = res.getHeader('content-type');
    let contentType = typeof declared === 'string' ? declared : undefined;
    let body: Buffer;
    if (typeof value === 'string') {
      // What each adapter would send a string as, unless the route set a type.
      contentType ??= res.raw !== undefined ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8';
      body = Buffer.from(value);
    } else if (
      value !== null &&
      typeof value === 'object' &&
      !Buffer.isBuffer(value) &&
      !(value instanceof Error) &&
      !ArrayBuffer.isView(value) &&
      typeof (value as { pipe?: unknown }).pipe !== 'function' &&
      typeof (value as { getStream?: unknown }).getStream !== 'function' &&
      typeof (value as { subscribe?: unknown }).subscribe !== 'function' &&
      !(Symbol.asyncIterator in value) &&
      !(typeof Response !== 'undefined' && value instanceof Response)
    ) {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        return 'unserializable';
      }
      if (json === undefined) return 'unserializable';
      contentType ??= 'application/json; charset=utf-8';
      body = Buffer.from(json);
    } else {
      return 'body-type';
    }
    if (body.length > this.maxEntryBytes) return 'too-large';
    return this.cache.createEntry(status, contentType, body, this.cache.ttlFor(rule.namespace, rule.ttl));
  }
}
