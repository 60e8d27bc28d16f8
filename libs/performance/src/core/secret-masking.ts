/**
 * Masking of secrets in anything the library writes into an error or a log
 * line: configuration values, URLs and the messages of failures that may
 * quote them. One place decides what looks secret, so every message agrees.
 */

/** What a masked secret is shown as. */
export const SECRET_MASK = '***';

/** Words that make a name secret wherever they appear in it (`authToken`, `smtp_password`, `X-Api-Key`...). */
const SECRET_WORDS = new Set([
  'token',
  'tokens',
  'password',
  'passwd',
  'pwd',
  'pass',
  'passphrase',
  'secret',
  'secrets',
  'credential',
  'credentials',
  'auth',
  'oauth',
  'authorization',
  'apikey',
  'cookie',
  'jwt',
  'bearer',
  'signature',
  'sig',
]);

/** Words that make a name secret as its last word only: `apiKey`, `privateKey`, but not `keyPrefix`. */
const SECRET_LAST_WORDS = new Set(['key', 'keys']);

/**
 * True when a name (an option, a query parameter, a header, an environment
 * variable) suggests it holds a secret: it has a word such as token,
 * password, pass, secret, auth or credentials, or ends in key.
 *
 * @example isSecretName('admin.token') // true
 * @example isSecretName('ALERT_SMTP_PASSWORD') // true
 * @example isSecretName('keyPrefix') // false
 */
export function isSecretName(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  const last = words[words.length - 1];
  return last !== undefined && SECRET_LAST_WORDS.has(last);
}

/** A path segment that reads as a generated token (Slack and Discord webhook URLs carry their secret in the path). */
const TOKEN_SEGMENT = /^(?=[^/]*\d)(?=[^/]*[A-Za-z])[A-Za-z0-9._~%+=-]{16,}$/;

/** scheme, user info (up to the authority's last `@`), host, path, query, fragment. */
const URL_PARTS = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?([^/?#]*)([^?#]*)(\?[^#]*)?(#[\s\S]*)?$/;

/** `a=1&token=x` with the values of secret-looking names masked, the rest left exactly as written. */
function maskParams(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name.replaceAll('+', ' '));
      } catch {
        // Malformed escapes: judge the name as written.
      }
      return isSecretName(name) ? `${pair.slice(0, eq)}=${SECRET_MASK}` : pair;
    })
    .join('&');
}

/**
 * A URL fit for an error or a log line: its password masked (a user name
 * alone, often a token, masked too), secret-looking query and fragment
 * parameters masked (`?token=***`), and path segments that read as
 * generated tokens masked; everything else is left exactly as written.
 * Text without a `scheme://` still loses anything between `//` and `@`.
 *
 * @example maskUrl('redis://user:hunter2@cache:6379/0') // 'redis://user:***@cache:6379/0'
 * @example maskUrl('https://hooks.example.com/in?token=abc&team=ops') // 'https://hooks.example.com/in?token=***&team=ops'
 */
export function maskUrl(raw: string): string {
  const parts = URL_PARTS.exec(raw);
  if (!parts) return raw.replace(/\/\/[^/@\n]*@/g, `//${SECRET_MASK}@`);
  const [, scheme, userInfo, host, path, query, fragment] = parts as unknown as [string, string, string | undefined, string, string, string?, string?];
  // Rewritten piece by piece rather than through URL.href, so the rest reads exactly as configured.
  let out = scheme;
  if (userInfo) {
    const colon = userInfo.indexOf(':');
    out += `${colon < 0 ? SECRET_MASK : `${userInfo.slice(0, colon)}:${SECRET_MASK}`}@`;
  } else if (userInfo === '') {
    out += '@';
  }
  out +=
    host +
    path
      .split('/')
      .map((segment) => (TOKEN_SEGMENT.test(segment) ? SECRET_MASK : segment))
      .join('/');
  if (query !== undefined) out += `?${maskParams(query.slice(1))}`;
  if (fragment !== undefined) {
    const text = fragment.slice(1);
    out += `#${text.includes('=') ? maskParams(text) : TOKEN_SEGMENT.test(text) ? SECRET_MASK : text}`;
  }
  return out;
}

