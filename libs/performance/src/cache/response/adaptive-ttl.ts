import type { CacheEntry } from '../../core/ports/cache-store.port';

/** The `cache.adaptiveTtl` options after validation. */
export interface AdaptiveTtlSettings {
  readonly enabled: boolean;
  readonly maxSeconds: number;
  readonly minHits: number;
  readonly factor: number;
}

/** What `cache-stats` shows of the adaptive TTL. */
export interface AdaptiveTtlView {
  readonly enabled: boolean;
  readonly maxSeconds: number;
  readonly minHits: number;
  readonly factor: number;
  /** Entries stored with a lengthened TTL since start. */
  readonly lengthened: number;
  /** Keys whose latest entry was stored with a lengthened TTL, longest first (at most 20). */
  readonly keys: readonly { readonly key: string; readonly ttlSeconds: number; readonly baseTtlSeconds: number; readonly hitsInLastTtl: number }[];
}

interface KeyState {
  /** Hits since the key's latest entry was stored. */
  hits: number;
  /** The TTL (s) its latest entry was stored with, and the route's own. */
  ttl: number;
  base: number;
  /** Hits of the lifetime that decided `ttl`. */
  decidedBy: number;
}

/**
 * Lengthens the TTL of hot keys: an entry whose key was hit `minHits` times
 * or more during the lifetime of its previous entry is stored with that
 * lifetime times `factor`, at most `maxSeconds`; a key that cooled down goes
 * back to its route's own TTL. Never shorter than the route's TTL, never
 * longer than `maxSeconds`, never for per-user entries (`@CacheUserKey`),
 * whose data may change with the user's rights. One small record per key,
 * at most as many keys as the cache holds (`cache.maxSize`), least recently
 * stored forgotten first.
 */
export class AdaptiveTtl {
  private readonly keys = new Map<string, KeyState>();
  private lengthenedCount = 0;

  constructor(
    private readonly settings: AdaptiveTtlSettings,
    private readonly maxKeys: number,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** A HIT or STALE answer from the entry under `key`. */
  hit(key: string): void {
    if (!this.settings.enabled) return;
    const state = this.keys.get(key);
    if (state !== undefined) state.hits++;
  }

  /**
   * The entry to store under `key`: `entry` as built with the route's TTL,
   * or a copy fresh for longer when the key is hot.
   */
  adapt(key: string, entry: CacheEntry, perUser: boolean): CacheEntry {
    if (!this.settings.enabled || perUser) return entry;
    const base = (entry.expiresAt - entry.storedAt) / 1000;
    const previous = this.keys.get(key);
    let ttl = base;
    if (previous !== undefined && previous.hits >= this.settings.minHits && base < this.settings.maxSeconds) {
      ttl = Math.min(Math.max(previous.ttl, base) * this.settings.factor, this.settings.maxSeconds);
    }
    if (previous !== undefined) this.keys.delete(key);
    else if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(key, { hits: 0, ttl, base, decidedBy: previous?.hits ?? 0 });
    if (ttl === base) return entry;
    this.lengthenedCount++;
    const extra = (ttl - base) * 1000;
    return { ...entry, expiresAt: entry.expiresAt + extra, staleUntil: entry.staleUntil + extra };
  }

  view(): AdaptiveTtlView {
    const lengthened = [...this.keys]
      .filter(([, s]) => s.ttl > s.base)
      .sort((a, b) => b[1].ttl - a[1].ttl)
      .slice(0, 20)
      .map(([key, s]) => ({ key, ttlSeconds: s.ttl, baseTtlSeconds: s.base, hitsInLastTtl: s.decidedBy }));
    return { ...this.settings, lengthened: this.lengthenedCount, keys: lengthened };
  }
}
