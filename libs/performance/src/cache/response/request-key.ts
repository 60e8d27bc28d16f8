import type { IncomingMessage } from 'node:http';
import type { ResolvedCacheOptions } from '../../core/options/schema/cache';
import { CacheKeyBuilder, normalizeHost } from './cache-key';
import type { CacheKeyRequest } from './cache.decorator';
import type { CacheRule, RoutedRequest } from './cache-rules';

/** The request as the response cache reads it, on either adapter. */
export interface HttpRequestLike extends CacheKeyRequest, RoutedRequest {
  readonly method: string;
  /** The host the framework gives the handler (`X-Forwarded-Host` only from a trusted proxy). */
  readonly host?: string;
  /** `http` or `https` (`X-Forwarded-Proto` only from a trusted proxy). */
  readonly protocol?: string;
  readonly url: string;
  readonly originalUrl?: string;
  readonly raw?: { url?: string };
}

/**
 * The response cache key of a request under a {@link CacheRule}: the URL as
 * the client sent it, the scheme and host while `cache.varyByHost`, the
 * rule's varying headers and query parameters, and the `@CacheUserKey`
 * identity. Keys come from {@link CacheKeyBuilder} (keyed with
 * `cache.keySecret`); undefined means the request is too long to key.
 */
export class RequestKeys {
  readonly varyByHost: boolean;
  private readonly keys: CacheKeyBuilder;

  constructor(options: ResolvedCacheOptions) {
    this.keys = new CacheKeyBuilder(options.keySecret);
    this.varyByHost = options.varyByHost;
  }

  /** The `@CacheUserKey` identity of the request, or undefined (none, empty, or the function threw). */
  identityOf(rule: CacheRule, req: HttpRequestLike): string | undefined {
    if (rule.userKey === undefined) return undefined;
    try {
      const id = rule.userKey(req);
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch {
      return undefined;
    }
  }

  /** The URL as the client sent it, before any rewrite. */
  urlOf(req: HttpRequestLike): string {
    return req.originalUrl ?? req.raw?.url ?? req.url;
  }

  /** The key of a request the framework routed. */
  of(rule: CacheRule, req: HttpRequestLike, url: string, identity: string | undefined): string | undefined {
    const headers = req.headers;
    let scheme = '';
    let host = '';
    if (this.varyByHost) {
      // What the framework tells the handler, so X-Forwarded-* count exactly when the app trusts its proxy.
      scheme = req.protocol === undefined ? 'http' : req.protocol.toLowerCase();
      host = normalizeHost(typeof req.host === 'string' ? req.host : (headers.host as string | undefined), scheme);
    }
    return this.keys.build(rule.namespace, scheme, host, url, headers, rule.vary, rule.query, identity);
  }

  /**
   * The anonymous key of a raw request no router has seen (the early HIT
   * path). The caller leaves a request with `X-Forwarded-*` to the framework
   * while `varyByHost`: the socket and `Host` are all that is read here.
   */
  ofRaw(rule: CacheRule, req: IncomingMessage, url: string): string | undefined {
    const headers = req.headers;
    let scheme = '';
    let host = '';
    if (this.varyByHost) {
      scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
      host = normalizeHost(headers.host ?? (headers[':authority'] as string | undefined), scheme);
    }
    return this.keys.build(rule.namespace, scheme, host, url, headers, rule.vary, rule.query, undefined);
  }
}
