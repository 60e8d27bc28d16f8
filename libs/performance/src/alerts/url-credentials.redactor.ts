/**
 * `scheme://` then the user-info part of a URL authority, up to its last `@`
 * (a password with a raw `@` in it still counts as user info).
 */
const USER_INFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*(?:@[^\s/?#@]*)*@/gi;

/**
 * `text` with the user name and password of every URL in it replaced by
 * `***` (`redis://:secret@cache:6379` becomes `redis://***@cache:6379`).
 * Health details, health messages and alerts go through it, since a driver's
 * error message may quote the URL it was given.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(USER_INFO, '$1***@');
}
