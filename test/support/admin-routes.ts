import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ADMIN_CONTROLLERS } from '../../libs/performance/src/admin/performance-admin.module';

/** One admin route as its controller declares it: `get`, `jobs/:name`, its @Query() parameter names (sorted). */
export interface DeclaredAdminRoute {
  readonly method: string;
  readonly path: string;
  readonly query: string[];
}

/** Every admin route and the names of its @Query() parameters, read from the controllers themselves. */
export function declaredAdminRoutes(): DeclaredAdminRoute[] {
  const routes: DeclaredAdminRoute[] = [];
  for (const controller of ADMIN_CONTROLLERS) {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '/').replace(/^\/|\/$/g, '');
    const proto = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const path = [base, String(Reflect.getMetadata(PATH_METADATA, handler)).replace(/^\//, '')].filter(Boolean).join('/');
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase();
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as Record<string, { data?: unknown }>;
      const query = Object.entries(args)
        .filter(([k, v]) => Number(k.split(':')[0]) === RouteParamtypes.QUERY && typeof v.data === 'string')
        .map(([, v]) => v.data as string);
      routes.push({ method, path, query: [...new Set(query)].sort() });
    }
  }
  return routes;
}
