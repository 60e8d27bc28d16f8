import { performance } from 'node:perf_hooks';
import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MetadataScanner } from '@nestjs/core';
import type { AppDiscovery } from '../../core/discovery/app-discovery.service';
import type { PerformanceEvents } from '../../core/context/performance-events.service';
import type { CacheStatus } from '../../core/context/request-context';
import { RequestContext } from '../../core/context/request-context';
import { INVALIDATE_CACHE_METADATA } from '../response/cache.decorator';
import type { ResponseCache } from '../response/response-cache.service';
import { SingleFlight } from '../single-flight';
import type { CacheEntry } from '../../core/ports/cache-store.port';
import {
  CACHED_CALL_RUNNER,
  cachedMethodOf,
  originalOfCached,
  fallbackCachedCallRunner,
  type CachedCallRunner,
  type CachedMethodDefinition,
} from './cached.decorator';
import { stableArgsKey } from './method-cache-key';
import { warmArgsOf } from './warm-cache.decorator';

/** Lists own and inherited methods (Nest's own scanner, which caches per prototype). */
const METADATA_SCANNER = new MetadataScanner();

/** One entry `@WarmCache` keeps warm: a cached method of one instance with one argument list. */
export interface WarmTarget {
  readonly definition: CachedMethodDefinition;
  readonly instance: object;
  readonly method: (...args: unknown[]) => unknown;
  readonly args: readonly unknown[];
  /** The entry's cache key. */
  readonly key: string;
}

/** Warm targets kept at most; later ones are ignored (logged once). */
const MAX_WARM_TARGETS = 1000;

// The content type tells a hit whether the method returned a promise, so a
// hit has the method's own shape even when another instance stored it.
const ASYNC_TYPE = 'application/vnd.nestjs-performance.method-result+json; async=1';
const SYNC_TYPE = 'application/vnd.nestjs-performance.method-result+json; async=0';

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/**
 * Runs `@Cached` provider methods through the response cache's store,
 * namespaces, statistics and invalidation, with a single flight per key; and
 * makes `@InvalidateCache(…)` work on provider methods (the response-cache
 * interceptor handles it on controller handlers): after the method succeeds,
 * its namespaces are cleared.
 *
 * Injectable when the module and `cache.enabled` are on; `null` otherwise,
 * and decorated methods then run uncached.
 */
