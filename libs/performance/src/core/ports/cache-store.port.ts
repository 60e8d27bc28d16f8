/**
 * One stored response: what a HIT replays, byte for byte.
 *
 * Times are epoch milliseconds (`Date.now()`), so entries written by one
 * instance are read correctly by another through a shared store.
 */
export interface CacheEntry {
  /** HTTP status the response was sent with (200 unless `cache.statuses` allows others). */
  readonly status: number;
  /** The `Content-Type` header it was sent with. */
  readonly contentType: string;
  /** The body bytes exactly as they were sent. */
  readonly body: Buffer;
  /** Strong entity tag of `body` (quoted), sent as `ETag` and compared with `If-None-Match`. */
  readonly etag: string;
  /** When the response was produced (epoch ms); `Age` counts from here. */
  readonly storedAt: number;
  /** Until when the entry is fresh (epoch ms): a lookup before it is a HIT. */
  readonly expiresAt: number;
  /**
   * Until when the entry may be served as `STALE` while one refresh runs
   * (epoch ms); equal to `expiresAt` without stale-while-revalidate. Stores
   * drop the entry at this time.
   */
  readonly staleUntil: number;
}

/** What to remove from a store: one key, a namespace, keys matching a glob, or everything. */
export type CacheInvalidation = { readonly namespace: string } | { readonly key: string } | { readonly pattern: string } | { readonly all: true };

/** Whether a store answers, as health checks and `cache-stats` show it. */
export interface CacheStoreHealth {
  /** `memory`, `redis`, `two-tier`, or the name a custom store gives. */
  readonly store: string;
  /** `up` while the store answers; `down` after a failure, until it answers again. */
  readonly status: 'up' | 'down';
  /** The last failure's message, while down. */
  readonly lastError?: string;
  /** When the status last changed (epoch ms). */
  readonly since: number;
}

/** Size and churn of a store, for `cache-stats`. Unknown values are null (a shared store's totals). */
export interface CacheStoreUsage {
  /** Entries held (this instance's tier for a two-tier store). */
  readonly entries: number | null;
  /** Bytes held, counting bodies, keys and per-entry overhead. */
  readonly bytes: number | null;
  /** Entries dropped to stay within the bounds, since start. */
  readonly evictions: number;
  /** Bound on entries, when the store has one. */
  readonly maxEntries: number | null;
  /** Bound on bytes, when the store has one. */
  readonly maxBytes: number | null;
}

/**
 * Where the response cache keeps entries. The memory store is the default;
 * `cache.store: 'redis' | 'two-tier'` chooses the built-in shared ones, and
 * an app may pass its own implementation in `cache.store`.
 *
 * Reads may answer synchronously (a memory store does, so a HIT allocates no
 * promise) or with a promise. A store that fails throws or rejects: the
 * response cache then answers `X-Cache: BYPASS` and runs the handler.
 * Keys are `<namespace>:<path>[?<query>]#<digest>` (response cache) and
 * `<namespace>:@<Class.method>(<arguments>)` (method cache): a namespace's
 * keys all start with `<namespace>:`.
 *
 * @example
 * PerformanceModule.forRoot({ cache: { store: new MyCacheStore() } })
 */
export interface CacheStore {
  /** A name for health and stats: `memory`, `redis`, `two-tier`, ... */
  readonly name: string;
  /** The entry under `key`, or undefined. May return an entry past `staleUntil`; callers check times. */
  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined>;
  /**
   * The entry under `key` if this instance holds it in memory, answered at
   * once and without asking a shared tier; undefined otherwise (or when the
   * store cannot vouch for its copy). Optional: early cache HITs use it.
   */
  peek?(key: string): CacheEntry | undefined;
  /** Stores `entry` under `key` until `entry.staleUntil`. */
  set(key: string, entry: CacheEntry): void | Promise<void>;
  /** Removes what `target` names; resolves with how many entries went (null when unknown). */
  invalidate(target: CacheInvalidation): Promise<number | null>;
  /** Whether the store answers now. */
  health(): CacheStoreHealth;
  /** Size and churn. */
  usage(): CacheStoreUsage;
  /** Asks the store itself (a Redis PING); rejects when it does not answer. Honours `signal`. */
  ping(signal: AbortSignal): Promise<Readonly<Record<string, unknown>>>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Injection token of the {@link CacheStore} the response cache uses. */
export const CacheStore = Symbol('CacheStore');

/** Translates a key glob (`*`, `?`) into a RegExp; everything else matches literally. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** Whether `key` is removed by `target` (for stores that filter their own keys). */
export function invalidationMatcher(target: CacheInvalidation): (key: string) => boolean {
  if ('all' in target) return () => true;
  if ('key' in target) return (key) => key === target.key;
  if ('namespace' in target) {
    const prefix = `${target.namespace}:`;
    return (key) => key.startsWith(prefix);
  }
  const re = globToRegExp(target.pattern);
  return (key) => re.test(key);
}
