import { SetMetadata } from '@nestjs/common';

/** A query or path parameter of an admin operation, as its OpenAPI document states it. */
export interface AdminParameter {
  readonly name: string;
  readonly description: string;
  /** Query parameters are optional unless this says otherwise; path parameters are always required. */
  readonly required?: boolean;
  /** JSON schema of the value: type, and its range, pattern or allowed values. */
  readonly schema: Readonly<Record<string, unknown>>;
}

/** What an admin route does and takes: written once, read by the input checks and by the OpenAPI document. */
export interface AdminOperationSpec {
  /** One line on what the route answers or does. */
  readonly summary: string;
  /** The query parameters the route reads; any other one is a 400 naming it. */
  readonly query?: readonly AdminParameter[];
  /** The parameters in the route's path (`jobs/:name`). */
  readonly path?: readonly AdminParameter[];
  /** The JSON body the route reads; a route without one answers 400 to a request that sends a body. */
  readonly body?: { readonly description: string; readonly schema: Readonly<Record<string, unknown>> };
  /**
   * Answers besides success, by status (`{ 400: 'hours out of range' }`). Every admin operation can answer
   * {@link ADMIN_UNAUTHORIZED}; a route that says nothing here is documented with its success status.
   */
  readonly responses?: Readonly<Record<number, string>>;
}

/** The tag of every admin operation in an OpenAPI document. */
export const ADMIN_API_TAG = 'performance';

/** The 401 every admin operation can answer, unless the operation describes its own. */
export const ADMIN_UNAUTHORIZED = 'No or wrong admin credential';

const ADMIN_OPERATION = Symbol('nestjs-performance:admin-operation');

/**
 * Declares an admin route: its summary, the query parameters and body it
 * takes, and the errors it answers. The admin guard refuses any other input
 * with a 400 that names it, and the admin API's `openapi.json` is built from
 * these declarations, so the two cannot disagree. A route of an admin
 * controller without this decorator is left out of the document.
 *
 * @example
 * ```ts
 * @Get('alerts')
 * @AdminOperation({ summary: 'Alerts seen in the last hours', query: [HOURS_PARAMETER], responses: { 400: 'hours out of range' } })
 * alertList(@Query('hours') hours?: unknown) {}
 * ```
 */
export const AdminOperation = (spec: AdminOperationSpec): MethodDecorator => SetMetadata(ADMIN_OPERATION, spec);

/** The declaration of an admin route handler, undefined when it has none. */
export function adminOperationOf(handler: object): AdminOperationSpec | undefined {
  return Reflect.getMetadata(ADMIN_OPERATION, handler) as AdminOperationSpec | undefined;
}
