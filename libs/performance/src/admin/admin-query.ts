import { BadRequestException, type ExecutionContext } from '@nestjs/common';
import { adminOperationOf } from './admin-operation.decorator';

/** Bounds of an integer query parameter. */
export interface IntegerParam {
  min: number;
  max: number;
  /** Used when the parameter is absent. */
  default: number;
}

/**
 * Reads an integer query parameter or answers 400 naming it:
 * `hours must be an integer from 1 to 720 (got "-1")`.
 */
export function integerParam(name: string, raw: unknown, spec: IntegerParam): number {
  if (raw === undefined || raw === '') return spec.default;
  const text = Array.isArray(raw) ? undefined : String(raw);
  const value = text !== undefined && /^-?\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
    throw new BadRequestException(`${name} must be an integer from ${spec.min} to ${spec.max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

/** Names, ids and namespaces accepted by admin endpoints. */
export const ADMIN_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Reads a name-like parameter (namespace, id, fingerprint) or answers 400
 * naming it. `required: false` returns undefined when it is absent; an
 * empty value is a 400 either way.
 */
export function nameParam(name: string, raw: unknown, required = true): string | undefined {
  if (raw === undefined) {
    if (!required) return undefined;
    throw new BadRequestException(`${name} is required`);
  }
  // Present but empty is a mistake (`namespace=$UNSET`), never "absent".
  if (raw === '') throw new BadRequestException(`${name} must not be empty${required ? '' : '; leave it out instead'}`);
  if (typeof raw !== 'string' || !ADMIN_NAME_PATTERN.test(raw)) {
    throw new BadRequestException(`${name} must be 1-128 characters of letters, digits, . _ : - (got ${JSON.stringify(raw).slice(0, 140)})`);
  }
  return raw;
}

/** What an admin route takes besides its path: the query parameters and whether it reads a body. */
interface AdminInput {
  readonly query: ReadonlySet<string>;
  readonly body: boolean;
}

/** Read once per handler. */
const INPUTS = new WeakMap<object, AdminInput>();

/**
 * What a handler takes, read from its {@link AdminOperation} declaration,
 * which the OpenAPI document is built from too: the document and the checks
 * cannot disagree, and the OpenAPI test keeps the declarations equal to the
 * `@Query()` parameters the handler reads. A handler without one takes nothing.
 */
function inputOf(handler: object): AdminInput {
  let input = INPUTS.get(handler);
  if (input === undefined) {
    const declared = adminOperationOf(handler);
    input = { query: new Set((declared?.query ?? []).map((p) => p.name)), body: declared?.body !== undefined };
    INPUTS.set(handler, input);
  }
  return input;
}

function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  if (Buffer.isBuffer(body)) return body.length === 0;
  return typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0;
}

const quoted = (names: readonly string[]) =>
  names
    .slice(0, 5)
    .map((n) => JSON.stringify(n).slice(0, 80))
    .join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');

/**
 * Answers 400, naming the parameter, when the query string of an admin
 * request holds a parameter its route does not take (`foo=1`, a typo such as
 * `hour=6`, `namespace[x]=1`), a parameter given more than once or as a
 * nested value, or when a route that reads no body gets one. Such input was
 * never meant as "use the default": a route that silently ignored it would
 * act on something its caller did not ask for.
 */
export function checkAdminInput(context: ExecutionContext): void {
  const input = inputOf(context.getHandler());
  const request = context.switchToHttp().getRequest<{ query?: unknown; body?: unknown }>();
  const query = (typeof request.query === 'object' && request.query !== null ? request.query : {}) as Record<string, unknown>;
  const keys = Object.keys(query);
  const unknown = keys.filter((k) => !input.query.has(k));
  if (unknown.length > 0) {
    const takes = input.query.size > 0 ? `this endpoint takes ${[...input.query].join(', ')}` : 'this endpoint takes no query parameters';
    throw new BadRequestException(`unknown query parameter${unknown.length > 1 ? 's' : ''} ${quoted(unknown)}: ${takes}`);
  }
  for (const name of keys) {
    const value = query[name];
    if (typeof value !== 'string') {
      throw new BadRequestException(`${name} must be given once, as a plain value (got ${JSON.stringify(value).slice(0, 140)})`);
    }
  }
  if (!input.body && !isEmptyBody(request.body)) {
    const fields = typeof request.body === 'object' && request.body !== null && !Buffer.isBuffer(request.body) ? Object.keys(request.body) : [];
    const got = fields.length > 0 && !Array.isArray(request.body) ? ` (got ${quoted(fields)})` : '';
    const instead = input.query.size > 0 ? `; give ${[...input.query].join(', ')} in the query string` : '';
    throw new BadRequestException(`this endpoint takes no body${got}${instead}`);
  }
}
