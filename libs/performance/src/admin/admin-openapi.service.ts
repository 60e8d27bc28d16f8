import { Inject, Injectable, RequestMethod, type Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { ADMIN_PATH, AdminLocation } from './admin-location.service';
import { ADMIN_CONTRACT, type AdminContractEndpoint, contractSchema, ERROR_BODY } from './admin-contract';
import { ADMIN_API_TAG, ADMIN_UNAUTHORIZED, adminOperationOf, type AdminOperationSpec } from './admin-operation.decorator';

/** The controllers of the admin API, in the order their routes are documented. */
export const ADMIN_API_CONTROLLERS = Symbol('nestjs-performance:admin-api-controllers');

/** One route handler of an admin controller. */
export interface AdminRoute {
  readonly controller: Type<unknown>;
  readonly key: string;
  readonly handler: (...args: unknown[]) => unknown;
  /** Lower-case HTTP method: `get`, `post`. */
  readonly method: string;
  /** Its paths below the admin path, in OpenAPI's spelling (`jobs/{name}`). */
  readonly paths: readonly string[];
  /** Its declaration, undefined for a route that is not part of the documented API (static files, the document itself). */
  readonly operation: AdminOperationSpec | undefined;
}

const asArray = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value ?? '/')]);
const joined = (...parts: string[]): string =>
  parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/');

/** Every route handler of `controllers`, in declaration order, as Nest's routing metadata states it. */
export function adminRoutes(controllers: readonly Type<unknown>[]): AdminRoute[] {
  const routes: AdminRoute[] = [];
  for (const controller of controllers) {
    const bases = asArray(Reflect.getMetadata(PATH_METADATA, controller));
    const proto = controller.prototype as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(proto)) {
      const handler = key === 'constructor' ? undefined : Object.getOwnPropertyDescriptor(proto, key)?.value;
      if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const own = asArray(Reflect.getMetadata(PATH_METADATA, handler));
      const paths = bases.flatMap((base) => own.map((path) => joined(base, path).replace(/:([A-Za-z0-9_]+)/g, '{$1}')));
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod].toLowerCase();
      routes.push({ controller, key, handler: handler as AdminRoute['handler'], method, paths, operation: adminOperationOf(handler) });
    }
  }
  return routes;
}

/** A parameter object of an OpenAPI 3.0 document. */
export interface OpenApiParameter {
  readonly name: string;
  readonly required: boolean;
  readonly in: 'query' | 'path';
  readonly description: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/** A response object of an OpenAPI 3.0 document: its JSON body's schema when the admin contract declares one. */
export interface OpenApiResponse {
  readonly description: string;
  readonly content?: { readonly 'application/json': { readonly schema: Readonly<Record<string, unknown>> } };
}

const schemas = new Map<string, Readonly<Record<string, unknown>>>();
/** The OpenAPI schema of an answer, built once per process from the admin contract. */
function answerSchema(key: string, make: () => Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let schema = schemas.get(key);
  if (schema === undefined) schemas.set(key, (schema = make()));
  return schema;
}

/**
 * The responses of one route: the declared descriptions and its success status, with the JSON schema of
 * the success body from {@link ADMIN_CONTRACT} and the error body for 400 and above; 401 for every route.
 * Shared by the admin API's own document and the description given to `@nestjs/swagger`.
 */
export function responsesOf(route: AdminRoute, spec: AdminOperationSpec, path: string): Record<string, OpenApiResponse> {
  const own = Object.entries(spec.responses ?? {});
  // The success answer is always listed (with its schema), also where a route declares only its errors.
  const success = String(successStatus(route));
  const listed: [string, string][] = own.some(([status]) => /^2/.test(status)) ? own : [[success, ''], ...own];
  const declared = ADMIN_CONTRACT[`${route.method} ${path}` as AdminContractEndpoint] as Parameters<typeof contractSchema>[0] | undefined;
  const out: Record<string, OpenApiResponse> = { [401]: { description: ADMIN_UNAUTHORIZED } };
  for (const [status, description] of listed) {
    const code = Number(status);
    const schema =
      code >= 400 && code !== 401
        ? answerSchema('error', () => contractSchema(ERROR_BODY))
        : code < 300 && declared !== undefined
          ? answerSchema(`${route.method} ${path}`, () => contractSchema(declared))
          : undefined;
    out[status] = schema ? { description, content: { 'application/json': { schema } } } : { description };
  }
  return out;
}

/** An operation object of an OpenAPI 3.0 document, as the admin API states it. */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly parameters: readonly OpenApiParameter[];
  readonly requestBody?: {
    readonly required: true;
    readonly description: string;
    readonly content: { readonly 'application/json': { readonly schema: Readonly<Record<string, unknown>> } };
  };
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
  readonly security: readonly Readonly<Record<string, readonly string[]>>[];
  readonly summary: string;
  readonly tags: readonly string[];
}

