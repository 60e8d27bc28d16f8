import { basePathOf } from '../admin-client';
import { CliError, EXIT } from '../cli-error';
import type { LoadTestEndpoint } from '../../core/schemas/load-test-run';

/** Bounds of a load run: no run is unbounded in time or in request count. */
export const LOAD_LIMITS = {
  maxConnections: 1000,
  maxDurationSeconds: 600,
  maxAmount: 1_000_000,
  maxEndpoints: 100,
} as const;

/** HTTP methods the load command sends. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Headers that would send the load somewhere else or break HTTP framing. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/**
 * Resolves an `--endpoint` against the base URL and refuses anything that
 * leaves it: `/hello` and `hello` are paths below the base URL; an absolute
 * URL is accepted only on the base URL's own origin and below its path.
 * Returns the path relative to the base URL (query included).
 */
export function resolveEndpoint(base: URL, raw: string, method: string): LoadTestEndpoint {
  const upper = method.toUpperCase();
  if (!METHODS.has(upper)) {
    throw new CliError(`--method must be one of ${[...METHODS].join(', ')} (got ${JSON.stringify(method)})`, EXIT.USAGE);
  }
  let target: URL;
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) {
    try {
      target = new URL(raw, base);
    } catch {
      throw new CliError(`--endpoint ${JSON.stringify(raw)} is not a URL or a path`, EXIT.USAGE);
    }
    if (target.origin !== base.origin) {
      throw new CliError(
        `refusing to send load to ${target.origin}: the load command only targets the host of --url (${base.origin}). Pass a path below --url, e.g. --endpoint /hello`,
        EXIT.USAGE,
      );
    }
  } else {
    target = new URL(`${base.origin}${basePathOf(base)}/${raw.replace(/^\/+/, '')}`);
  }
  if (target.username || target.password) throw new CliError('--endpoint must not carry credentials; use --header', EXIT.USAGE);
  const basePath = basePathOf(base);
  if (target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`)) {
    throw new CliError(`refusing --endpoint ${JSON.stringify(raw)}: it leaves --url's path ${basePath || '/'}`, EXIT.USAGE);
  }
  return { method: upper, path: `${target.pathname.slice(basePath.length) || '/'}${target.search}` };
}

/** Parses `--header "name: value"` flags; refuses headers that would redirect the load. */
export function parseHeaders(raw: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const entry of raw) {
    const colon = entry.indexOf(':');
    const name = colon > 0 ? entry.slice(0, colon).trim().toLowerCase() : '';
    if (!/^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) {
      throw new CliError(`--header must be "name: value" (got ${JSON.stringify(entry)})`, EXIT.USAGE);
    }
    if (FORBIDDEN_HEADERS.has(name)) {
      throw new CliError(`--header ${name} is not allowed: the load command sets it itself and only targets --url`, EXIT.USAGE);
    }
    headers[name] = entry.slice(colon + 1).trim();
  }
  return headers;
}
