import { hash } from 'node:crypto';
import { BadRequestException, Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, Optional } from '@nestjs/common';
import type { CacheStatus } from '../../core/context/request-context';
import { AppDiscovery } from '../../core/discovery/app-discovery.service';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { CACHE_NAMESPACE_PATTERN, DEFAULT_CACHE_NAMESPACE } from '../../core/options/cache.options';
import { CacheStats, type CacheStatsSnapshot } from '../cache-stats.service';
import { CACHE_NAMESPACE_METADATA, CACHE_TTL_METADATA, INVALIDATE_CACHE_METADATA } from './cache.decorator';
import { maskSecretsInText } from '../../core/secret-masking';
import { SingleFlight } from '../single-flight';
import { AdaptiveTtl, type AdaptiveTtlView } from './adaptive-ttl';
import { type CacheEntry, type CacheInvalidation, CacheStore, type CacheStoreHealth, type CacheStoreUsage } from '../../core/ports/cache-store.port';

/** The outcome a single flight hands to the requests that waited for it. */
export interface FlightResult {
  readonly entry: CacheEntry;
  /** How the leader served it: `HIT` (found in a shared store) or `MISS` (produced). */
  readonly status: CacheStatus;
}

/** What `cache-stats` shows: the counters, the store's size and its health. */
export interface ResponseCacheReport extends CacheStatsSnapshot {
  readonly store: CacheStoreUsage & CacheStoreHealth;
  /** Namespaces the app declares (options, decorators) or has used. */
  readonly knownNamespaces: readonly string[];
  /** `cache.adaptiveTtl`: its settings, and the hot keys stored with a lengthened TTL. */
  readonly adaptiveTtl: AdaptiveTtlView;
}

/** What {@link ResponseCache.invalidate} accepts: a namespace name, or a key, a key glob, or everything. */
export type InvalidationTarget = string | CacheInvalidation;

/**
 * The response cache as a service: its store, single flight, statistics,
 * namespaces and invalidation. The interceptor uses it per request; apps use
 * it to invalidate; the admin API and health read it.
 *
 * @example
 * constructor(private readonly cache: ResponseCache) {}
 * async rename(id: number, title: string) {
 *   await this.repo.update(id, { title });
 *   await this.cache.invalidate('documents');
 *   await this.cache.invalidate({ pattern: `documents:/api/v1/documents/${id}#*` });
 * }
 */
@Injectable()
export class ResponseCache implements OnApplicationBootstrap, OnApplicationShutdown {
  /** Requests running a handler for a key, joined by concurrent misses of the same key. @internal */
  readonly flights = new SingleFlight<FlightResult | undefined>();
  private readonly logger = new Logger('nestjs-performance');
  private readonly warned = new Set<string>();
  private readonly namespaces = new Set<string>();
  /** Longest TTL (s) the routes of each namespace declare, learnt as the interceptor plans them. */
  private readonly declaredTtls = new Map<string, number>();
  /** TTLs (s) set at run time (`optimize/:id`), which win over the routes' own. */
  private readonly ttlOverrides = new Map<string, number>();
  /** Hot keys' lengthened TTLs (`cache.adaptiveTtl`). @internal */
  readonly adaptiveTtl: AdaptiveTtl;

