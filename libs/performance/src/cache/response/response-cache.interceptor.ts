import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { CallHandler, ExecutionContext, NestInterceptor, OnModuleInit } from '@nestjs/common';
import type { HttpAdapterHost, Reflector } from '@nestjs/core';
import { from, mergeMap, type Observable, of, finalize, map } from 'rxjs';
import type { PerformanceEvents } from '../../core/context/performance-events.service';
import type { CacheStatus, RequestContext } from '../../core/context/request-context';
import { requestContextOf, type RequestTracker } from '../../core/context/request-tracker.service';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { DEFAULT_CACHE_NAMESPACE, type ResolvedCachePathRule } from '../../core/options/cache.options';
import { CacheKeyBuilder, normalizeHost } from './cache-key';
import type { RouteCacheCounters } from '../cache-stats.service';
import { CachedReply, etagMatches, installCachedReplies } from './cached-reply';
import {
  CACHE_NAMESPACE_METADATA,
  CACHE_QUERY_METADATA,
  CACHE_TTL_METADATA,
  CACHE_USER_KEY_METADATA,
  CACHE_VARY_METADATA,
  type CacheKeyRequest,
  type CacheUserKeyFn,
  INVALIDATE_CACHE_METADATA,
  NO_CACHE_METADATA,
  SERVE_HITS_EARLY_METADATA,
} from './cache.decorator';
import type { FlightResult, ResponseCache } from './response-cache.service';
import type { CacheEntry } from '../../core/ports/cache-store.port';

/** How one route is cached, resolved once per handler and route template. */
interface CacheRule {
  readonly namespace: string;
  readonly ttl: number;
  readonly vary: readonly string[];
  /** The declared query parameters; null: all of them make the key. */
  readonly query: ReadonlySet<string> | null;
  readonly userKey: CacheUserKeyFn | undefined;
  /** The route's own counters in cache-stats. */
  readonly counters: RouteCacheCounters;
}

/** The decorators of one handler, read once. */
interface HandlerPlan {
  readonly owner: unknown;
  /** Nothing to do for this handler: no decorator and no cacheable paths. */
  readonly inert: boolean;
  readonly off: boolean;
  readonly ttl: number | undefined;
  readonly namespace: string | undefined;
  readonly vary: readonly string[] | undefined;
  readonly query: readonly string[] | undefined;
  readonly userKey: CacheUserKeyFn | undefined;
  readonly invalidates: readonly string[] | undefined;
  /** `@ServeHitsEarly()`: fresh HITs are answered before the framework. */
  readonly early: boolean;
  /** Rules by route template (a handler may serve several paths). */
  readonly rules: Map<string, CacheRule | null>;
}

interface HttpRequestLike extends CacheKeyRequest {
  readonly method: string;
  /** The host the framework gives the handler (`X-Forwarded-Host` only from a trusted proxy). */
  readonly host?: string;
  /** `http` or `https` (`X-Forwarded-Proto` only from a trusted proxy). */
  readonly protocol?: string;
  readonly url: string;
  readonly originalUrl?: string;
  readonly raw?: { url?: string };
  readonly route?: { path?: unknown };
  readonly baseUrl?: string;
  readonly routeOptions?: { url?: string };
}

interface HttpResponseLike {
  readonly statusCode: number;
  readonly raw?: unknown;
  getHeader(name: string): unknown;
}

/** Marks a failed asynchronous store read. */
const STORE_ERROR = Symbol('store-error');

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

const NO_STORE = /(?:^|[\s,])(?:no-store|private)(?:$|[\s,=])/i;

/**
 * The response cache interceptor (installed globally by the module while
 * `cache.enabled`). For a GET/HEAD route opted in by `cache.cacheablePaths`
 * or decorators it answers from the store (`X-Cache: HIT`, `Age`, `ETag`,
 * 304 on a matching `If-None-Match`), or runs the handler once for all
 * concurrent misses of a key and stores the bytes it sends (`MISS`). Requests
 * with a credential (`Authorization`, `Proxy-Authorization`, `Cookie`, the
 * `cache.apiKeyHeaders`) bypass unless the route has `@CacheUserKey`. Keys
 * come from {@link CacheKeyBuilder}. It fails open: a store that fails means `BYPASS`, never an
 * error. `@InvalidateCache` handlers clear their namespaces after success.
 */
