import { performance } from 'node:perf_hooks';
import type { CallHandler } from '@nestjs/common';
import { finalize, from, map, mergeMap, type Observable, of } from 'rxjs';
import type { PerformanceEvents } from '../../core/context/performance-events.service';
import type { CacheStatus, RequestContext } from '../../core/context/request-context';
import type { ResolvedCacheOptions } from '../../core/options/schema/cache';
import type { CacheEntry } from '../../core/ports/cache-store.port';
import type { Cacheability, HttpResponseLike } from './cacheability';
import { CachedReply } from './cached-reply';
import type { CacheRule } from './cache-rules';
import type { FlightResult, ResponseCache } from './response-cache.service';

/** Marks a failed asynchronous store read. */
const STORE_ERROR = Symbol('store-error');

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * The answers of the response cache for a keyed request: a fresh entry
 * (`HIT`), a stale one while it is refreshed in the background (`STALE`),
 * the bytes of a concurrent miss's handler, or one run of the handler whose
 * response is stored when {@link Cacheability} allows (`MISS`); a store that
 * fails means `BYPASS`. Each outcome is counted (cache stats, the route's
 * counters) and emitted as a cache event while someone listens.
 */
export class CacheReplies {
  private readonly staleWindow: boolean;

  constructor(
    options: ResolvedCacheOptions,
    private readonly cache: ResponseCache,
    private readonly events: PerformanceEvents,
    private readonly cacheability: Cacheability,
  ) {
    this.staleWindow = options.staleWhileRevalidate > 0;
  }

  /** Looks `key` up and answers from the entry, from a running handler, or by running the handler once for all misses. */
  answer(ctx: RequestContext | undefined, rule: CacheRule, key: string, started: number, res: HttpResponseLike, next: CallHandler): Observable<unknown> {
    let found: CacheEntry | undefined | Promise<CacheEntry | undefined>;
    try {
      found = this.cache.lookup(key);
    } catch (error) {
      this.cache.failed('read', error);
      return this.bypass(ctx, rule, 'store-error', started, next);
    }
    if (!isPromise(found)) return this.afterLookup(ctx, rule, key, found, undefined, started, res, next);

    // A shared store answers later: join or open the flight before waiting, so
    // concurrent misses of one key still run the handler once.
    const flight = this.cache.flights.get(key);
    if (flight) return this.follow(ctx, rule, flight, started, next);
    const settle = this.cache.flights.start(key);
    return from(
      found.then(
        (entry): CacheEntry | undefined | typeof STORE_ERROR => entry,
        (error: unknown): typeof STORE_ERROR => {
          this.cache.failed('read', error);
          return STORE_ERROR;
        },
      ),
    ).pipe(
      mergeMap((entry) => {
        if (entry === STORE_ERROR) {
          settle(undefined);
          return this.bypass(ctx, rule, 'store-error', started, next);
        }
        return this.afterLookup(ctx, rule, key, entry, settle, started, res, next);
      }),
    );
  }

  /** Runs the handler without the cache, counting the request as `BYPASS` for `reason`. */
  bypass(ctx: RequestContext | undefined, rule: CacheRule, reason: string, started: number, next: CallHandler): Observable<unknown> {
    if (ctx !== undefined) ctx.cacheStatus = 'BYPASS';
    this.cache.stats.record(rule.namespace, 'BYPASS', undefined, reason);
    rule.counters.record('BYPASS');
    if (this.events.wantsCache) this.emit(ctx, rule, 'BYPASS', reason, started);
    return next.handle();
  }

  /** Counts a request answered from the entry under `key` (the caller writes the entry). */
  served(ctx: RequestContext | undefined, rule: CacheRule, key: string, status: 'HIT' | 'STALE', started: number): void {
    if (ctx !== undefined) ctx.cacheStatus = status;
    this.cache.stats.record(rule.namespace, status, key);
    this.cache.adaptiveTtl.hit(key);
    rule.counters.record(status, key);
    if (this.events.wantsCache) this.emit(ctx, rule, status, undefined, started);
  }

