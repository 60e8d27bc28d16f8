import { Injectable } from '@nestjs/common';
import type { CacheStatus } from '../core/context/request-context';

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

/** Lookups of one cached route, and how many distinct keys they used. */
export interface RouteCacheStats extends CacheCounters {
  /** The route template (`<other>` for routes past the 256th). */
  readonly route: string;
  readonly namespace: string;
  /**
   * Distinct keys among the lookups, estimated (a 4,096-bit linear counter:
   * within a few percent up to about 10,000; at least 34,000 when saturated).
   */
  readonly distinctKeys: number;
  /** The query parameters the route declares (`@CacheQuery`), or null when every parameter makes the key. */
  readonly declaredQuery: readonly string[] | null;
  /**
   * Whether its fresh HITs are answered before the framework: `yes`
   * (`cache.earlyHits: 'auto'`), `decorated` (`@ServeHitsEarly()`), or why
   * not (`guard`, `interceptor`, `response-metadata`, `middleware`,
   * `versioning`, `host-routing`, `user-key`, `decorated-only`); `unknown` before its first request.
   */
  readonly early: string;
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
    /** HITs (304s included) answered before the framework, counted in `hits` too. */
    readonly earlyHits: number;
  };
  /** Bypassed lookups by reason (`authorization`, `cookie`, `store-error`, ...). */
  readonly bypassReasons: Readonly<Record<string, number>>;
  /** Misses whose response was not stored, by reason (`status`, `set-cookie`, `no-store`, `too-large`, ...). */
  readonly notStored: Readonly<Record<string, number>>;
  /** Counters per namespace. */
  readonly namespaces: Readonly<Record<string, CacheCounters>>;
  /** The most hit keys, most first. */
  readonly hotKeys: readonly HotKey[];
  /** Counters of each response-cached route, most lookups first. */
  readonly routes: readonly RouteCacheStats[];
}

/** Namespaces get their own counters up to this many; later ones share `<other>`. */
const MAX_NAMESPACES = 256;
/** Routes get their own counters up to this many; later ones share `<other>`. */
const MAX_ROUTES = 256;
/** Keys whose hits are tracked for `hotKeys`; when full, the least hit half is dropped. */
const MAX_TRACKED_KEYS = 1024;
/** The namespace that counts lookups of the namespaces beyond the first 256. */
export const OTHER_CACHE_NAMESPACE = '<other>';
const OTHER = OTHER_CACHE_NAMESPACE;

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