export class ResponseCacheInterceptor implements NestInterceptor, OnModuleInit {
  private readonly plans = new WeakMap<object, HandlerPlan>();
  private readonly paths: Readonly<Record<string, ResolvedCachePathRule>>;
  private readonly hasPaths: boolean;
  private readonly statuses: ReadonlySet<number>;
  private readonly maxEntryBytes: number;
  private readonly staleWindow: boolean;
  private readonly globalVary: readonly string[];
  private readonly defaultTtl: number;
  private readonly keys: CacheKeyBuilder;
  private readonly varyByHost: boolean;
  /** Request headers that carry a credential, and the bypass reason of each. */
  private readonly credentials: readonly (readonly [header: string, reason: string])[];
  /** False until the adapter can write cached bytes; until then every lookup is skipped. */
  private active = false;

  constructor(
    options: ResolvedPerformanceOptions,
    private readonly cache: ResponseCache,
    private readonly events: PerformanceEvents,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    private readonly tracker?: RequestTracker,
  ) {
    const c = options.cache;
    this.paths = c.cacheablePaths;
    this.hasPaths = Object.keys(c.cacheablePaths).length > 0;
    this.statuses = new Set(c.statuses);
    this.maxEntryBytes = c.maxEntryBytes;
    this.staleWindow = c.staleWhileRevalidate > 0;
    this.globalVary = c.varyHeaders;
    this.defaultTtl = c.ttl;
    this.keys = new CacheKeyBuilder(c.keySecret);
    this.varyByHost = c.varyByHost;
    const credentials: [string, string][] = [
      ['authorization', 'authorization'],
      ['cookie', 'cookie'],
      ['proxy-authorization', 'proxy-authorization'],
    ];
    for (const h of c.apiKeyHeaders) if (!credentials.some(([name]) => name === h)) credentials.push([h, 'api-key']);
    this.credentials = credentials;
  }

  /** The bypass reason of the first credential the request carries, or undefined. */
  private credentialIn(headers: HttpRequestLike['headers']): string | undefined {
    const credentials = this.credentials;
    for (let i = 0; i < credentials.length; i++) if (headers[credentials[i]![0]] !== undefined) return credentials[i]![1];
    return undefined;
  }

  onModuleInit(): void {
    this.active = installCachedReplies(this.adapterHost.httpAdapter);
  }

  /**
   * URLs of `@ServeHitsEarly()` routes seen on the usual path, exactly as the
   * client sent them, with their rule and route template: what an early HIT
   * needs before any router ran. Bounded; an evicted URL just takes the usual
   * path once more.
   */
  private readonly earlyUrls = new LRUCache<string, { readonly rule: CacheRule; readonly route: string }>({ max: 10_000 });

  private rememberEarly(url: string, rule: CacheRule, ctx: RequestContext): void {
    const route = ctx.route;
    if (route === undefined || this.earlyUrls.peek(url)?.rule === rule) return;
    this.earlyUrls.set(url, { rule, route });
    if (!this.earlyInstalled) {
      this.earlyInstalled = true;
      this.tracker?.respondEarly(this.serveEarly);
    }
  }

  private earlyInstalled = false;

