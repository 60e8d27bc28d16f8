import { performance } from 'node:perf_hooks';
import type { CallHandler, ExecutionContext, NestInterceptor, OnModuleInit } from '@nestjs/common';
import type { HttpAdapterHost, ModuleRef, Reflector } from '@nestjs/core';
import { markOwn } from '../../core/context/own-hooks';
import { mergeMap, type Observable } from 'rxjs';
import type { PerformanceEvents } from '../../core/context/performance-events.service';
import { requestContextOf, type RequestTracker } from '../../core/context/request-tracker.service';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { CacheReplies } from './cache-replies';
import { Cacheability, type HttpResponseLike } from './cacheability';
import { installCachedReplies } from './cached-reply';
import { CacheRules } from './cache-rules';
import { EarlyHitSafety } from './early-hit-safety';
import { EarlyHits } from './early-hits';
import { type HttpRequestLike, RequestKeys } from './request-key';
import type { ResponseCache } from './response-cache.service';

/**
 * The response cache interceptor (installed globally by the module while
 * `cache.enabled`). For a GET/HEAD route opted in by `cache.cacheablePaths`
 * or decorators it answers from the store (`X-Cache: HIT`, `Age`, `ETag`,
 * 304 on a matching `If-None-Match`), or runs the handler once for all
 * concurrent misses of a key and stores the bytes it sends (`MISS`). Requests
 * with a credential (`Authorization`, `Proxy-Authorization`, `Cookie`, the
 * `cache.apiKeyHeaders`) bypass unless the route has `@CacheUserKey`. Keys
 * come from {@link RequestKeys}. It fails open: a store that fails means `BYPASS`, never an
 * error. `@InvalidateCache` handlers clear their namespaces after success.
 */
export class ResponseCacheInterceptor implements NestInterceptor, OnModuleInit {
  private readonly rules: CacheRules;
  private readonly keys: RequestKeys;
  private readonly cacheability: Cacheability;
  private readonly replies: CacheReplies;
  private readonly early: EarlyHits;
  /** False until the adapter can write cached bytes; until then every lookup is skipped. */
  private active = false;

  constructor(
    options: ResolvedPerformanceOptions,
    private readonly cache: ResponseCache,
    private readonly events: PerformanceEvents,
    reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    tracker?: RequestTracker,
    moduleRef?: ModuleRef,
  ) {
    const c = options.cache;
    this.rules = new CacheRules(c, reflector, cache, new EarlyHitSafety(() => adapterHost.httpAdapter, moduleRef, this));
    this.keys = new RequestKeys(c);
    this.cacheability = new Cacheability(c, cache);
    this.replies = new CacheReplies(c, cache, events, this.cacheability);
    this.early = new EarlyHits(
      cache,
      events,
      this.keys,
      this.cacheability,
      this.replies,
      tracker,
      () => (adapterHost.httpAdapter as { isShuttingDown?: unknown } | undefined)?.isShuttingDown === true,
    );
  }

  onModuleInit(): void {
    this.active = installCachedReplies(this.adapterHost.httpAdapter);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.active || context.getType() !== 'http') return next.handle();
    const plan = this.rules.planOf(context);
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
    const rule = this.rules.ruleFor(plan, ctx, req);
    if (rule === null) return next.handle();

    const started = this.events.wantsCache ? performance.now() : 0;
    const identity = this.keys.identityOf(rule, req);
    if (identity === undefined) {
      // Without an identity a request with a credential could be answered with, or store, a response meant for one user.
      const credential = this.cacheability.credentialIn(req.headers);
      if (credential !== undefined) return this.replies.bypass(ctx, rule, rule.userKey ? 'user-key-missing' : credential, started, next);
    }
    const url = this.keys.urlOf(req);
    const key = this.keys.of(rule, req, url, identity);
    if (key === undefined) return this.replies.bypass(ctx, rule, 'key-too-long', started, next);
    if (rule.early && method === 'GET' && ctx !== undefined) this.early.remember(url, rule, ctx);
    return this.replies.answer(ctx, rule, key, started, http.getResponse<HttpResponseLike>(), next);
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
}

// Tells the early-HIT check that this global interceptor is the module's own.
markOwn(ResponseCacheInterceptor.prototype);