  /** @internal */
  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    /** @internal */ @Inject(CacheStore) readonly store: CacheStore,
    /** @internal */ readonly stats: CacheStats,
    @Optional() private readonly discovery?: AppDiscovery,
  ) {
    for (const rule of Object.values(options.cache.cacheablePaths)) this.registerNamespace(rule.namespace, rule.ttl);
    this.adaptiveTtl = new AdaptiveTtl(options.cache.adaptiveTtl, options.cache.maxSize);
  }

  /** Collects the namespaces named by decorators on the app's controllers, so the admin API knows them. */
  onApplicationBootstrap(): void {
    if (!this.discovery) return;
    for (const type of this.discovery.controllerTypes()) {
      this.collect(type);
      const proto = type.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const method = Object.getOwnPropertyDescriptor(proto, name)?.value;
        if (typeof method === 'function' && name !== 'constructor') this.collect(method as object);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }

  /**
   * Declares a namespace (the `@Cached` method cache and apps may add their
   * own), with the TTL in seconds of a route that stores into it when known.
   */
  registerNamespace(namespace: string, ttlSeconds?: number): void {
    if (!CACHE_NAMESPACE_PATTERN.test(namespace)) {
      throw new Error(`namespace must be 1-64 letters, digits, . _ - (got ${JSON.stringify(namespace)})`);
    }
    if (ttlSeconds !== undefined && ttlSeconds > (this.declaredTtls.get(namespace) ?? 0)) this.declaredTtls.set(namespace, ttlSeconds);
    if (this.namespaces.has(namespace)) return;
    this.namespaces.add(namespace);
    this.stats.declare(namespace);
  }

  /** Whether `namespace` is declared or has been used. */
  isKnownNamespace(namespace: string): boolean {
    return this.namespaces.has(namespace);
  }

  /** Declared and used namespaces, sorted. */
  knownNamespaces(): string[] {
    return [...this.namespaces].sort();
  }

  /**
   * Sets the TTL of every response stored into `namespace` from now on,
   * overriding the routes' own (`null` removes the override). Entries already
   * stored keep their expiry. The override lives in this instance's memory:
   * a restart or `setNamespaceTtl(namespace, null)` reverts it. Returns the
   * previous override. Throws a 400 for an unknown namespace or a TTL outside
   * 1 s..1 year, changing nothing.
   */
  setNamespaceTtl(namespace: string, ttlSeconds: number | null): number | null {
    this.check({ namespace });
    if (ttlSeconds !== null && !(Number.isInteger(ttlSeconds) && ttlSeconds >= 1 && ttlSeconds <= 31_536_000)) {
      throw new BadRequestException(`ttlSeconds must be an integer from 1 to 31536000 (got ${JSON.stringify(ttlSeconds)})`);
    }
    const previous = this.ttlOverrides.get(namespace) ?? null;
    if (ttlSeconds === null) this.ttlOverrides.delete(namespace);
    else this.ttlOverrides.set(namespace, ttlSeconds);
    return previous;
  }

  /** The TTL of `namespace`: the longest its routes declared so far, and the run-time override. */
  namespaceTtl(namespace: string): { readonly declared: number | null; readonly override: number | null } {
    return { declared: this.declaredTtls.get(namespace) ?? null, override: this.ttlOverrides.get(namespace) ?? null };
  }

  /** The TTL to store a response of `namespace` with: the override if set, else the route's `ttlSeconds`. @internal */
  ttlFor(namespace: string, ttlSeconds: number): number {
    return this.ttlOverrides.get(namespace) ?? ttlSeconds;
  }

  /** The store's entry for `key`; throws or rejects when the store fails. @internal */
  lookup(key: string): CacheEntry | undefined | Promise<CacheEntry | undefined> {
    return this.store.get(key);
  }

  /** The entry this instance holds in memory for `key`, at once (see CacheStore.peek); undefined when the store fails. @internal */
  peek(key: string): CacheEntry | undefined {
    try {
      return this.store.peek?.(key);
    } catch (error) {
      this.failed('read', error);
      return undefined;
    }
  }

  /** Builds an entry from a response's bytes, fresh for `ttlSeconds` (plus stale-while-revalidate). @internal */
  createEntry(status: number, contentType: string, body: Buffer, ttlSeconds: number, now = Date.now()): CacheEntry {
    const expiresAt = now + ttlSeconds * 1000;
    return {
      status,
      contentType,
      body,
      etag: `"${hash('sha1', body, 'base64url')}"`,
      storedAt: now,
      expiresAt,
      staleUntil: expiresAt + this.options.cache.staleWhileRevalidate * 1000,
    };
  }

  /** Stores an entry without delaying the response; a failure is logged once per cause. @internal */
  save(key: string, entry: CacheEntry): void {
    this.stats.recordStored();
    try {
      const pending = this.store.set(key, entry);
      if (pending) pending.catch((error: unknown) => this.failed('write', error));
    } catch (error) {
      this.failed('write', error);
    }
  }

  /**
   * Removes cached responses: a namespace (`'analytics'` or `{ namespace }`),
   * one key (`{ key }` as hot keys list it, or as `buildCacheKey()` makes it),
   * keys matching a glob (`{ pattern: 'documents:/api/v1/documents/7#*' }`:
   * every entry of that URL, whatever its host, varying headers or user)
   * or everything (`{ all: true }`). With a shared store every instance drops
   * them. Resolves with how many entries went (null when the store cannot tell).
   * Throws a 400 for an unknown namespace or a malformed target, changing nothing.
   */
  async invalidate(target: InvalidationTarget): Promise<number | null> {
    const resolved: CacheInvalidation = typeof target === 'string' ? { namespace: target } : target;
    this.check(resolved);
    this.stats.recordInvalidation();
    return this.store.invalidate(resolved);
  }

  /** Invalidates namespaces, logging (not throwing) a store failure: used after mutations. @internal */
  async invalidateQuietly(namespaces: readonly string[]): Promise<void> {
    for (const namespace of namespaces) {
      try {
        this.stats.recordInvalidation();
        await this.store.invalidate({ namespace });
      } catch (error) {
        this.failed('invalidate', error);
      }
    }
  }

  /** Whether the store answers, for health checks: `{ store, status: 'up' | 'down', lastError?, since }`. */
  storeHealth(): CacheStoreHealth {
    return this.store.health();
  }

  /** Asks the store (a Redis PING); the health feature's `CacheHealthProbe`. @internal */
  ping(signal: AbortSignal): Promise<Readonly<Record<string, unknown>>> {
    return this.store.ping(signal);
  }

  /** Counters, store usage and health, and the known namespaces. @internal */
  report(hotKeys = 10): ResponseCacheReport {
    return {
      ...this.stats.snapshot(hotKeys),
      store: { ...this.store.usage(), ...this.store.health() },
      knownNamespaces: this.knownNamespaces(),
      adaptiveTtl: this.adaptiveTtl.view(),
    };
  }

  /** Logs a store failure once per operation and error kind, so an outage does not flood the log. @internal */
  failed(operation: string, error: unknown): void {
    const e = error as { name?: string; code?: string; message?: string };
    const cause = `${operation}:${e?.code ?? e?.name ?? 'error'}`;
    if (this.warned.has(cause) || this.warned.size > 100) return;
    this.warned.add(cause);
    this.logger.warn(`response cache ${operation} failed (requests go on without the cache): ${maskSecretsInText(e?.message ?? String(error))}`);
  }

  private check(target: CacheInvalidation): void {
    if ('namespace' in target) {
      if (typeof target.namespace !== 'string' || !this.namespaces.has(target.namespace)) {
        const known = this.knownNamespaces();
        throw new BadRequestException(
          `namespace ${JSON.stringify(target.namespace)} is unknown; known namespaces: ${known.length ? known.join(', ') : '(none)'}`,
        );
      }
    } else if ('key' in target) {
      if (typeof target.key !== 'string' || target.key === '' || target.key.length > 4096) {
        throw new BadRequestException('key must be a cache key of 1-4096 characters');
      }
    } else if ('pattern' in target) {
      if (typeof target.pattern !== 'string' || target.pattern === '' || target.pattern.length > 4096) {
        throw new BadRequestException('pattern must be a key glob of 1-4096 characters');
      }
    } else if (!('all' in target) || target.all !== true) {
      throw new BadRequestException('invalidate() takes a namespace, { namespace }, { key }, { pattern } or { all: true }');
    }
  }

  private collect(target: object): void {
    const ns = Reflect.getMetadata(CACHE_NAMESPACE_METADATA, target) as string | undefined;
    if (typeof ns === 'string') this.registerNamespace(ns);
    else if (Reflect.getMetadata(CACHE_TTL_METADATA, target) !== undefined) this.registerNamespace(DEFAULT_CACHE_NAMESPACE);
    const invalidates = Reflect.getMetadata(INVALIDATE_CACHE_METADATA, target) as string[] | undefined;
    if (Array.isArray(invalidates)) for (const n of invalidates) this.registerNamespace(n);
  }
}
