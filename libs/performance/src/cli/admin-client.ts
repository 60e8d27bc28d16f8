import { CliError, EXIT } from './cli-error';
import { maskUrl } from '../core/secret-masking';

/** Where the app is and how to authenticate. */
export interface AdminTarget {
  /** The app's base URL, global prefix included: `http://localhost:3000/api/v1`. */
  readonly baseUrl: URL;
  /** The admin bearer token, if any. */
  readonly token: string | undefined;
  /** The admin path below the base URL. */
  readonly adminPath: string;
  /** Per-request timeout, ms. */
  readonly timeoutMs: number;
}

/** An answer of the admin API that the caller chose to inspect rather than fail on. */
export interface AdminResponse {
  readonly status: number;
  readonly body: unknown;
}

/** A failed admin request with its HTTP status (0 when there was no answer). */
export class AdminRequestError extends CliError {
  constructor(
    message: string,
    exitCode: CliError['exitCode'],
    readonly status: number,
    readonly path: string,
  ) {
    super(message, exitCode);
    this.name = 'AdminRequestError';
  }
}

const URL_HINT = "Pass the app's base URL including its global prefix with --url or PERFORMANCE_URL, e.g. --url http://localhost:3000/api/v1";

/**
 * Parses `--url`: http(s) only, no credentials, no query; the trailing slash
 * is dropped so paths join predictably. Errors quote it with secrets masked.
 */
export function parseBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--url ${JSON.stringify(maskUrl(raw))} is not a URL. ${URL_HINT}`, EXIT.USAGE);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`--url must be http:// or https:// (got ${JSON.stringify(maskUrl(raw))}). ${URL_HINT}`, EXIT.USAGE);
  }
  if (url.username || url.password) {
    throw new CliError('--url must not carry credentials; pass the admin token with --token or PERFORMANCE_ADMIN_TOKEN', EXIT.USAGE);
  }
  if (url.search || url.hash) {
    throw new CliError(`--url must not have a query or fragment (got ${JSON.stringify(maskUrl(raw))}). ${URL_HINT}`, EXIT.USAGE);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** The path of a base URL without its trailing slash: `''` for `http://host/`, `/api/v1` for `http://host/api/v1/`. */
export function basePathOf(url: URL): string {
  return url.pathname.replace(/\/+$/, '');
}

/** The app's own message from a Nest error body, if it has one (never an HTML page). */
function serverMessage(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'message' in body) {
    const message = (body as { message: unknown }).message;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.map(String).join('; ');
  }
  if (typeof body === 'string' && body.trim() && !body.includes('<')) return body.trim().slice(0, 300);
  return undefined;
}

/**
 * A small client of the admin `/performance` API that turns every failure into
 * a {@link CliError} naming what went wrong and how to fix it.
 */
export class AdminClient {
  constructor(readonly target: AdminTarget) {}

  /** Full URL of an admin path: `<base>/<adminPath>/<path>`. */
  urlOf(path: string): URL {
    const base = this.target.baseUrl;
    const admin = this.target.adminPath.replace(/^\/+|\/+$/g, '');
    return new URL(`${base.origin}${basePathOf(base)}/${admin}/${path.replace(/^\/+/, '')}`);
  }

  /** GET an admin endpoint; fails on any status but 2xx. */
  async get<T = unknown>(path: string): Promise<T> {
    const response = await this.request('GET', path);
    return this.expectOk(response, 'GET', path) as T;
  }

  /** POST to an admin endpoint; statuses in `accept` are returned instead of failing. */
  async post(path: string, body?: unknown, accept: readonly number[] = []): Promise<AdminResponse> {
    const response = await this.request('POST', path, body);
    if (accept.includes(response.status)) return response;
    return { status: response.status, body: this.expectOk(response, 'POST', path) };
  }

