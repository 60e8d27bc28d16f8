import { randomUUID } from 'node:crypto';

/** What an incoming X-Request-ID must look like to be kept. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id for a request: the incoming `X-Request-ID` when it matches
 * {@link REQUEST_ID_PATTERN}, else a new UUID. A value that fails the
 * pattern is never echoed, so it cannot inject headers or log lines.
 */
export function resolveRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
}
