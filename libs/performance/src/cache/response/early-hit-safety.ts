import { type ExecutionContext, VersioningType } from '@nestjs/common';
import { GUARDS_METADATA, HEADERS_METADATA, HOST_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA } from '@nestjs/common/constants.js';
import { AbstractHttpAdapter, type ModuleRef } from '@nestjs/core';
import { isOwn } from '../../core/context/own-hooks';

/**
 * Why a cached route's fresh HITs go through the framework rather than being
 * answered before it (`cache.earlyHits: 'auto'`), as `cache-stats` lists it:
 * - `guard`: the route, its controller or the app has one;
 * - `interceptor`: the app has a global interceptor that runs before the cache's (a HIT answered
 *   by the cache's interceptor never reaches the interceptors after it, nor the route's);
 * - `response-metadata`: the handler has `@Header`, `@Redirect`, `@Render`, `@Sse`, or Fastify's `@RouteConfig`,
 *   `@RouteConstraints` or `@RouteSchema`;
 * - `middleware`: the app has middleware or Fastify hooks of its own, Nest's security headers or CSRF check,
 *   or Fastify's request logging (or they could not be read);
 * - `versioning`: the app picks handlers by a header or media type version (`enableVersioning`);
 * - `host-routing`: a controller of the app is bound to a host (`@Controller({ host })`);
 * - `user-key`: entries are per user (`@CacheUserKey`);
 * - `decorated-only`: `cache.earlyHits` is `decorated` and the route has no `@ServeHitsEarly()`.
 */
export type EarlyHitBlocker = 'guard' | 'interceptor' | 'response-metadata' | 'middleware' | 'versioning' | 'host-routing' | 'user-key' | 'decorated-only';

/** Hook lists of a Fastify instance that run for a request Fastify routes (a HIT answered early skips them all). */
const FASTIFY_REQUEST_HOOKS = [
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onError',
  'onTimeout',
  'onRequestAbort',
];
/** `onRoute` hooks give routes hooks of their own (`@fastify/rate-limit`, per-route helmet or compression): none may be the app's. */
const FASTIFY_ROUTE_HOOKS = ['onRoute'];
/**
 * `@RouteConfig`, `@RouteConstraints` and `@RouteSchema` of `@nestjs/platform-fastify`: a plugin may act on
 * the config, a constraint picks the handler per request, a schema may refuse a request's headers.
 */
const FASTIFY_ROUTE_METADATA = ['__fastify_route_config__', '__fastify_route_constraints__', '__fastify_route_schema__'];
/** Nest's own body parsers on Express: a request with a body never takes the early path, so they have nothing to read. */
const EXPRESS_PARSERS = new Set(['jsonParser', 'urlencodedParser', 'rawParser', 'textParser']);

interface ExpressLayer {
  readonly name?: string;
  readonly handle?: unknown;
  readonly route?: unknown;
}
type HookLists = Record<string, unknown[] | undefined>;
/** What is read of Nest's container. */
interface NestContainerLike {
  readonly applicationConfig?: Record<string, unknown>;
  getModules?(): Map<unknown, { readonly metatype?: unknown; readonly controllers?: Map<unknown, { readonly metatype?: unknown }> }>;
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) && value.some((v) => v !== null && v !== undefined);
}

/** A symbol-keyed own property of `target` by the symbol's description (Fastify and middie keep their state so). */
function symbolProperty(target: object, description: string): unknown {
  const key = Object.getOwnPropertySymbols(target).find((s) => s.description === description);
  return key === undefined ? undefined : (target as Record<symbol, unknown>)[key];
}

/**
 * Decides where a HIT may be answered before the framework without changing
 * what the client gets or skipping anything the app set up: a route's
 * decorators, read once per handler, and the app's global enhancers,
 * middleware and hooks, read once when the first cached request arrives
 * (after `listen()`, so everything the app registered is there).
 *
 * Middleware and hooks the HTTP adapter installs itself are told from the
 * app's by their code, which is part of the adapter class's. Whatever cannot
 * be read counts as the app's: the HIT then takes the usual path.
 */
