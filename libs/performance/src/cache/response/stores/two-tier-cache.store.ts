import { randomUUID } from 'node:crypto';
import type { CacheEntry, CacheInvalidation, CacheStore, CacheStoreHealth, CacheStoreUsage } from '../../../core/ports/cache-store.port';
import type { MemoryCacheStore } from './memory-cache.store';
import type { RedisCacheStore, RedisClientLike } from './redis-cache.store';

/** The error a two-tier read raises while Redis is away: the request bypasses. */
export class CacheStoreUnavailableError extends Error {
  constructor(detail: string) {
    super(`the shared cache tier is unavailable: ${detail}`);
    this.name = 'CacheStoreUnavailableError';
  }
}

interface InvalidationMessage {
  /** Origin: the store instance that published it. */
  readonly o: string;
  readonly t: CacheInvalidation;
}

/**
 * A memory L1 in front of a Redis L2. Every invalidation is applied to both
 * tiers and broadcast on `<keyPrefix>__invalidate` so every other instance
 * drops it from its L1 too.
 *
 * While Redis is away this store refuses reads (requests bypass) instead of
 * serving L1 alone: an invalidation another instance published meanwhile
 * would be missed. When a connection comes back, L1 is emptied for the same
 * reason.
 */
export class TwoTierCacheStore implements CacheStore {
  readonly name = 'two-tier';
  private readonly origin = randomUUID();
  private readonly channel: string;
  private readonly subscriber: RedisClientLike;
  private subscriberReady = false;
  private readyOnce = { main: false, subscriber: false };

  constructor(
    private readonly l1: MemoryCacheStore,
    private readonly l2: RedisCacheStore,
    keyPrefix: string,
  ) {
    this.channel = `${keyPrefix}__invalidate`;
    this.subscriber = l2.client.duplicate();
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('close', () => (this.subscriberReady = false));
    this.subscriber.on('ready', () => {
      // ioredis re-subscribes by itself after a reconnect; the first subscribe is ours.
      if (!this.readyOnce.subscriber) {
        this.readyOnce.subscriber = true;
        this.subscriber.subscribe(this.channel).then(
          () => (this.subscriberReady = true),
          () => undefined,
        );
      } else {
        this.subscriberReady = true;
        this.l1.invalidateNow({ all: true });
      }
    });
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.onMessage(message);
    });
    l2.client.on('ready', () => {
      if (this.readyOnce.main) this.l1.invalidateNow({ all: true });
      this.readyOnce.main = true;
    });
  }

  /** The memory tier's entry, while the shared tier and its invalidation channel are up (else its copy may be stale). */
  peek(key: string): CacheEntry | undefined {
    return this.l2.up && this.subscriberReady ? this.l1.get(key) : undefined;
  }

  get(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    if (!this.l2.up || !this.subscriberReady) {
      throw new CacheStoreUnavailableError(this.health().lastError ?? 'not connected');
    }
    const local = this.l1.get(key);
    if (local !== undefined) return local;
    return this.l2.get(key).then((entry) => {
      if (entry !== undefined) this.l1.set(key, entry);
      return entry;
    });
  }

  async set(key: string, entry: CacheEntry): Promise<void> {
    this.l1.set(key, entry);
    await this.l2.set(key, entry);
  }

  async invalidate(target: CacheInvalidation): Promise<number | null> {
    const local = this.l1.invalidateNow(target);
    const shared = await this.l2.invalidate(target);
    const message: InvalidationMessage = { o: this.origin, t: target };
    await this.l2.client.publish(this.channel, JSON.stringify(message));
    return Math.max(local, shared);
  }

  health(): CacheStoreHealth {
    const main = this.l2.health();
    if (main.status === 'up' && !this.subscriberReady) {
      return { store: this.name, status: 'down', lastError: 'invalidation subscriber not connected', since: main.since };
    }
    return { ...main, store: this.name };
  }

  usage(): CacheStoreUsage {
    return this.l1.usage();
  }

  async ping(signal: AbortSignal): Promise<Readonly<Record<string, unknown>>> {
    return { ...(await this.l2.ping(signal)), store: this.name, subscriber: this.subscriberReady ? 'up' : 'down' };
  }

  async close(): Promise<void> {
    try {
      await this.subscriber.quit();
    } catch {
      this.subscriber.disconnect();
    }
    await this.l2.close();
    await this.l1.close();
  }

  private onMessage(raw: string): void {
    try {
      const message = JSON.parse(raw) as InvalidationMessage;
      if (message.o !== this.origin && message.t && typeof message.t === 'object') this.l1.invalidateNow(message.t);
    } catch {
      // A foreign message on our channel: nothing to apply.
    }
  }
}
