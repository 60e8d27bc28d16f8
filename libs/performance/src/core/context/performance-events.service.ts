import { Injectable, Logger } from '@nestjs/common';
import type { CacheStatus, RequestContext } from './request-context';

/** One SQL statement that finished, as the database feature observed it. */
export interface QueryEvent {
  /** Statement kind: SELECT, INSERT, UPDATE, DELETE, or OTHER. */
  readonly operation: string;
  /** The statement with literals replaced by `?` (never bound values). */
  readonly statement: string;
  /** Stable hash of the normalized statement. */
  readonly fingerprint: string;
  /** Database system in OpenTelemetry terms: postgresql, mysql, mariadb, sqlite. */
  readonly system: string;
  /** Epoch ms when the statement started. */
  readonly startTime: number;
  /** Duration in ms. */
  readonly durationMs: number;
  /** Whether the statement succeeded. */
  readonly success: boolean;
  /** The request it ran for, when inside one. */
  readonly request: RequestContext | undefined;
}

/** One response-cache lookup, as the cache feature observed it. */
export interface CacheEvent {
  readonly namespace: string;
  readonly status: CacheStatus;
  /** Why a lookup was bypassed (`authorization`, `method`, `store-error`, ...). */
  readonly reason?: string;
  readonly durationMs: number;
  readonly request: RequestContext | undefined;
}

type Listener<E> = (event: E) => void;

/**
 * The in-process bus between features: the database and cache features emit,
 * metrics and tracing listen. Emitting with no listener costs a length check;
 * a listener that throws is logged once and never breaks the emitter.
 */
@Injectable()
export class PerformanceEvents {
  private readonly logger = new Logger('nestjs-performance');
  private readonly failed = new WeakSet<object>();
  private queryListeners: Listener<QueryEvent>[] = [];
  private cacheListeners: Listener<CacheEvent>[] = [];

  /** True when something listens to query events (emitters may skip building them). @internal */
  get wantsQueries(): boolean {
    return this.queryListeners.length > 0;
  }

  /** True when something listens to cache events. @internal */
  get wantsCache(): boolean {
    return this.cacheListeners.length > 0;
  }

  /** Subscribes to finished SQL statements; returns the unsubscribe function. */
  onQuery(listener: (event: QueryEvent) => void): () => void {
    this.queryListeners = [...this.queryListeners, listener];
    return () => (this.queryListeners = this.queryListeners.filter((l) => l !== listener));
  }

  /** Subscribes to cache lookups; returns the unsubscribe function. */
  onCache(listener: (event: CacheEvent) => void): () => void {
    this.cacheListeners = [...this.cacheListeners, listener];
    return () => (this.cacheListeners = this.cacheListeners.filter((l) => l !== listener));
  }

  /** @internal */
  emitQuery(event: QueryEvent): void {
    for (const listener of this.queryListeners) this.call(listener, event);
  }

  /** @internal */
  emitCache(event: CacheEvent): void {
    for (const listener of this.cacheListeners) this.call(listener, event);
  }

  private call<E>(listener: Listener<E>, event: E): void {
    try {
      listener(event);
    } catch (error) {
      if (!this.failed.has(listener)) {
        this.failed.add(listener);
        this.logger.warn(`a performance event listener failed: ${(error as Error).message}`);
      }
    }
  }
}