/** Bits of each route's distinct-key counter: two base64url characters of a key's digest. */
const KEY_BITS = 4096;
const BASE64URL = new Int8Array(128).fill(-1);
for (const [i, ch] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL[ch.charCodeAt(0)] = i;

/**
 * The counters of one cached route, held by the interceptor's rule for it,
 * so counting is a few increments. Distinct keys are estimated by linear
 * counting over the last two characters of the key (the digest that ends
 * every response cache key): one bit set per lookup, fixed memory.
 */
export class RouteCacheCounters extends Counters {
  private bits = new Uint32Array(KEY_BITS / 32);
  private zeros = KEY_BITS;
  /** See {@link RouteCacheStats.early}; set by the interceptor's rule for the route. */
  early = 'unknown';

  constructor(
    readonly route: string,
    readonly namespace: string,
    readonly declaredQuery: readonly string[] | null,
  ) {
    super();
  }

  /** Counts one lookup, and `key` towards the distinct keys. */
  record(status: CacheStatus, key?: string): void {
    switch (status) {
      case 'HIT':
        this.hits++;
        break;
      case 'STALE':
        this.stale++;
        break;
      case 'MISS':
        this.misses++;
        break;
      case 'BYPASS':
        this.bypasses++;
        return;
    }
    if (key === undefined || key.length < 2) return;
    const a = BASE64URL[key.charCodeAt(key.length - 1) & 127]!;
    const b = BASE64URL[key.charCodeAt(key.length - 2) & 127]!;
    if (a < 0 || b < 0) return;
    const bit = (b << 6) | a;
    const word = bit >>> 5;
    const mask = 1 << (bit & 31);
    const bits = this.bits[word]!;
    if ((bits & mask) === 0) {
      this.bits[word] = bits | mask;
      this.zeros--;
    }
  }

  distinctKeys(): number {
    // Linear counting: n ≈ -m ln(zeros / m); with no zero bit left, the estimate for one.
    return Math.round(-KEY_BITS * Math.log(Math.max(this.zeros, 1) / KEY_BITS));
  }

  clear(): void {
    Object.assign(this, new Counters());
    this.bits = new Uint32Array(KEY_BITS / 32);
    this.zeros = KEY_BITS;
  }

  routeView(): RouteCacheStats {
    return {
      route: this.route,
      namespace: this.namespace,
      ...this.view(),
      distinctKeys: this.distinctKeys(),
      declaredQuery: this.declaredQuery,
      early: this.early,
    };
  }
}

/**
 * Counts of the response cache (and, later, method caches): hits, misses,
 * stale serves and bypasses with their reasons, overall and per namespace,
 * per cached route (with its distinct keys), plus the hottest keys. Bounded:
 * at most 256 namespaces, 256 routes and 1,024 tracked keys. Read by the admin `cache-stats` endpoint and available to metrics.
 */
@Injectable()
export class CacheStats {
  private readonly total = new Counters();
  private readonly byNamespace = new Map<string, Counters>();
  private readonly bypassReasons = new Map<string, number>();
  private readonly notStoredReasons = new Map<string, number>();
  private readonly keyHits = new Map<string, number>();
  private readonly byRoute = new Map<string, RouteCacheCounters>();
  private coalesced = 0;
  private stored = 0;
  private invalidations = 0;
  private earlyHits = 0;

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

  /** Counts a HIT answered before the framework (also counted by {@link CacheStats.record}). */
  recordEarly(): void {
    this.earlyHits++;
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
    // In place: the interceptor's rules hold these.
    for (const counters of this.byRoute.values()) counters.clear();
    Object.assign(this.total, new Counters());
    this.bypassReasons.clear();
    this.notStoredReasons.clear();
    this.keyHits.clear();
    this.coalesced = 0;
    this.stored = 0;
    this.invalidations = 0;
    this.earlyHits = 0;
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
      totals: { ...this.total.view(), coalesced: this.coalesced, stored: this.stored, invalidations: this.invalidations, earlyHits: this.earlyHits },
      bypassReasons: Object.fromEntries(this.bypassReasons),
      notStored: Object.fromEntries(this.notStoredReasons),
      namespaces,
      hotKeys: [...this.keyHits]
        .sort((a, b) => b[1] - a[1])
        .slice(0, hotKeys)
        .map(([key, hits]) => ({ key, hits })),
      routes: [...this.byRoute.values()]
        .map((r) => r.routeView())
        .sort((a, b) => b.hits + b.stale + b.misses - (a.hits + a.stale + a.misses) || a.route.localeCompare(b.route)),
    };
  }

  /**
   * The counters of a response-cached route (`namespace` and the declared
   * query parameters as its first rule says); routes past the 256th share one.
   */
  route(route: string, namespace: string, declaredQuery: readonly string[] | null): RouteCacheCounters {
    const key = `${namespace} ${route}`;
    let counters = this.byRoute.get(key);
    if (counters === undefined) {
      if (this.byRoute.size >= MAX_ROUTES && route !== OTHER) return this.route(OTHER, OTHER, null);
      counters = new RouteCacheCounters(route, namespace, declaredQuery);
      this.byRoute.set(key, counters);
    }
    return counters;
  }

  /** Makes `namespace` appear (with zero counts) before its first lookup. */
  declare(namespace: string): void {
    this.namespace(namespace);
  }

  private namespace(name: string): Counters {
    let counters = this.byNamespace.get(name);
    if (counters === undefined) {
      if (this.byNamespace.size >= MAX_NAMESPACES && name !== OTHER) return this.namespace(OTHER);
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