/** Anything shaped `scheme://...` in free text, up to a space, a quote or a bracket. */
const URL_IN_TEXT = /\b[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'`<>()[\]{}]+/g;
/** `name=value` pairs in free text (query strings, connection strings, `key=value` logs). */
const PAIR_IN_TEXT = /\b([A-Za-z][A-Za-z0-9_.-]*)=([^\s&;,"'`]+)/g;
/** Credentials of the standard HTTP authentication schemes. */
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|Token|Digest)\s+[A-Za-z0-9._~+/=-]{4,}/gi;

/**
 * Free text (an error message, a log line) with every URL passed through
 * {@link maskUrl}, the values of secret-looking `name=value` pairs and of
 * `Bearer`/`Basic` credentials masked, and each of `secrets` (and its
 * URL-encoded form) replaced wherever it appears. Secrets shorter than 4
 * characters are not searched for, as they would mask ordinary words.
 *
 * @example maskSecretsInText('connect to redis://:pw@cache:6379 failed') // 'connect to redis://:***@cache:6379 failed'
 */
export function maskSecretsInText(text: string, secrets: readonly (string | undefined | null)[] = []): string {
  let out = text.replace(URL_IN_TEXT, (match) => {
    // Sentence punctuation after a URL is not part of it.
    const trailing = /[.,;:!?]+$/.exec(match)?.[0] ?? '';
    return maskUrl(match.slice(0, match.length - trailing.length)) + trailing;
  });
  out = out.replace(PAIR_IN_TEXT, (match, name: string) => (isSecretName(name) ? `${name}=${SECRET_MASK}` : match));
  out = out.replace(SCHEME_CREDENTIAL, (_match, scheme: string) => `${scheme} ${SECRET_MASK}`);
  for (const secret of secrets) {
    if (!secret || secret.length < 4) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.replaceAll(form, SECRET_MASK);
  }
  return out;
}

/**
 * An error fit for logs and health: `error` itself when its message (and its
 * cause's) quote no secret, else a new error of the same name and code with
 * URLs and each of `secrets` masked (and no cause). Clients of HTTP, SMTP
 * and Redis may quote the URL they were given in their errors.
 */
export function maskErrorSecrets(error: unknown, secrets: readonly (string | undefined | null)[] = []): Error {
  const err = error instanceof Error ? error : new Error(String(error));
  const message = maskSecretsInText(err.message, secrets);
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  if (message === err.message && (cause === undefined || maskSecretsInText(cause, secrets) === cause)) return err;
  const masked = new Error(message);
  masked.name = err.name;
  const code = (err as { code?: unknown }).code;
  return code === undefined ? masked : Object.assign(masked, { code });
}

/**
 * The secrets a URL carries (its password or lone user name, and the values
 * of its secret-looking parameters), to pass to {@link maskSecretsInText}
 * when a message may quote them outside the URL.
 */
export function secretsOfUrl(raw: string | undefined): string[] {
  if (!raw) return [];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return [];
  }
  const found = [url.password || url.username].map((s) => decodeURIComponentSafe(s));
  for (const [name, value] of url.searchParams) if (isSecretName(name)) found.push(value);
  for (const segment of url.pathname.split('/')) if (TOKEN_SEGMENT.test(segment)) found.push(segment);
  return found.filter(Boolean);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A copy of a configuration value fit for an error or a log line: the value
 * of every key whose name suggests a secret is replaced by `***`, and every
 * string goes through {@link maskSecretsInText}. `name` is the key the value
 * sits under, when it has one. Plain objects and arrays are walked; any other
 * object (a class instance, which may hold a client and its credentials) is
 * shown as its class name only, `[RedisCacheStore]`.
 *
 * @example maskSecrets({ smtpUrl: 'smtp://me:pw@mail', pass: 'pw' }) // { smtpUrl: 'smtp://me:***@mail', pass: '***' }
 */
export function maskSecrets(value: unknown, name?: string): unknown {
  return mask(value, name, new WeakSet());
}

function mask(value: unknown, name: string | undefined, seen: WeakSet<object>): unknown {
  if (value === undefined || value === null) return value;
  if (name !== undefined && isSecretName(name)) return SECRET_MASK;
  if (typeof value === 'string') return maskSecretsInText(value);
  if (typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => mask(item, undefined, seen));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return `[${(value as object).constructor?.name || 'object'}]`;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mask(item, key, seen)]));
}
