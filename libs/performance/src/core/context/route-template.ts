/** A route as Express's router holds it: its path and its handler layers. */
interface ExpressRoute {
  readonly path?: unknown;
  readonly stack?: readonly { readonly handle?: unknown }[];
}

/** An Express router layer: a route, or a mounted router (a function with its own stack). */
interface ExpressLayer {
  readonly route?: ExpressRoute;
  readonly handle?: unknown;
}

/** The raw request as Express decorates it: the route it matched, where it is mounted, the app. */
export interface ExpressRoutedRequest {
  readonly route?: ExpressRoute;
  readonly baseUrl?: string;
  readonly app?: unknown;
}

/** A path that is only a wildcard (`*path`, `/*path`, `{*path}`, `/{*path}`, `*`, `(.*)`): matches whatever is left. */
const WILDCARD_ONLY = /^\/?(?:\*[\w$]*|\{\/?\*[\w$]*\}|\(\.\*\))$/;

/** Whether each Express route is one of the framework's own not-found handlers; filled as requests meet them. */
const internalRoutes = new WeakMap<object, boolean>();
/** Per Express app: the handler functions of the framework's not-found routes. */
const notFoundHandlesByApp = new WeakMap<object, ReadonlySet<unknown>>();

/**
 * The route template an Express request matched, mount path included (`/api/v1/documents/:id`),
 * or undefined when it matched none of the app's routes.
 *
 * Nest answers unknown URLs through routes of its own: under a global prefix a router mounted
 * at the prefix with a `*path` catch-all, and the same handler on each path excluded from the
 * prefix (for a method the path does not serve). Those are not the app's routes: a request they
 * answer matched nothing, as on Fastify, whose not-found handler has no route.
 */
export function expressRouteTemplate(req: ExpressRoutedRequest): string | undefined {
  const route = req.route;
  const path = route?.path;
  if (route === undefined || typeof path !== 'string') return undefined;
  let internal = internalRoutes.get(route);
  if (internal === undefined) {
    const handles = notFoundHandles(req.app);
    const stack = route.stack ?? [];
    internal = stack.length > 0 && stack.every((layer) => handles.has(layer.handle));
    internalRoutes.set(route, internal);
  }
  return internal ? undefined : (req.baseUrl ?? '') + path;
}

/** The handlers of the routers Nest mounts at the global prefix: each holds one wildcard-only route. */
function notFoundHandles(app: unknown): ReadonlySet<unknown> {
  if (typeof app !== 'function' && (typeof app !== 'object' || app === null)) return new Set();
  const known = notFoundHandlesByApp.get(app);
  if (known !== undefined) return known;
  const handles = new Set<unknown>();
  for (const layer of topLayers(app)) {
    const inner = catchAllRouteOf(layer);
    for (const l of inner?.stack ?? []) handles.add(l.handle);
  }
  // Remembered once found: the framework mounts them at start-up, before the first request.
  if (handles.size > 0) notFoundHandlesByApp.set(app, handles);
  return handles;
}

/** The app router's layers (Express 5 `app.router`, Express 4 `app._router`). */
function topLayers(app: unknown): readonly ExpressLayer[] {
  const a = app as { router?: { stack?: unknown }; _router?: { stack?: unknown } } | null | undefined;
  let stack: unknown;
  try {
    stack = a?.router?.stack ?? a?._router?.stack;
  } catch {
    return [];
  }
  return Array.isArray(stack) ? (stack as ExpressLayer[]) : [];
}

/** The only route of a mounted router whose single layer is a wildcard-only route, if `layer` is one. */
function catchAllRouteOf(layer: ExpressLayer): ExpressRoute | undefined {
  const inner = (layer.handle as { stack?: unknown } | undefined)?.stack;
  if (typeof layer.handle !== 'function' || !Array.isArray(inner) || inner.length !== 1) return undefined;
  const route = (inner[0] as ExpressLayer).route;
  return route !== undefined && typeof route.path === 'string' && WILDCARD_ONLY.test(route.path) ? route : undefined;
}
