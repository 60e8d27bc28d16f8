import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheEntry } from '../../core/ports/cache-store.port';

/**
 * What the cache interceptor hands back to Nest instead of the handler's
 * value: a stored entry, written as bytes by the adapter's `reply`, which
 * {@link installCachedReplies} teaches to recognise it. Nothing is
 * serialized again.
 */
export class CachedReply {
  constructor(
    /** The entry to write. */
    readonly entry: CacheEntry,
    /** Seconds for the `Age` header (HIT and STALE), undefined for a fresh response. */
    readonly age: number | undefined,
  ) {}
}

interface FastifyReplyLike {
  readonly raw: ServerResponse;
  readonly request: { readonly raw: IncomingMessage };
  code(status: number): FastifyReplyLike;
  header(name: string, value: string | number): FastifyReplyLike;
  send(payload?: Buffer): unknown;
}

type ExpressResponseLike = ServerResponse & { readonly req: IncomingMessage };

/** RFC 9110 §13.1.2: If-None-Match uses the weak comparison; `*` matches any current entity. */
export function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return true;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const part of value.split(',')) {
    const tag = part.trim();
    if ((tag.startsWith('W/') ? tag.slice(2) : tag) === bare) return true;
  }
  return false;
}

/** Writes `reply` on an Express response or a Fastify reply. */
export function writeCachedReply(response: unknown, reply: CachedReply): unknown {
  const { entry, age } = reply;
  const fastify = response as FastifyReplyLike;
  if (typeof fastify.code === 'function' && fastify.raw !== undefined) {
    const notModified = etagMatches(fastify.request.raw.headers['if-none-match'], entry.etag);
    fastify.code(notModified ? 304 : entry.status).header('etag', entry.etag);
    if (age !== undefined) fastify.header('age', age);
    if (notModified) return fastify.send();
    return fastify.header('content-type', entry.contentType).send(entry.body);
  }
  const res = response as ExpressResponseLike;
  if (res.headersSent) return res;
  const notModified = etagMatches(res.req?.headers['if-none-match'], entry.etag);
  res.statusCode = notModified ? 304 : entry.status;
  res.setHeader('ETag', entry.etag);
  if (age !== undefined) res.setHeader('Age', String(age));
  if (notModified) {
    res.removeHeader('Content-Type');
    res.end();
    return res;
  }
  res.setHeader('Content-Type', entry.contentType);
  res.setHeader('Content-Length', entry.body.length);
  res.end(entry.body);
  return res;
}

const INSTALLED = Symbol.for('nestjs-performance.cached-reply');

interface ReplyingAdapter {
  reply(response: unknown, body: unknown, statusCode?: number): unknown;
  [INSTALLED]?: true;
}

/**
 * Teaches the HTTP adapter's `reply()` to write a {@link CachedReply} as
 * bytes. Express's `reply()` would JSON-encode a Buffer and Fastify's would
 * reset the status; wrapping the adapter instance once at start-up costs one
 * `instanceof` per response. Returns false when the adapter has no `reply()`
 * (then the cache stays out of the way).
 */
export function installCachedReplies(adapter: unknown): boolean {
  const target = adapter as ReplyingAdapter | undefined;
  if (!target || typeof target.reply !== 'function') return false;
  if (target[INSTALLED]) return true;
  const original = target.reply;
  target.reply = function replyWithCachedBytes(this: unknown, response: unknown, body: unknown, statusCode?: number) {
    if (body instanceof CachedReply) return writeCachedReply(response, body);
    return original.call(this, response, body, statusCode);
  };
  target[INSTALLED] = true;
  return true;
}