export class EarlyHitSafety {
  private appVerdict: EarlyHitBlocker | null | undefined;

  constructor(
    private readonly adapter: () => AbstractHttpAdapter | undefined,
    private readonly moduleRef: ModuleRef | undefined,
    /** The cache's own interceptor, as Nest lists it among the global ones. */
    private readonly cacheInterceptor: object,
  ) {}

  /** What on the handler `context` runs keeps its HITs on the usual path, or null. */
  routeBlocker(context: ExecutionContext): EarlyHitBlocker | null {
    const handler = context.getHandler();
    const owner = context.getClass();
    const meta = (key: string, target: object) => Reflect.getMetadata(key, target) as unknown;
    if (hasItems(meta(GUARDS_METADATA, handler)) || hasItems(meta(GUARDS_METADATA, owner))) return 'guard';
    for (const key of [HEADERS_METADATA, REDIRECT_METADATA, RENDER_METADATA, SSE_METADATA, ...FASTIFY_ROUTE_METADATA]) {
      if (meta(key, handler) !== undefined) return 'response-metadata';
    }
    return null;
  }

  /** What of the app keeps every HIT on the usual path, or null; read once, on the first call. */
  appBlocker(): EarlyHitBlocker | null {
    if (this.appVerdict === undefined) this.appVerdict = this.readApp();
    return this.appVerdict;
  }

  private readApp(): EarlyHitBlocker | null {
    const enhancers = this.globalEnhancers();
    if (enhancers === undefined) return 'middleware';
    if (enhancers !== null) return enhancers;
    try {
      return this.adapterIsBare() ? null : 'middleware';
    } catch {
      return 'middleware';
    }
  }

  /**
   * Global guards and interceptors (`APP_GUARD`, `useGlobalGuards`, ...), header versioning and the middleware
   * of Nest modules, this module's left out; undefined when unreadable.
   */
  private globalEnhancers(): EarlyHitBlocker | null | undefined {
    // Nest keeps them in its container (the application config, the modules); ModuleRef has no public way to it.
    const container = (this.moduleRef as unknown as { container?: NestContainerLike } | undefined)?.container;
    const config = container?.applicationConfig;
    const modules = container?.getModules?.();
    if (config === undefined || modules === undefined) return undefined;
    const list = (name: string): unknown[] | undefined => {
      const read = config[name];
      if (typeof read !== 'function') return undefined;
      const value = (read as () => unknown).call(config);
      return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : undefined;
    };
    const guards = list('getGlobalGuards');
    const requestGuards = list('getGlobalRequestGuards');
    const interceptors = list('getGlobalInterceptors');
    if (guards === undefined || requestGuards === undefined || interceptors === undefined) return undefined;
    if (guards.length > 0 || requestGuards.length > 0) return 'guard';
    // Nest runs global interceptors in this order, then the route's: those after the cache's never see a HIT it answers.
    const cacheAt = interceptors.indexOf(this.cacheInterceptor);
    if (cacheAt < 0 || interceptors.slice(0, cacheAt).some((i) => !isOwn(i))) return 'interceptor';
    // Versions read from a header or the media type pick the handler per request: only the framework can.
    const versioning =
      typeof config.getVersioning === 'function' ? ((config.getVersioning as () => { type?: unknown } | undefined).call(config) ?? null) : null;
    if (versioning !== null && versioning.type !== VersioningType.URI) return 'versioning';
    // Middleware of Nest modules (`configure(consumer)`), on any adapter, for any route or method.
    for (const module of modules.values()) {
      const configure = (module.metatype as { prototype?: { configure?: unknown } } | undefined)?.prototype?.configure;
      if (typeof configure === 'function' && !isOwn(configure)) return 'middleware';
      // A controller bound to a host: the same URL may belong to another handler on another host, which only the router can tell.
      for (const controller of module.controllers?.values() ?? []) {
        if (typeof controller.metatype === 'function' && Reflect.getMetadata(HOST_METADATA, controller.metatype) !== undefined) return 'host-routing';
      }
    }
    const preRequest = typeof config.getGlobalPreRequestHooks === 'function' ? list('getGlobalPreRequestHooks') : [];
    if (preRequest === undefined || preRequest.length > 0) return 'middleware';
    return null;
  }

