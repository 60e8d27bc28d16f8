/** A route pattern `[METHOD ]/path/*` read once, for the SLO counting and for the Prometheus rules exported from it. */
export interface RoutePattern {
  /** The HTTP method, or null for any (no method, or `*`). */
  readonly method: string | null;
  /**
   * A regular expression over the route template, to be matched whole: `*`
   * is any characters, a trailing `/*` also matches the bare path
   * (`/documents/*` covers `/documents`). The syntax is common to JavaScript
   * and RE2, so Prometheus's `=~` reads it as the module does.
   */
  readonly source: string;
}

/** Reads a route pattern `[METHOD ]/path/*`. */
export function parseRoutePattern(pattern: string): RoutePattern {
  const space = pattern.indexOf(' ');
  const method = space === -1 ? null : pattern.slice(0, space);
  let path = space === -1 ? pattern : pattern.slice(space + 1);
  let tail = '';
  if (path.length > 1 && path.endsWith('/*')) {
    path = path.slice(0, -2);
    tail = '(?:/.*)?';
  }
  const body = path
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return { method: method === '*' ? null : method, source: body + tail };
}
