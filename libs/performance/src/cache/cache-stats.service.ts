import { Injectable } from '@nestjs/common';
import type { CacheStatus } from '../context/request-context';

/** Lookup counts of the whole cache or one namespace. */
export interface CacheCounters {
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  readonly bypasses: number;
  /** (hits + stale) / (hits + stale + misses), 0 before the first lookup; bypasses are not lookups. */
  readonly hitRate: number;
}

/** One of the most requested cached keys. */
export interface HotKey {
  readonly key: string;
  /** Lookups that found it (HIT or STALE) since start, or since it came back into the tracked set. */
  readonly hits: number;
}

/** What {@link CacheStats.snapshot} returns. */
export interface CacheStatsSnapshot {
  readonly totals: CacheCounters & {
    /** Misses that waited for another request's handler (single flight) instead of running their own. */
    readonly coalesced: number;
    /** Responses stored. */
    readonly stored: number;
    /** Invalidations run (namespace, key, pattern or everything). */
    readonly invalidations: number;
  };
  /** Bypassed lookups by reason (`authorization`, `cookie`, `store-error`, ...). */
  readonly bypassReasons: Readonly<Record<string, number>>;
  /** Misses whose response was not stored, by reason (`status`, `set-cookie`, `no-store`, `too-large`, ...). */
  readonly notStored: Readonly<Record<string, number>>;
  /** Counters per namespace. */
  readonly namespaces: Readonly<Record<string, CacheCounters>>;
  /** The most hit keys, most first. */
  readonly hotKeys: readonly HotKey[];
}

/** Namespaces get their own counters up to this many; later ones share `<other>`. */
const MAX_NAMESPACES = 256;
/** Keys whose hits are tracked for `hotKeys`; when full, the least hit half is dropped. */
const MAX_TRACKED_KEYS = 1024;
const OTHER = '<other>';

class Counters {
  hits = 0;
  misses = 0;
  stale = 0;
  bypasses = 0;

  view(): CacheCounters {
    const lookups = this.hits + this.stale + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      stale: this.stale,
      bypasses: this.bypasses,
      hitRate: lookups === 0 ? 0 : Number(((this.hits + this.stale) / lookups).toFixed(4)),
    };
  }
}

/**
 * Counts of the response cache (and, later, method caches): hits, misses,
 * stale serves and bypasses with their reasons, overall and per namespace,
 * plus the hottest keys. Bounded: at most 256 namespaces and 1,024 tracked
 * keys. Read by the admin `cache-stats` endpoint and available to metrics.
 */
@Injectable()
export class CacheStats {
  private readonly total = new Counters();
  private readonly byNamespace = new Map<string, Counters>();
  private readonly bypassReasons = new Map<string, number>();
  private readonly notStoredReasons = new Map<string, number>();
  private readonly keyHits = new Map<string, number>();
  private coalesced = 0;
  private stored = 0;
  private invalidations = 0;

  /** Counts one lookup; `key` is counted towards hot keys on HIT and STALE. */
  record(namespace: string, status: CacheStatus, key?: string, reason?: string): void {
    const ns = this.namespace(namespace);
    switch (status) {
      case 'HIT':
        this.total.hits++;
        ns.hits++;
        break;
      case 'STALE':
        this.total.stale++;
        ns.stale++;
        break;
      case 'MISS':
        this.total.misses++;
        ns.misses++;
        return;
      case 'BYPASS':
        this.total.bypasses++;
        ns.bypasses++;
        if (reason !== undefined) this.bypassReasons.set(reason, (this.bypassReasons.get(reason) ?? 0) + 1);
        return;
    }
    if (key !== undefined) this.hitKey(key);
  }

  /** Counts a miss that shared another request's result. */
  recordCoalesced(): void {
    this.coalesced++;
  }

  /** Counts a response stored. */
  recordStored(): void {
    this.stored++;
  }

  /** Counts a response not stored, by reason. */
  recordNotStored(reason: string): void {
    this.notStoredReasons.set(reason, (this.notStoredReasons.get(reason) ?? 0) + 1);
  }

  /** Counts an invalidation. */
  recordInvalidation(): void {
    this.invalidations++;
  }

  /** Sets every counter back to zero (namespaces stay declared). */
  reset(): void {
    for (const name of this.byNamespace.keys()) this.byNamespace.set(name, new Counters());
    Object.assign(this.total, new Counters());
    this.bypassReasons.clear();
    this.notStoredReasons.clear();
    this.keyHits.clear();
    this.coalesced = 0;
    this.stored = 0;
    this.invalidations = 0;
  }

  /** Namespaces that have counters. */
  namespaces(): string[] {
    return [...this.byNamespace.keys()];
  }

  /** Everything counted so far. */
  snapshot(hotKeys = 10): CacheStatsSnapshot {
    const namespaces: Record<string, CacheCounters> = {};
    for (const [name, counters] of this.byNamespace) namespaces[name] = counters.view();
    return {
      totals: { ...this.total.view(), coalesced: this.coalesced, stored: this.stored, invalidations: this.invalidations },
      bypassReasons: Object.fromEntries(this.bypassReasons),
      notStored: Object.fromEntries(this.notStoredReasons),
      namespaces,
      hotKeys: [...this.keyHits]
        .sort((a, b) => b[1] - a[1])
        .slice(0, hotKeys)
        .map(([key, hits]) => ({ key, hits })),
    };
  }

  /** Makes `namespace` appear (with zero counts) before its first lookup. */
  declare(namespace: string): void {
    this.namespace(namespace);
  }

  private namespace(name: string): Counters {
    let counters = this.byNamespace.get(name);
    if (counters === undefined) {
      if (this.byNamespace.size >= MAX_NAMESPACES) return this.namespace(OTHER);
      counters = new Counters();
      this.byNamespace.set(name, counters);
    }
    return counters;
  }

  private hitKey(key: string): void {
    const hits = this.keyHits.get(key);
    if (hits !== undefined) {
      this.keyHits.set(key, hits + 1);
      return;
    }
    if (this.keyHits.size >= MAX_TRACKED_KEYS) {
      // Amortized: one sort per 512 new keys keeps the hot half.
      const keep = [...this.keyHits].sort((a, b) => b[1] - a[1]).slice(0, MAX_TRACKED_KEYS / 2);
      this.keyHits.clear();
      for (const [k, n] of keep) this.keyHits.set(k, n);
    }
    this.keyHits.set(key, 1);
  }
}