/** The OpenAPI 3.0 document of the admin API (`GET <admin path>/openapi.json`). */
export interface OpenApiDocument {
  readonly openapi: '3.0.0';
  readonly paths: Readonly<Record<string, Readonly<Record<string, OpenApiOperation>>>>;
  readonly info: { readonly title: string; readonly description: string; readonly version: string; readonly contact: Readonly<Record<string, string>> };
  readonly tags: readonly { readonly name: string }[];
  readonly servers: readonly { readonly url: string }[];
  readonly components: {
    readonly securitySchemes: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly schemas: Readonly<Record<string, unknown>>;
  };
}

/** The success status of a route that declares no answers: 201 for POST unless the route sets its own code. */
function successStatus(route: AdminRoute): number {
  const code = Reflect.getMetadata(HTTP_CODE_METADATA, route.handler) as number | undefined;
  return code ?? (route.method === 'post' ? 201 : 200);
}

function operationOf(route: AdminRoute, spec: AdminOperationSpec, path: string): OpenApiOperation {
  const parameters: OpenApiParameter[] = [
    ...(spec.path ?? []).map((p) => ({ name: p.name, required: true, in: 'path' as const, description: p.description, schema: p.schema })),
    ...(spec.query ?? []).map((p) => ({ name: p.name, required: p.required ?? false, in: 'query' as const, description: p.description, schema: p.schema })),
  ];
  const responses = responsesOf(route, spec, path);
  return {
    operationId: `${route.controller.name}_${route.key}`,
    parameters,
    ...(spec.body && {
      requestBody: { required: true, description: spec.body.description, content: { 'application/json': { schema: spec.body.schema } } },
    }),
    responses,
    security: [{ bearer: [] }],
    summary: spec.summary,
    tags: [ADMIN_API_TAG],
  };
}

/**
 * The OpenAPI document of the routes of `controllers` that carry an
 * {@link AdminOperation} declaration, below `/<adminPath>`, served from
 * `server` (the global prefix and version: a relative URL, so the document
 * names no host and reads the same for every client).
 */
export function adminOpenApiDocument(input: {
  readonly controllers: readonly Type<unknown>[];
  readonly adminPath: string;
  readonly server: string;
  readonly version: string;
}): OpenApiDocument {
  const paths: Record<string, Record<string, OpenApiOperation>> = {};
  for (const route of adminRoutes(input.controllers)) {
    if (!route.operation) continue;
    for (const path of route.paths) {
      const operations = (paths[`/${joined(input.adminPath, path)}`] ??= {});
      operations[route.method] = operationOf(route, route.operation, path);
    }
  }
  return {
    openapi: '3.0.0',
    paths,
    info: {
      title: 'nestjs-performance admin API',
      description: 'Monitoring, alerts, recommendations and diagnostics of this app. Every endpoint needs the admin credential.',
      version: input.version,
      contact: {},
    },
    tags: [],
    servers: [{ url: input.server }],
    components: { securitySchemes: { bearer: { scheme: 'bearer', bearerFormat: 'JWT', type: 'http' } }, schemas: {} },
  };
}

/** Builds the admin API's OpenAPI document once, on first request (the global prefix is known by then). */
@Injectable()
export class AdminOpenApi {
  private built: OpenApiDocument | undefined;

  constructor(
    @Inject(ADMIN_API_CONTROLLERS) private readonly controllers: readonly Type<unknown>[],
    @Inject(ADMIN_PATH) private readonly adminPath: string,
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly location: AdminLocation,
  ) {}

  document(): OpenApiDocument {
    this.built ??= adminOpenApiDocument({
      controllers: this.controllers,
      adminPath: this.adminPath,
      server: this.location.apiBase,
      version: this.options.appVersion,
    });
    return this.built;
  }
}
