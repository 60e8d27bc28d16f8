import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { RequestContext } from '../../core/context/request-context';
import { DEFAULT_CACHE_NAMESPACE } from '../../core/options/cache.options';
import type { ResolvedCacheOptions, ResolvedCachePathRule } from '../../core/options/schema/cache';
import type { RouteCacheCounters } from '../cache-stats.service';
import {
  CACHE_NAMESPACE_METADATA,
  CACHE_QUERY_METADATA,
  CACHE_TTL_METADATA,
  CACHE_USER_KEY_METADATA,
  CACHE_VARY_METADATA,
  type CacheUserKeyFn,
  INVALIDATE_CACHE_METADATA,
  NO_CACHE_METADATA,
  SERVE_HITS_EARLY_METADATA,
} from './cache.decorator';
import type { EarlyHitBlocker, EarlyHitSafety } from './early-hit-safety';
import type { ResponseCache } from './response-cache.service';

/** How one route is cached, resolved once per handler and route template. */
export interface CacheRule {
  readonly namespace: string;
  readonly ttl: number;
  readonly vary: readonly string[];
  /** The declared query parameters; null: all of them make the key. */
  readonly query: ReadonlySet<string> | null;
  readonly userKey: CacheUserKeyFn | undefined;
  /** The route's own counters in cache-stats. */
  readonly counters: RouteCacheCounters;
  /** Fresh HITs of GETs are answered before the framework (`@ServeHitsEarly()`, or `cache.earlyHits: 'auto'` where safe). */
  readonly early: boolean;
}

/** The decorators of one handler, read once. */
export interface HandlerPlan {
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
  /** `@ServeHitsEarly()`: fresh HITs are answered before the framework, whatever else the route has. */
  readonly early: boolean;
  /** What on the route keeps its HITs on the usual path (null: nothing, or `@ServeHitsEarly()`); the app is read later. */
  readonly earlyBlocker: EarlyHitBlocker | null;
  /** Rules by route template (a handler may serve several paths). */
  readonly rules: Map<string, CacheRule | null>;
}

/** What the adapters tell about the route a request matched (Express: `route` and `baseUrl`; Fastify: `routeOptions`). */
export interface RoutedRequest {
  readonly route?: { path?: unknown };
  readonly baseUrl?: string;
  readonly routeOptions?: { url?: string };
}

/**
 * Which routes the response cache handles and how: a handler's decorators
 * read once into a {@link HandlerPlan}, and per route template the
 * {@link CacheRule} that the decorators, `cache.cacheablePaths` and the
 * defaults make (a decorator wins over the map, the map over the defaults).
 */
export class CacheRules {
  private readonly plans = new WeakMap<object, HandlerPlan>();
  private readonly paths: Readonly<Record<string, ResolvedCachePathRule>>;
  private readonly hasPaths: boolean;
  private readonly globalVary: readonly string[];
  private readonly defaultTtl: number;
  private readonly autoEarly: boolean;

  constructor(
    options: ResolvedCacheOptions,
    private readonly reflector: Reflector,
    private readonly cache: ResponseCache,
    private readonly safety: EarlyHitSafety,
  ) {
    this.autoEarly = options.earlyHits === 'auto';
    this.paths = options.cacheablePaths;
    this.hasPaths = Object.keys(options.cacheablePaths).length > 0;
    this.globalVary = options.varyHeaders;
    this.defaultTtl = options.ttl;
  }

  /** The plan of the handler `context` runs, read on its first request. */
  planOf(context: ExecutionContext): HandlerPlan {
    const plan = this.plans.get(context.getHandler());
    return plan === undefined || plan.owner !== context.getClass() ? this.planFor(context) : plan;
  }

  /** The rule of `plan` on the route the request matched, or null when that route is not cached. */
  ruleFor(plan: HandlerPlan, ctx: RequestContext | undefined, req: RoutedRequest): CacheRule | null {
    const route = ctx?.route ?? req.routeOptions?.url ?? (typeof req.route?.path === 'string' ? (req.baseUrl ?? '') + req.route.path : '');
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
      // Read on the route's first request: by then the app's middleware and hooks are all registered.
      const blocker = plan.earlyBlocker ?? (plan.early ? null : this.safety.appBlocker());
      rule = {
        namespace,
        ttl: plan.ttl ?? mapped?.ttl ?? this.defaultTtl,
        vary,
        query: query === null ? null : new Set(query),
        userKey: plan.userKey,
        counters: this.cache.stats.route(route, namespace, query),
        early: blocker === null,
      };
      rule.counters.early = blocker ?? (plan.early ? 'decorated' : 'yes');
      this.cache.registerNamespace(namespace, rule.ttl);
    }
    // Bounded by the app's routes: a handler has as many templates as paths it is mounted on.
    plan.rules.set(route, rule);
    return rule;
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
    // Per-user entries never leave the usual path; the decorator answers for everything else on the route.
    const earlyBlocker = userKey !== undefined ? 'user-key' : early ? null : this.autoEarly ? this.safety.routeBlocker(context) : 'decorated-only';
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
      earlyBlocker,
      rules: new Map(),
    };
    this.plans.set(handler, plan);
    return plan;
  }
}
