import { createHash, timingSafeEqual } from 'node:crypto';

/** Hash first, so the comparison takes the same time whatever the lengths. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * The admin credential check every feature shares: `Authorization: Bearer
 * <admin.token>`, compared in constant time. The admin API's guard, the
 * `/health` details and a `metrics.requireAdmin` scrape all ask it.
 */
export class AdminCredential {
  private readonly expected: Buffer | undefined;

  constructor(token: string | undefined) {
    this.expected = token ? digest(token) : undefined;
  }

  /** True when an admin token is configured. */
  get configured(): boolean {
    return this.expected !== undefined;
  }

  /** Checks a raw Authorization header value against the admin token (false when none is configured). */
  verifyAuthorization(header: string | string[] | undefined): boolean {
    if (!this.expected || typeof header !== 'string') return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]!), this.expected);
  }
}