  private afterLookup(
    ctx: RequestContext | undefined,
    rule: CacheRule,
    key: string,
    entry: CacheEntry | undefined,
    settle: ((r: FlightResult | undefined) => void) | undefined,
    started: number,
    res: HttpResponseLike,
    next: CallHandler,
  ): Observable<unknown> {
    if (entry !== undefined) {
      const now = Date.now();
      if (now < entry.expiresAt) {
        settle?.({ entry, status: 'HIT' });
        return this.serve(ctx, rule, key, entry, 'HIT', now, started);
      }
      if (this.staleWindow && now < entry.staleUntil) {
        settle?.({ entry, status: 'STALE' });
        if (this.cache.flights.get(key) === undefined) this.refresh(rule, key, res, next);
        return this.serve(ctx, rule, key, entry, 'STALE', now, started);
      }
    }
    if (settle === undefined) {
      const flight = this.cache.flights.get(key);
      if (flight) return this.follow(ctx, rule, flight, started, next);
      settle = this.cache.flights.start(key);
    }
    this.mark(ctx, rule, 'MISS', started, key);
    return this.produce(rule, key, res, next, settle);
  }

  /** Runs the handler and stores its response when it may be; settles the flight in every case. */
  private produce(rule: CacheRule, key: string, res: HttpResponseLike, next: CallHandler, settle: (r: FlightResult | undefined) => void): Observable<unknown> {
    return next.handle().pipe(
      map((value) => {
        const entry = this.cacheability.capture(value, res, rule);
        if (typeof entry === 'string') {
          this.cache.stats.recordNotStored(entry);
          settle(undefined);
          return value;
        }
        // A hot key's entry may be stored fresh for longer (cache.adaptiveTtl); never a per-user one.
        const stored = this.cache.adaptiveTtl.adapt(key, entry, rule.userKey !== undefined);
        this.cache.save(key, stored);
        settle({ entry: stored, status: 'MISS' });
        return new CachedReply(stored, undefined);
      }),
      // An error, or a client gone before the handler finished: waiting requests run their own handler.
      finalize(() => settle(undefined)),
    );
  }

  /** Stale-while-revalidate: one background run of the handler refreshes the entry. */
  private refresh(rule: CacheRule, key: string, res: HttpResponseLike, next: CallHandler): void {
    const settle = this.cache.flights.start(key);
    this.produce(rule, key, res, next, settle).subscribe({
      error: (error: unknown) => this.cache.failed('refresh', error),
    });
  }

  /** A concurrent miss: waits for the running handler and serves its bytes, or runs its own when they cannot be shared. */
  private follow(
    ctx: RequestContext | undefined,
    rule: CacheRule,
    flight: Promise<FlightResult | undefined>,
    started: number,
    next: CallHandler,
  ): Observable<unknown> {
    return from(flight).pipe(
      mergeMap((result) => {
        if (result === undefined) {
          this.mark(ctx, rule, 'MISS', started);
          return next.handle();
        }
        this.cache.stats.recordCoalesced();
        this.mark(ctx, rule, result.status, started);
        const age = result.status === 'MISS' ? undefined : Math.max(0, Math.floor((Date.now() - result.entry.storedAt) / 1000));
        return of(new CachedReply(result.entry, age));
      }),
    );
  }

  private serve(
    ctx: RequestContext | undefined,
    rule: CacheRule,
    key: string,
    entry: CacheEntry,
    status: 'HIT' | 'STALE',
    now: number,
    started: number,
  ): Observable<unknown> {
    this.served(ctx, rule, key, status, started);
    return of(new CachedReply(entry, Math.max(0, Math.floor((now - entry.storedAt) / 1000))));
  }

  private mark(ctx: RequestContext | undefined, rule: CacheRule, status: CacheStatus, started: number, key?: string): void {
    if (ctx !== undefined) ctx.cacheStatus = status;
    this.cache.stats.record(rule.namespace, status);
    rule.counters.record(status, key);
    if (this.events.wantsCache) this.emit(ctx, rule, status, undefined, started);
  }

  private emit(ctx: RequestContext | undefined, rule: CacheRule, status: CacheStatus, reason: string | undefined, started: number): void {
    this.events.emitCache({
      namespace: rule.namespace,
      status,
      reason,
      durationMs: performance.now() - started,
      request: ctx,
    });
  }
}
