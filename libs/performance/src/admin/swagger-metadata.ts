import type { Type } from '@nestjs/common';
import type * as Swagger from '@nestjs/swagger';
import { adminRoutes, responsesOf } from './admin-openapi.service';
import { ADMIN_API_TAG, ADMIN_UNAUTHORIZED } from './admin-operation.decorator';

/** Controllers already described to Swagger: its decorators add to lists, so each is described once per process. */
const described = new WeakSet<Type<unknown>>();

/** `@nestjs/swagger` when the app has it installed, null when it does not. */
function swaggerIfInstalled(): typeof Swagger | null {
  try {
    // Optional peer: loaded only to describe the admin routes to an app that uses Swagger itself.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only when installed
    return require('@nestjs/swagger') as typeof Swagger;
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    if (code === 'MODULE_NOT_FOUND' && message.includes("'@nestjs/swagger'")) return null;
    throw error;
  }
}

/**
 * When `@nestjs/swagger` is installed, states each {@link AdminOperation}
 * of `controllers` with Swagger's own decorators too, so a document the app
 * builds with `SwaggerModule.createDocument(app, ...)` lists the admin routes
 * as the admin API's `openapi.json` does; routes without a declaration (the
 * dashboard's static files, the document itself) are excluded from it.
 * Without `@nestjs/swagger` it does nothing: the admin API builds its own
 * document and checks its input without it.
 */
export function describeToSwagger(controllers: readonly Type<unknown>[]): void {
  const pending = controllers.filter((c) => !described.has(c));
  if (pending.length === 0) return;
  const swagger = swaggerIfInstalled();
  if (!swagger) return;
  for (const controller of pending) {
    described.add(controller);
    const routes = adminRoutes([controller]);
    if (!routes.some((r) => r.operation)) {
      swagger.ApiExcludeController()(controller);
      continue;
    }
    // On the class, as the admin API's own document states them; a class tag also keeps Swagger from adding one of its own.
    swagger.ApiTags(ADMIN_API_TAG)(controller);
    swagger.ApiBearerAuth()(controller);
    swagger.ApiResponse({ status: 401, description: ADMIN_UNAUTHORIZED })(controller);
    const proto = controller.prototype as object;
    for (const route of routes) {
      const { key, operation } = route;
      const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
      const decorators: MethodDecorator[] = [];
      if (!operation) {
        decorators.push(swagger.ApiExcludeEndpoint());
      } else {
        decorators.push(swagger.ApiOperation({ summary: operation.summary }));
        for (const p of operation.path ?? []) decorators.push(swagger.ApiParam({ name: p.name, description: p.description, schema: p.schema }));
        for (const p of operation.query ?? []) {
          decorators.push(swagger.ApiQuery({ name: p.name, required: p.required ?? false, description: p.description, schema: p.schema }));
        }
        if (operation.body) decorators.push(swagger.ApiBody({ description: operation.body.description, schema: operation.body.schema }));
        for (const [status, response] of Object.entries(responsesOf(route, operation, route.paths[0]!))) {
          if (status === '401' && operation.responses?.[401] === undefined) continue; // stated once on the class
          const schema = response.content?.['application/json'].schema;
          decorators.push(
            swagger.ApiResponse({ status: Number(status), description: response.description, ...(schema && { schema: structuredClone(schema) }) }),
          );
        }
      }
      for (const decorate of decorators) decorate(proto, key, descriptor);
    }
  }
}
