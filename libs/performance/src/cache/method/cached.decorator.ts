import { PerformanceError } from '../../core/performance-errors';
import { CACHE_NAMESPACE_PATTERN } from '../../core/options/cache.options';

/** Options of {@link Cached}. */
export interface CachedOptions<A extends unknown[] = unknown[]> {
  /** Seconds a result stays fresh. */
  ttl: number;
  /**
   * The response-cache namespace the results live in: cleared by
   * `@InvalidateCache(namespace)`, `ResponseCache.invalidate(namespace)` and
   * the admin `cache/clear?namespace=`, counted in `cache-stats`.
   */
  namespace: string;
  /**
   * Builds the argument part of the key yourself, for arguments that do not
   * serialize (class instances with cycles, functions) or to key on a part
   * of them. Default: a stable serialization of all arguments.
   * @example (user: User, page: number) => `${user.id}:${page}`
   */
  key?: (...args: A) => string;
}

/** What `@Cached` fixed for one method, once, when the class was defined. */
export interface CachedMethodDefinition {
  /** `ClassName.method`: keys are `<namespace>:@ClassName.method(<args>)`. */
  readonly id: string;
  readonly ttlSeconds: number;
  readonly namespace: string;
  readonly key: ((...args: never[]) => string) | undefined;
}

/** Runs cached calls; implemented by `MethodCache`. */
export interface CachedCallRunner {
  call(definition: CachedMethodDefinition, self: unknown, args: unknown[], method: (...args: unknown[]) => unknown): unknown;
}

/** Metadata key of the {@link CachedMethodDefinition} on a decorated method. */
export const CACHED_METHOD_METADATA = 'nestjs-performance:cached-method';

/** The runner of each provider instance with cached methods, set by `MethodCache` at start-up. */
export const CACHED_CALL_RUNNER = Symbol('nestjs-performance:cached-call-runner');

/** The runner of the most recently started app, for instances the app did not create. */
export const fallbackCachedCallRunner: { current: CachedCallRunner | null } = { current: null };

type RunnerHolder = { [CACHED_CALL_RUNNER]?: CachedCallRunner };

/**
 * Caches a provider method's results in the response cache's store, per
 * arguments, for `ttl` seconds, in `namespace`. Sync and async methods;
 * concurrent calls with the same arguments run the method once (single
 * flight) and share its result. Results are stored as JSON (as a shared
 * Redis store needs): a hit returns a fresh copy, so Dates come back as
 * ISO strings. Errors are not cached. A store failure runs the method
 * (counted as a bypass), never fails the call.
 *
 * @example
 * @Cached({ ttl: 300, namespace: 'analytics' })
 * async workspaceTotals(workspaceId: number): Promise<Totals> { … }
 *
 * @InvalidateCache('analytics')
 * async recordView(documentId: number): Promise<void> { … }
 */
export function Cached<A extends unknown[] = unknown[]>(options: CachedOptions<A>): MethodDecorator {
  const { ttl, namespace, key } = options ?? ({} as CachedOptions<A>);
  const problems: string[] = [];
  if (typeof ttl !== 'number' || !(ttl > 0) || ttl > 31_536_000) problems.push(`ttl must be seconds above 0, at most one year (got ${JSON.stringify(ttl)})`);
  if (typeof namespace !== 'string' || !CACHE_NAMESPACE_PATTERN.test(namespace)) {
    problems.push(`namespace must be 1-64 letters, digits, . _ - (got ${JSON.stringify(namespace)})`);
  }
  if (key !== undefined && typeof key !== 'function') problems.push('key must be a function (...args) => string');
  if (problems.length) throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', `@Cached(): ${problems.join('; ')}`);

  return <T>(target: object, property: string | symbol, descriptor: TypedPropertyDescriptor<T>) => {
    const original: unknown = descriptor.value;
    if (typeof original !== 'function') throw new PerformanceError('PERF_ERR_INVALID_OPTIONS', '@Cached() must decorate a method');
    const method = original as (...args: unknown[]) => unknown;
    const owner = typeof target === 'function' ? target.name : target.constructor.name;
    const definition: CachedMethodDefinition = Object.freeze({
      id: `${owner}.${String(property)}`,
      ttlSeconds: ttl,
      namespace,
      key: key as ((...args: never[]) => string) | undefined,
    });
    const cached = function (this: unknown, ...args: unknown[]): unknown {
      const runner = (this as RunnerHolder | null | undefined)?.[CACHED_CALL_RUNNER] ?? fallbackCachedCallRunner.current;
      return runner ? runner.call(definition, this, args, method) : method.apply(this, args);
    };
    Object.defineProperty(cached, 'name', { value: method.name });
    for (const k of Reflect.getOwnMetadataKeys?.(method) ?? []) Reflect.defineMetadata(k, Reflect.getOwnMetadata(k, method), cached);
    Reflect.defineMetadata(CACHED_METHOD_METADATA, definition, cached);
    originals.set(cached, method);
    descriptor.value = cached as T;
    return descriptor;
  };
}

/** The undecorated method behind each `@Cached` wrapper (cache warming runs it directly). */
const originals = new WeakMap<object, (...args: unknown[]) => unknown>();

/** The method a `@Cached` wrapper runs on a miss. */
export function originalOfCached(wrapper: unknown): ((...args: unknown[]) => unknown) | undefined {
  return typeof wrapper === 'function' ? originals.get(wrapper) : undefined;
}

/** The `@Cached` definition of a method, if any. */
export function cachedMethodOf(method: unknown): CachedMethodDefinition | undefined {
  return typeof method === 'function' ? (Reflect.getMetadata(CACHED_METHOD_METADATA, method) as CachedMethodDefinition | undefined) : undefined;
}
