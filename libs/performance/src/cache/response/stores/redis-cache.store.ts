import { requireOptional } from '../../../core/performance-errors';
import { maskSecretsInText, secretsOfUrl } from '../../../core/secret-masking';
import type { CacheEntry, CacheInvalidation, CacheStore, CacheStoreHealth, CacheStoreUsage } from '../../../core/ports/cache-store.port';

/** Connection settings of a {@link RedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /** `redis://[user:pass@]host:port[/db]`. */
  url: string;
  /** Prepended to every key and channel, so apps (and test runs) sharing a Redis never collide. */
  keyPrefix: string;
  /** A command that takes longer fails (ms), and the request bypasses the cache. */
  commandTimeoutMs: number;
}

/** The part of an ioredis client this store uses (typed here so ioredis stays an optional dependency). */
export interface RedisClientLike {
  readonly status: string;
  getBuffer(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer, px: 'PX', ms: number): Promise<unknown>;
  unlink(...keys: string[]): Promise<number>;
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
  ping(): Promise<string>;
  publish(channel: string, message: string): Promise<number>;
  subscribe(channel: string): Promise<unknown>;
  duplicate(): RedisClientLike;
  on(event: string, listener: (...args: never[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisClientLike;

/** Loads ioredis only when a Redis store is chosen. */
export function loadRedis(): RedisConstructor {
  const mod = requireOptional<{ Redis?: RedisConstructor; default?: RedisConstructor }>(
    'ioredis',
    'the Redis cache store',
    "cache.store: 'memory' (or leave cache.redis.url and REDIS_URL unset)",
  );
  return mod.Redis ?? mod.default ?? (mod as unknown as RedisConstructor);
}

/** Creates an ioredis client that fails fast while Redis is away and reconnects by itself. */
export function createRedisClient(options: RedisCacheStoreOptions): RedisClientLike {
  const Redis = loadRedis();
  return new Redis(options.url, {
    // Requests never queue behind a dead connection: a command fails at once and the request bypasses.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: Math.max(1000, options.commandTimeoutMs),
    // Reconnects forever, backing off to 2 s: the cache recovers by itself when Redis returns.
    retryStrategy: (times: number) => Math.min(times * 100, 2000),
    lazyConnect: false,
  });
}

/** Escapes Redis glob specials so `text` matches only itself. */
export function escapeRedisGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** A user key glob (`*`, `?` wildcards, everything else literal) as a Redis MATCH pattern. */
function userGlobToRedis(glob: string): string {
  return glob.replace(/[[\]\\]/g, '\\$&');
}

const HEADER_BYTES = 4;

/** Encodes an entry as `<uint32 header length><header JSON><body>`. */
export function encodeEntry(entry: CacheEntry): Buffer {
  const header = Buffer.from(JSON.stringify([entry.status, entry.contentType, entry.etag, entry.storedAt, entry.expiresAt, entry.staleUntil]));
  const out = Buffer.allocUnsafe(HEADER_BYTES + header.length + entry.body.length);
  out.writeUInt32BE(header.length, 0);
  header.copy(out, HEADER_BYTES);
  entry.body.copy(out, HEADER_BYTES + header.length);
  return out;
}

/** Decodes {@link encodeEntry}'s format; undefined for anything else. */
export function decodeEntry(raw: Buffer): CacheEntry | undefined {
  if (raw.length < HEADER_BYTES) return undefined;
  const length = raw.readUInt32BE(0);
  if (HEADER_BYTES + length > raw.length) return undefined;
  try {
    const [status, contentType, etag, storedAt, expiresAt, staleUntil] = JSON.parse(raw.toString('utf8', HEADER_BYTES, HEADER_BYTES + length)) as [
      number,
      string,
      string,
      number,
      number,
      number,
    ];
    return { status, contentType, etag, storedAt, expiresAt, staleUntil, body: raw.subarray(HEADER_BYTES + length) };
  } catch {
    return undefined;
  }
}

/**
 * Entries in Redis (ioredis, loaded only when this store is chosen), shared
 * by every instance. Keys are `<keyPrefix><cache key>`, expiring by Redis
 * `PX` at the entry's `staleUntil`. Namespace and pattern invalidation use
 * `SCAN` + `UNLINK`, never `KEYS`.
 */
export class RedisCacheStore implements CacheStore {
  readonly name: string = 'redis';
  /** @internal */
  readonly client: RedisClientLike;
  private state: CacheStoreHealth;

  constructor(
    private readonly options: RedisCacheStoreOptions,
    client?: RedisClientLike,
  ) {
    this.state = { store: this.name, status: 'down', lastError: 'connecting', since: Date.now() };
    this.client = client ?? createRedisClient(options);
    this.client.on('ready', () => this.mark('up'));
    // Health shows the reason: a client error may quote the URL, so its password is masked.
    const secrets = secretsOfUrl(options.url);
    this.client.on('error', (error: Error) => this.mark('down', maskSecretsInText(error.message || String(error), secrets)));
    this.client.on('close', () => this.mark('down', 'connection closed'));
    this.client.on('end', () => this.mark('down', 'connection ended'));
  }

  /** True while the connection is ready. */
  get up(): boolean {
    return this.client.status === 'ready';
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const raw = await this.client.getBuffer(this.options.keyPrefix + key);
    return raw === null ? undefined : decodeEntry(raw);
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    const ttl = entry.staleUntil - Date.now();
    if (ttl <= 0) return;
    await this.client.set(this.options.keyPrefix + key, encodeEntry(entry), 'PX', Math.ceil(ttl));
  }

  async invalidate(target: CacheInvalidation): Promise<number> {
    const prefix = this.options.keyPrefix;
    if ('key' in target) return this.client.unlink(prefix + target.key);
    const match =
      'all' in target
        ? `${escapeRedisGlob(prefix)}*`
        : 'namespace' in target
          ? `${escapeRedisGlob(prefix)}${escapeRedisGlob(target.namespace)}:*`
          : `${escapeRedisGlob(prefix)}${userGlobToRedis(target.pattern)}`;
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', match, 'COUNT', 500);
      cursor = next;
      if (keys.length) removed += await this.client.unlink(...keys);
    } while (cursor !== '0');
    return removed;
  }

  health(): CacheStoreHealth {
    return this.state;
  }

  usage(): CacheStoreUsage {
    return { entries: null, bytes: null, evictions: 0, maxEntries: null, maxBytes: null };
  }

  async ping(signal: AbortSignal): Promise<Readonly<Record<string, unknown>>> {
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new Error('Redis did not answer PING in time'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.client.ping().then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        (error: Error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
    return { store: this.name, pingMs: Date.now() - started };
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }

  /** @internal Records a change of connection state (the two-tier store adds its own). */
  protected mark(status: 'up' | 'down', lastError?: string): void {
    if (status === this.state.status && (status === 'up' || lastError === this.state.lastError)) return;
    this.state =
      status === 'up'
        ? { store: this.name, status, since: status === this.state.status ? this.state.since : Date.now() }
        : { store: this.name, status, lastError, since: status === this.state.status ? this.state.since : Date.now() };
  }
}