  private async request(method: string, path: string, body?: unknown): Promise<AdminResponse> {
    if (!this.target.token) {
      throw new AdminRequestError(
        "no admin token given. Pass the app's admin token with --token <token> or the PERFORMANCE_ADMIN_TOKEN environment variable (the sample app prints it at start when it generates one)",
        EXIT.AUTH,
        0,
        path,
      );
    }
    const url = this.urlOf(path);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.target.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.target.timeoutMs),
      });
    } catch (error) {
      throw this.connectionError(error, url, path);
    }
    const text = await response.text();
    let parsed: unknown = text;
    if (text && (response.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new AdminRequestError(
          `${method} ${url.href} answered ${response.status} with malformed JSON: is --url the app's base URL?`,
          EXIT.APP_ERROR,
          response.status,
          path,
        );
      }
    }
    return { status: response.status, body: parsed };
  }

  private expectOk(response: AdminResponse, method: string, path: string): unknown {
    const { status, body } = response;
    const href = this.urlOf(path).href;
    const said = serverMessage(body);
    const detail = said ? ` (${said})` : '';
    if (status >= 200 && status < 300) {
      if (typeof body === 'string' && body !== '') {
        throw new AdminRequestError(
          `${method} ${href} answered ${status} but not with JSON: is --url the app's base URL including its global prefix? ${URL_HINT}`,
          EXIT.APP_ERROR,
          status,
          path,
        );
      }
      return body;
    }
    if (status === 401 || status === 403) {
      throw new AdminRequestError(
        `the app refused the admin token (${status}${detail}). Pass the token the app was started with (its PERFORMANCE_ADMIN_TOKEN) with --token or the PERFORMANCE_ADMIN_TOKEN environment variable`,
        EXIT.AUTH,
        status,
        path,
      );
    }
    if (status === 404) {
      throw new AdminRequestError(
        `${method} ${href} answered 404${detail}: no such admin endpoint there. Check that --url is the app's base URL including its global prefix (e.g. http://localhost:3000/api/v1), that --admin-path matches the app's adminPath (default "performance"), and that the app has an admin token configured (without one the admin API is not mounted)`,
        EXIT.UNREACHABLE,
        status,
        path,
      );
    }
    if (status === 400) {
      throw new AdminRequestError(`${method} ${href} rejected the input (400)${detail}`, EXIT.USAGE, status, path);
    }
    if (status >= 300 && status < 400) {
      throw new AdminRequestError(
        `${method} ${href} redirected (${status}) to ${JSON.stringify(said ?? '')}: use the final URL in --url`,
        EXIT.UNREACHABLE,
        status,
        path,
      );
    }
    throw new AdminRequestError(`${method} ${href} failed with ${status}${detail}: see the app's logs`, EXIT.APP_ERROR, status, path);
  }

  private connectionError(error: unknown, url: URL, path: string): AdminRequestError {
    const cause = (error as { cause?: { code?: string } }).cause;
    const code = cause?.code ?? (error as { name?: string }).name;
    const where = `${url.origin}`;
    const fix = `Is the app running? ${URL_HINT}`;
    switch (code) {
      case 'ECONNREFUSED':
        return new AdminRequestError(`cannot connect to ${where}: connection refused. ${fix}`, EXIT.UNREACHABLE, 0, path);
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new AdminRequestError(`cannot connect to ${where}: host ${url.hostname} not found. ${URL_HINT}`, EXIT.UNREACHABLE, 0, path);
      case 'TimeoutError':
      case 'UND_ERR_HEADERS_TIMEOUT':
        return new AdminRequestError(
          `no answer from ${url.href} within ${this.target.timeoutMs / 1000} s. Is the app overloaded or is --url pointing elsewhere? Raise --timeout if the app is just slow`,
          EXIT.UNREACHABLE,
          0,
          path,
        );
      default:
        return new AdminRequestError(
          `cannot reach ${url.href}: ${cause?.code ?? (error instanceof Error ? error.message : String(error))}. ${fix}`,
          EXIT.UNREACHABLE,
          0,
          path,
        );
    }
  }
}