  /** True when the adapter runs nothing for a request but its own code and this module's. */
  private adapterIsBare(): boolean {
    const adapter = this.adapter();
    if (adapter === undefined) return false;
    // Set by `app.enableCors()`, Nest's security headers and request/response hooks: all run per request.
    const state = adapter as unknown as Record<string, unknown>;
    if (['onRequestHook', 'onResponseHook', 'securityHook', 'corsHook'].some((name) => state[name] !== undefined && state[name] !== null)) return false;
    // The adapter's own middleware and hooks are arrow functions in its class's methods, so their code is part of the class's.
    const classCode: string[] = [];
    // Not the abstract base adapter: the middleware it installs (security headers, CSRF) exist only when the app turned them on.
    for (
      let ctor = adapter.constructor;
      typeof ctor === 'function' && ctor !== Function.prototype && ctor !== AbstractHttpAdapter;
      ctor = Object.getPrototypeOf(ctor) as typeof ctor
    ) {
      classCode.push(Function.prototype.toString.call(ctor));
    }
    const adapters = (fn: unknown) => typeof fn === 'function' && classCode.some((code) => code.includes(Function.prototype.toString.call(fn)));
    const type = adapter.getType();
    if (type === 'express') return this.expressIsBare(adapter.getInstance(), adapters);
    if (type === 'fastify') return this.fastifyIsBare(adapter.getInstance(), adapters);
    return false;
  }

  private expressIsBare(app: unknown, adapters: (fn: unknown) => boolean): boolean {
    const router = (app as { router?: { stack?: unknown }; _router?: { stack?: unknown } }).router ?? (app as { _router?: { stack?: unknown } })._router;
    if (!Array.isArray(router?.stack)) return false;
    const stack = router.stack as ExpressLayer[];
    // Layers after the last route (Nest's not-found and error handlers) never run for a routed request.
    const lastRoute = stack.findLastIndex((l) => l.route !== undefined);
    for (const layer of stack.slice(0, lastRoute)) {
      if (layer.route !== undefined || isOwn(layer.handle) || EXPRESS_PARSERS.has(layer.name ?? '') || adapters(layer.handle)) continue;
      return false;
    }
    return true;
  }

  private fastifyIsBare(instance: object, adapters: (fn: unknown) => boolean): boolean {
    const hooks = symbolProperty(instance, 'fastify.hooks') as HookLists | undefined;
    if (hooks === undefined) return false;
    // Fastify's own request logging ("incoming request", "request completed") runs for every routed request.
    const fastify = instance as {
      log?: { isLevelEnabled?: (level: string) => boolean; level?: unknown };
      initialConfig?: { disableRequestLogging?: unknown };
    };
    const log = fastify.log;
    // Without `logger`, Fastify's logger has neither a level nor isLevelEnabled: nothing is logged.
    const logsInfo = typeof log?.isLevelEnabled === 'function' ? log.isLevelEnabled('info') : typeof log?.level === 'string' && log.level !== 'silent';
    if (logsInfo && fastify.initialConfig?.disableRequestLogging !== true) return false;
    // Middleware (Nest's or `app.use()`) runs through middie's hook: there must be none.
    if (hasItems(symbolProperty(instance, 'fastify-middie-middlewares'))) return false;
    for (const name of [...FASTIFY_REQUEST_HOOKS, ...FASTIFY_ROUTE_HOOKS]) {
      for (const hook of hooks[name] ?? []) {
        if (isOwn(hook) || adapters(hook) || (typeof hook === 'function' && hook.name === 'runMiddie')) continue;
        return false;
      }
    }
    return true;
  }
}