  /**
   * The early responder: a fresh entry in this instance's memory for a GET of
   * a remembered URL, from an anonymous client, is written here and the
   * framework never sees the request. Anything else returns false untouched.
   */
  private readonly serveEarly = (req: IncomingMessage, res: ServerResponse, ctx: RequestContext): boolean => {
    if (req.method !== 'GET') return false;
    const url = req.url;
    const known = url === undefined ? undefined : this.earlyUrls.get(url);
    if (known === undefined) return false;
    const headers = req.headers;
    if (this.credentialIn(headers) !== undefined) return false;
    // Whether the framework would trust these is its setting: leave such requests to it.
    if (this.varyByHost && (headers['x-forwarded-host'] !== undefined || headers['x-forwarded-proto'] !== undefined)) return false;
    const { rule, route } = known;
    const started = this.events.wantsCache ? performance.now() : 0;
    let scheme = '';
    let host = '';
    if (this.varyByHost) {
      scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
      host = normalizeHost(headers.host ?? (headers[':authority'] as string | undefined), scheme);
    }
    const key = this.keys.build(rule.namespace, scheme, host, url!, headers, rule.vary, rule.query, undefined);
    if (key === undefined) return false;
    const entry = this.cache.peek(key);
    const now = Date.now();
    if (entry === undefined || now >= entry.expiresAt) return false;
    ctx.routeTemplate = route;
    ctx.cacheStatus = 'HIT';
    this.cache.stats.record(rule.namespace, 'HIT', key);
    rule.counters.record('HIT', key);
    if (this.events.wantsCache) this.emit(ctx, rule, 'HIT', undefined, started);
    const age = String(Math.max(0, Math.floor((now - entry.storedAt) / 1000)));
    if (etagMatches(headers['if-none-match'], entry.etag)) {
      res.writeHead(304, { etag: entry.etag, age });
      res.end();
    } else {
      res.writeHead(entry.status, { 'content-type': entry.contentType, 'content-length': entry.body.length, etag: entry.etag, age });
      res.end(entry.body);
    }
    return true;
  };

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.active || context.getType() !== 'http') return next.handle();
    const handler = context.getHandler();
    let plan = this.plans.get(handler);
    if (plan === undefined || plan.owner !== context.getClass()) plan = this.planFor(context);
    if (plan.inert) return next.handle();

    const http = context.switchToHttp();
    const req = http.getRequest<HttpRequestLike>();
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      return plan.invalidates ? this.invalidating(plan.invalidates, next) : next.handle();
    }
    if (plan.off) return next.handle();
    // From the raw request, not RequestContext.current(): the cache needs no context propagation.
    const ctx = requestContextOf(req.raw ?? req);
    const rule = this.ruleFor(plan, ctx, req);
    if (rule === null) return next.handle();

    const started = this.events.wantsCache ? performance.now() : 0;
    const headers = req.headers;
    let identity: string | undefined;
    if (rule.userKey !== undefined) {
      try {
        const id = rule.userKey(req);
        if (typeof id === 'string' && id !== '') identity = id;
      } catch {
        identity = undefined;
      }
    }
    if (identity === undefined) {
      // Without an identity a request with a credential could be answered with, or store, a response meant for one user.
      const credential = this.credentialIn(headers);
      if (credential !== undefined) return this.bypass(ctx, rule, rule.userKey ? 'user-key-missing' : credential, started, next);
    }
    const url = req.originalUrl ?? req.raw?.url ?? req.url;
    let scheme = '';
    let host = '';
    if (this.varyByHost) {
      // What the framework tells the handler, so X-Forwarded-* count exactly when the app trusts its proxy.
      scheme = req.protocol === undefined ? 'http' : req.protocol.toLowerCase();
      host = normalizeHost(typeof req.host === 'string' ? req.host : (headers.host as string | undefined), scheme);
    }
    const key = this.keys.build(rule.namespace, scheme, host, url, headers, rule.vary, rule.query, identity);
    if (key === undefined) return this.bypass(ctx, rule, 'key-too-long', started, next);
    if (plan.early && method === 'GET' && rule.userKey === undefined && ctx !== undefined) this.rememberEarly(url, rule, ctx);

    const res = http.getResponse<HttpResponseLike>();
    let found: CacheEntry | undefined | Promise<CacheEntry | undefined>;
    try {
      found = this.cache.lookup(key);
    } catch (error) {
      this.cache.failed('read', error);
      return this.bypass(ctx, rule, 'store-error', started, next);
    }
    if (!isPromise(found)) return this.afterLookup(ctx, rule, key, found, undefined, started, res, next);

    // A shared store answers later: join or open the flight before waiting, so
    // concurrent misses of one key still run the handler once.
    const flight = this.cache.flights.get(key);
    if (flight) return this.follow(ctx, rule, flight, started, res, next);
    const settle = this.cache.flights.start(key);
    return from(
      found.then(
        (entry): CacheEntry | undefined | typeof STORE_ERROR => entry,
        (error: unknown): typeof STORE_ERROR => {
          this.cache.failed('read', error);
          return STORE_ERROR;
        },
      ),
    ).pipe(
      mergeMap((entry) => {
        if (entry === STORE_ERROR) {
          settle(undefined);
          return this.bypass(ctx, rule, 'store-error', started, next);
        }
        return this.afterLookup(ctx, rule, key, entry, settle, started, res, next);
      }),
    );
  }

  private afterLookup(
    ctx: RequestContext | undefined,
    rule: CacheRule,
    key: string,
    entry: CacheEntry | undefined,
    settle: ((r: FlightResult | undefined) => void) | undefined,
    started: number,
    res: HttpResponseLike,
    next: CallHandler,
  ): Observable<unknown> {
    if (entry !== undefined) {
      const now = Date.now();
      if (now < entry.expiresAt) {
        settle?.({ entry, status: 'HIT' });
        return this.serve(ctx, rule, key, entry, 'HIT', now, started);
      }
      if (this.staleWindow && now < entry.staleUntil) {
        settle?.({ entry, status: 'STALE' });
        if (this.cache.flights.get(key) === undefined) this.refresh(rule, key, res, next);
        return this.serve(ctx, rule, key, entry, 'STALE', now, started);
      }
    }
    if (settle === undefined) {
      const flight = this.cache.flights.get(key);
      if (flight) return this.follow(ctx, rule, flight, started, res, next);
      settle = this.cache.flights.start(key);
    }
    this.mark(ctx, rule, 'MISS', started, key);
    return this.produce(rule, key, res, next, settle);
  }

  /** Runs the handler and stores its response when it may be; settles the flight in every case. */
  private produce(
    rule: CacheRule,
    key: string,
    res: HttpResponseLike,
    next: CallHandler,
    settle: (r: FlightResult | undefined) => void,
  ): Observable<unknown> {
    return next.handle().pipe(
      map((value) => {
        const entry = this.capture(value, res, rule);
        if (typeof entry === 'string') {
          this.cache.stats.recordNotStored(entry);
          settle(undefined);
          return value;
        }
        this.cache.save(key, entry);
        settle({ entry, status: 'MISS' });
        return new CachedReply(entry, undefined);
      }),
      // An error, or a client gone before the handler finished: waiting requests run their own handler.
      finalize(() => settle(undefined)),
    );
  }

  /** Stale-while-revalidate: one background run of the handler refreshes the entry. */
  private refresh(rule: CacheRule, key: string, res: HttpResponseLike, next: CallHandler): void {
    const settle = this.cache.flights.start(key);
    this.produce(rule, key, res, next, settle).subscribe({
      error: (error: unknown) => this.cache.failed('refresh', error),
    });
  }

  /** A concurrent miss: waits for the running handler and serves its bytes, or runs its own when they cannot be shared. */
  private follow(
    ctx: RequestContext | undefined,
    rule: CacheRule,
    flight: Promise<FlightResult | undefined>,
    started: number,
    _res: HttpResponseLike,
    next: CallHandler,
  ): Observable<unknown> {
    return from(flight).pipe(
      mergeMap((result) => {
        if (result === undefined) {
          this.mark(ctx, rule, 'MISS', started);
          return next.handle();
        }
        this.cache.stats.recordCoalesced();
        this.mark(ctx, rule, result.status, started);
        const age = result.status === 'MISS' ? undefined : Math.max(0, Math.floor((Date.now() - result.entry.storedAt) / 1000));
        return of(new CachedReply(result.entry, age));
      }),
    );
  }

  private serve(
    ctx: RequestContext | undefined,
    rule: CacheRule,
    key: string,
    entry: CacheEntry,
    status: 'HIT' | 'STALE',
    now: number,
    started: number,
  ): Observable<unknown> {
    if (ctx !== undefined) ctx.cacheStatus = status;
    this.cache.stats.record(rule.namespace, status, key);
    rule.counters.record(status, key);
    if (this.events.wantsCache) this.emit(ctx, rule, status, undefined, started);
    return of(new CachedReply(entry, Math.max(0, Math.floor((now - entry.storedAt) / 1000))));
  }

  private bypass(
    ctx: RequestContext | undefined,
    rule: CacheRule,
    reason: string,
    started: number,
    next: CallHandler,
  ): Observable<unknown> {
    if (ctx !== undefined) ctx.cacheStatus = 'BYPASS';
    this.cache.stats.record(rule.namespace, 'BYPASS', undefined, reason);
    rule.counters.record('BYPASS');
    if (this.events.wantsCache) this.emit(ctx, rule, 'BYPASS', reason, started);
    return next.handle();
  }

  private mark(ctx: RequestContext | undefined, rule: CacheRule, status: CacheStatus, started: number, key?: string): void {
    if (ctx !== undefined) ctx.cacheStatus = status;
    this.cache.stats.record(rule.namespace, status);
    rule.counters.record(status, key);
    if (this.events.wantsCache) this.emit(ctx, rule, status, undefined, started);
  }

  private emit(ctx: RequestContext | undefined, rule: CacheRule, status: CacheStatus, reason: string | undefined, started: number): void {
    this.events.emitCache({
      namespace: rule.namespace,
      status,
      reason,
      durationMs: performance.now() - started,
      request: ctx,
    });
  }

  /** Clears the handler's namespaces after it succeeded, before the response goes out. */
  private invalidating(namespaces: readonly string[], next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      mergeMap(async (value: unknown) => {
        await this.cache.invalidateQuietly(namespaces);
        return value;
      }),
    );
  }

  /**
   * The bytes the response would carry, as an entry, or why it is not stored.
   * Serializes exactly as the adapters do (JSON.stringify for objects), and
   * the MISS itself is then written from these bytes, so a HIT is identical.
   */
  private capture(value: unknown, res: HttpResponseLike, rule: CacheRule): CacheEntry | string {
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

  private planFor(context: ExecutionContext): HandlerPlan {
    const handler = context.getHandler();
    const owner = context.getClass();
    const targets = [handler, owner];
    const r = this.reflector;
    const off = r.getAllAndOverride<boolean | undefined>(NO_CACHE_METADATA, targets) === true;
    const ttl = r.getAllAndOverride<number | undefined>(CACHE_TTL_METADATA, targets);
    const namespace = r.getAllAndOverride<string | undefined>(CACHE_NAMESPACE_METADATA, targets);
    const vary = r.getAllAndOverride<string[] | undefined>(CACHE_VARY_METADATA, targets);
    const query = r.getAllAndOverride<string[] | undefined>(CACHE_QUERY_METADATA, targets);
    const userKey = r.getAllAndOverride<CacheUserKeyFn | undefined>(CACHE_USER_KEY_METADATA, targets);
    const invalidates = r.getAllAndOverride<string[] | undefined>(INVALIDATE_CACHE_METADATA, targets);
    const early = r.getAllAndOverride<boolean | undefined>(SERVE_HITS_EARLY_METADATA, targets) === true;
    const decorated = ttl !== undefined || namespace !== undefined;
    const plan: HandlerPlan = {
      owner,
      inert: !decorated && !this.hasPaths && invalidates === undefined,
      off,
      ttl,
      namespace,
      vary,
      query,
      userKey,
      invalidates,
      early,
      rules: new Map(),
    };
    this.plans.set(handler, plan);
    return plan;
  }

  private ruleFor(plan: HandlerPlan, ctx: RequestContext | undefined, req: HttpRequestLike): CacheRule | null {
    const route =
      ctx?.route ??
      req.routeOptions?.url ??
      (typeof req.route?.path === 'string' ? (req.baseUrl ?? '') + req.route.path : '');
    let rule = plan.rules.get(route);
    if (rule !== undefined) return rule;
    const mapped = this.hasPaths ? this.paths[route] : undefined;
    if (plan.ttl === undefined && plan.namespace === undefined && mapped === undefined) {
      rule = null;
    } else {
      // A decorator wins over the map, the map over the defaults.
      const namespace = plan.namespace ?? mapped?.namespace ?? DEFAULT_CACHE_NAMESPACE;
      const vary = [...new Set([...this.globalVary, ...(mapped?.varyHeaders ?? []), ...(plan.vary ?? [])])];
      const query = plan.query ?? mapped?.query ?? null;
      rule = {
        namespace,
        ttl: plan.ttl ?? mapped?.ttl ?? this.defaultTtl,
        vary,
        query: query === null ? null : new Set(query),
        userKey: plan.userKey,
        counters: this.cache.stats.route(route, namespace, query),
      };
      this.cache.registerNamespace(namespace, rule.ttl);
    }
    // Bounded by the app's routes: a handler has as many templates as paths it is mounted on.
    plan.rules.set(route, rule);
    return rule;
  }
}