export class MethodCache implements CachedCallRunner, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('nestjs-performance');
  private readonly flights = new SingleFlight<unknown>();
  private readonly warned = new Set<string>();
  /** Whether a method returns promises, learned from its calls (and AsyncFunction at first). */
  private readonly returnsPromise = new WeakMap<CachedMethodDefinition, boolean>();
  /** Entries `@WarmCache` declares, found at start-up. */
  readonly warmTargets: WarmTarget[] = [];

  constructor(
    private readonly cache: ResponseCache,
    private readonly events: PerformanceEvents,
    private readonly maxEntryBytes: number,
    private readonly discovery?: AppDiscovery,
  ) {}

  /** Finds `@Cached` methods (declaring their namespaces) and provider methods with `@InvalidateCache`. */
  onModuleInit(): void {
    fallbackCachedCallRunner.current = this;
    if (!this.discovery) return;
    for (const { instance: found, controller } of this.discovery.instances({ controllers: true })) {
      const instance = found as Record<string, unknown>;
      let cachedMethods = false;
      for (const name of METADATA_SCANNER.getAllMethodNames(Object.getPrototypeOf(instance))) {
        const method = instance[name];
        const definition = cachedMethodOf(method);
        if (definition) {
          cachedMethods = true;
          this.cache.registerNamespace(definition.namespace);
          this.collectWarmTargets(definition, instance, method);
        }
        if (!controller) this.wrapInvalidation(instance, name, method);
      }
      // Lookups are reported with the request they ran for: requests carry their context.
      if (cachedMethods) RequestContext.enable();
      if (cachedMethods && !Object.prototype.hasOwnProperty.call(instance, CACHED_CALL_RUNNER)) {
        Object.defineProperty(instance, CACHED_CALL_RUNNER, { value: this, enumerable: false, configurable: true });
      }
    }
  }

  onApplicationShutdown(): void {
    if (fallbackCachedCallRunner.current === this) fallbackCachedCallRunner.current = null;
  }

  /**
   * Runs a cached method and stores its result whatever the store holds
   * (cache warming); joins a call already running for the key.
   */
  async refresh(target: WarmTarget): Promise<void> {
    const args = [...target.args];
    const running = this.flights.get(target.key);
    if (running) {
      await running;
      return;
    }
    await this.produce(target.definition, target.key, target.instance, args, target.method);
  }

  /** @internal Called by `@Cached` wrappers. */
  call(definition: CachedMethodDefinition, self: unknown, args: unknown[], method: (...args: unknown[]) => unknown): unknown {
    const started = this.events.wantsCache ? performance.now() : 0;
    let key: string;
    try {
      key = this.keyOf(definition, args);
    } catch (error) {
      this.warnOnce(`key:${definition.id}`, `@Cached ${definition.id}: no cache key (${String(error)}); the call runs uncached`);
      this.count(definition, 'BYPASS', undefined, 'key-error', started);
      return method.apply(self, args);
    }

    let found: CacheEntry | undefined | Promise<CacheEntry | undefined>;
    try {
      found = this.cache.lookup(key);
    } catch (error) {
      this.cache.failed('read', error);
      this.count(definition, 'BYPASS', undefined, 'store-error', started);
      return this.produce(definition, key, self, args, method);
    }
    if (!isPromiseLike(found)) return this.answer(definition, key, found, self, args, method, started);
    if (!this.isAsync(definition, method)) {
      // A sync method cannot wait for an asynchronous store: it runs, and its result is stored for the next call.
      found.then(undefined, () => undefined);
      this.count(definition, 'BYPASS', undefined, 'sync-method', started);
      return this.produce(definition, key, self, args, method);
    }

    const flight = this.flights.get(key);
    if (flight) {
      this.cache.stats.recordCoalesced();
      this.count(definition, 'MISS', key, undefined, started);
      return flight;
    }
    return Promise.resolve(found).then(
      (entry) => this.answer(definition, key, entry, self, args, method, started),
      (error: unknown) => {
        this.cache.failed('read', error);
        this.count(definition, 'BYPASS', undefined, 'store-error', started);
        return this.produce(definition, key, self, args, method);
      },
    );
  }

  private keyOf(definition: CachedMethodDefinition, args: readonly unknown[]): string {
    const part = definition.key ? (definition.key as (...a: unknown[]) => string)(...args) : stableArgsKey(args);
    if (typeof part !== 'string') throw new TypeError('the key function must return a string');
    return `${definition.namespace}:@${definition.id}(${part})`;
  }

  private collectWarmTargets(definition: CachedMethodDefinition, instance: object, wrapper: unknown): void {
    const argLists = warmArgsOf(wrapper);
    const method = originalOfCached(wrapper);
    if (!argLists || !method) return;
    for (const args of argLists) {
      if (this.warmTargets.length >= MAX_WARM_TARGETS) {
        this.warnOnce('warm-limit', `@WarmCache: more than ${MAX_WARM_TARGETS} entries; the rest are not warmed`);
        return;
      }
      try {
        this.warmTargets.push({ definition, instance, method, args, key: this.keyOf(definition, args) });
      } catch (error) {
        this.warnOnce(`warm-key:${definition.id}`, `@WarmCache ${definition.id}: no cache key for ${JSON.stringify(args)} (${String(error)})`);
      }
    }
  }

  private answer(
    definition: CachedMethodDefinition,
    key: string,
    entry: CacheEntry | undefined,
    self: unknown,
    args: unknown[],
    method: (...args: unknown[]) => unknown,
    started: number,
  ): unknown {
    if (entry !== undefined && Date.now() < entry.expiresAt) {
      const value = this.decode(entry);
      if (value.ok) {
        this.count(definition, 'HIT', key, undefined, started);
        return entry.contentType === ASYNC_TYPE ? Promise.resolve(value.value) : value.value;
      }
    }
    const flight = this.flights.get(key);
    if (flight) {
      this.cache.stats.recordCoalesced();
      this.count(definition, 'MISS', key, undefined, started);
      return flight;
    }
    this.count(definition, 'MISS', key, undefined, started);
    return this.produce(definition, key, self, args, method);
  }

  /**
   * Runs the method; an async result becomes the key's flight. Callers get
   * the stored JSON's copy, so the first caller sees what later hits see.
   */
  private produce(definition: CachedMethodDefinition, key: string, self: unknown, args: unknown[], method: (...args: unknown[]) => unknown): unknown {
    const result = method.apply(self, args);
    this.returnsPromise.set(definition, isPromiseLike(result));
    if (!isPromiseLike(result)) return this.store(definition, key, result, false);
    return this.flights.run(key, async () => this.store(definition, key, await result, true));
  }

  private isAsync(definition: CachedMethodDefinition, method: (...args: unknown[]) => unknown): boolean {
    return this.returnsPromise.get(definition) ?? method.constructor.name === 'AsyncFunction';
  }

  /** Stores the result and returns its JSON copy (the result itself when it does not serialize or is too large). */
  private store(definition: CachedMethodDefinition, key: string, value: unknown, async: boolean): unknown {
    let text: string;
    try {
      text = JSON.stringify({ v: value });
    } catch (error) {
      this.cache.stats.recordNotStored('not-serializable');
      this.warnOnce(`json:${definition.id}`, `@Cached ${definition.id}: result not stored, it does not serialize to JSON (${String(error)})`);
      return value;
    }
    const body = Buffer.from(text);
    if (body.length > this.maxEntryBytes) {
      this.cache.stats.recordNotStored('too-large');
      return value;
    }
    const now = Date.now();
    const expiresAt = now + definition.ttlSeconds * 1000;
    this.cache.save(key, {
      status: 200,
      contentType: async ? ASYNC_TYPE : SYNC_TYPE,
      body,
      etag: '',
      storedAt: now,
      expiresAt,
      staleUntil: expiresAt,
    });
    return (JSON.parse(text) as { v: unknown }).v;
  }

  private decode(entry: CacheEntry): { ok: true; value: unknown } | { ok: false } {
    if (entry.contentType !== ASYNC_TYPE && entry.contentType !== SYNC_TYPE) return { ok: false };
    try {
      return { ok: true, value: (JSON.parse(entry.body.toString('utf8')) as { v: unknown }).v };
    } catch {
      return { ok: false };
    }
  }

  private count(definition: CachedMethodDefinition, status: CacheStatus, key: string | undefined, reason: string | undefined, started: number): void {
    this.cache.stats.record(definition.namespace, status, status === 'HIT' ? key : undefined, reason);
    if (this.events.wantsCache) {
      this.events.emitCache({
        namespace: definition.namespace,
        status,
        reason,
        durationMs: performance.now() - started,
        request: RequestContext.current(),
      });
    }
  }

  /** Makes a provider method with `@InvalidateCache(…)` clear its namespaces after it succeeds. */
  private wrapInvalidation(instance: Record<string, unknown>, name: string, method: unknown): void {
    if (typeof method !== 'function') return;
    const namespaces = Reflect.getMetadata(INVALIDATE_CACHE_METADATA, method) as readonly string[] | undefined;
    if (!namespaces?.length || Object.prototype.hasOwnProperty.call(instance, name)) return;
    for (const namespace of namespaces) this.cache.registerNamespace(namespace);
    const original = method as (...args: unknown[]) => unknown;
    const cache = this.cache;
    const invalidating = function (this: unknown, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      if (isPromiseLike(result)) {
        return Promise.resolve(result).then(async (value) => {
          await cache.invalidateQuietly(namespaces);
          return value;
        });
      }
      void cache.invalidateQuietly(namespaces);
      return result;
    };
    Object.defineProperty(invalidating, 'name', { value: original.name });
    for (const k of Reflect.getOwnMetadataKeys(original)) Reflect.defineMetadata(k, Reflect.getOwnMetadata(k, original), invalidating);
    Object.defineProperty(instance, name, { value: invalidating, writable: true, configurable: true, enumerable: false });
  }

  private warnOnce(cause: string, message: string): void {
    if (this.warned.has(cause) || this.warned.size > 100) return;
    this.warned.add(cause);
    this.logger.warn(message);
  }
}
