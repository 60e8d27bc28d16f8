import { BadRequestException, Controller, Get, HttpCode, Inject, Optional, Post, Query, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { type CacheCounters, OTHER_CACHE_NAMESPACE } from '../cache/cache-stats.service';
import { ResponseCache, type ResponseCacheReport } from '../cache/response/response-cache.service';
import { CacheWarmer, type CacheWarmingStats } from '../cache/method/cache-warmer.service';
import { type Clearability, TypeOrmQueryCaches } from '../cache/typeorm/typeorm-query-caches.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';
import { ADMIN_NAME_PATTERN, integerParam, nameParam } from './admin-query';

/** Body of `POST cache/clear`. */
export interface CacheClearBody {
  /** The namespace cleared, or `*` for everything (`all=true`). */
  readonly cleared: string;
  /** Response and method cache entries removed (null when a shared store cannot tell; 0 for a query cache alone). */
  readonly removed: number | null;
  /** TypeORM query result caches emptied (`typeorm.default`); TypeORM does not tell how many entries they held. */
  readonly queryCaches: readonly string[];
}

/** Counters of one namespace in `cache-stats`, and whether `cache/clear` can clear it. */
export type CacheNamespaceStats = CacheCounters & Clearability;

/** Body of `GET cache-stats`. */
export interface CacheStatsBody extends Omit<ResponseCacheReport, 'namespaces'> {
  /** Counters per namespace, each with `clearable` (and `notClearableReason` when it is false). */
  readonly namespaces: Readonly<Record<string, CacheNamespaceStats>>;
  /** `@WarmCache()` runs (runs, entries warmed, failures, last run, next refresh); null when warming is off. */
  readonly warming: CacheWarmingStats | null;
}

const OTHER_REASON = 'counts the namespaces beyond the first 256, which have no counters of their own; clear each of them by name';
const UNKNOWN_REASON = 'neither a namespace of the response cache nor a TypeORM query result cache';

/** The cache part of the admin API: cache-stats and cache/clear. */
@Controller()
@UseGuards(AdminAuthGuard)
export class CacheAdminController {
  constructor(
    private readonly cache: ResponseCache,
    @Optional() @Inject(CacheWarmer) private readonly warmer: CacheWarmer | null = null,
    @Optional() @Inject(TypeOrmQueryCaches) private readonly queryCaches: TypeOrmQueryCaches | null = null,
  ) {}

  /**
   * Hits, misses, stale serves and bypasses (with reasons), hit rate overall
   * and per namespace (with whether it can be cleared), entries, bytes,
   * evictions, store health, the `top` hottest keys (default 10, at most
   * 100), and the cache warming runs.
   */
  @Get('cache-stats')
  @AdminOperation({
    summary: 'Response cache counters overall and per namespace (clearable or why not), store size and health, hottest keys',
    query: [{ name: 'top', description: 'Hottest keys listed, 0 to 100, default 10', schema: { type: 'integer', minimum: 0, maximum: 100, default: 10 } }],
    responses: { 400: 'top out of range, or an unknown parameter' },
  })
  cacheStats(@Query('top') topRaw?: unknown): CacheStatsBody {
    const top = integerParam('top', topRaw, { min: 0, max: 100, default: 10 });
    const report = this.cache.report(top);
    const namespaces: Record<string, CacheNamespaceStats> = {};
    for (const [name, counters] of Object.entries(report.namespaces)) namespaces[name] = { ...counters, ...this.clearability(name) };
    return { ...report, namespaces, warming: this.warmer ? this.warmer.stats() : null };
  }

  /**
   * Clears one namespace (`?namespace=analytics`; others untouched), a
   * TypeORM query result cache (`?namespace=typeorm.default`), or, with
   * `?all=true`, every namespace and every query result cache that can be
   * cleared. Anything else is a 400 that changes nothing: no parameter at all,
   * both, an unknown namespace, one that cannot be cleared (with the reason),
   * or any other parameter. With a shared store every instance drops the entries.
   */
  @Post('cache/clear')
  @HttpCode(200)
  @AdminOperation({
    summary: 'Clears one cache namespace (namespace=), or every namespace (all=true)',
    query: [
      { name: 'all', description: 'true clears every namespace and query result cache', schema: { type: 'string', enum: ['true'] } },
      {
        name: 'namespace',
        description: 'A namespace that cache-stats lists as clearable; exactly one of namespace and all is required',
        schema: { type: 'string', pattern: ADMIN_NAME_PATTERN.source },
      },
    ],
    responses: {
      400: 'neither or both of namespace and all, namespace malformed, unknown or not clearable, or an unknown parameter',
      503: 'the cache store or the database did not clear',
    },
  })
  async clear(@Query('namespace') namespaceRaw?: unknown, @Query('all') allRaw?: unknown): Promise<CacheClearBody> {
    const namespace = nameParam('namespace', namespaceRaw, false);
    if (allRaw !== undefined && allRaw !== 'true') {
      throw new BadRequestException(
        `all must be "true" to clear every namespace; leave it out to clear one with namespace= (got ${JSON.stringify(allRaw).slice(0, 140)})`,
      );
    }
    if (allRaw === 'true' && namespace !== undefined) {
      throw new BadRequestException('give either namespace=<name> or all=true, not both');
    }
    if (allRaw === 'true') return this.clearAll();
    if (namespace === undefined) {
      throw new BadRequestException(
        `say what to clear: namespace=<name> for one namespace (${this.clearableNamespaces().join(', ') || 'none yet'}), or all=true for every one`,
      );
    }
    const isQueryCache = this.queryCaches?.has(namespace) ?? false;
    const isResponseNamespace = this.cache.isKnownNamespace(namespace);
    if (!isQueryCache && !isResponseNamespace) {
      const clearable = this.clearableNamespaces();
      throw new BadRequestException(
        `namespace ${JSON.stringify(namespace)} is unknown; known namespaces: ${clearable.length ? clearable.join(', ') : '(none)'}`,
      );
    }
    const clearability = this.clearability(namespace);
    if (!clearability.clearable) throw new BadRequestException(`namespace ${namespace} cannot be cleared: ${clearability.notClearableReason}`);
    const removed = isResponseNamespace ? await this.invalidate({ namespace }) : 0;
    if (isQueryCache) await this.clearQueryCache(namespace, isResponseNamespace ? [`the response cache entries of ${namespace}`] : []);
    return { cleared: namespace, removed, queryCaches: isQueryCache ? [namespace] : [] };
  }

  /** Whether `namespace`, as cache-stats lists it, can be cleared. */
  private clearability(namespace: string): Clearability {
    const queryCache = this.queryCaches?.clearability(namespace);
    if (this.cache.isKnownNamespace(namespace)) return queryCache?.clearable === false ? queryCache : { clearable: true };
    if (queryCache) return queryCache;
    return { clearable: false, notClearableReason: namespace === OTHER_CACHE_NAMESPACE ? OTHER_REASON : UNKNOWN_REASON };
  }

  /** The namespaces `cache/clear?namespace=` accepts, sorted. */
  private clearableNamespaces(): string[] {
    const query = (this.queryCaches?.namespaces() ?? []).filter((n) => this.queryCaches?.clearability(n)?.clearable);
    return [...new Set([...this.cache.knownNamespaces(), ...query])].sort();
  }

  private async clearAll(): Promise<CacheClearBody> {
    const removed = await this.invalidate({ all: true });
    const cleared: string[] = [];
    for (const namespace of this.queryCaches?.namespaces() ?? []) {
      if (!this.queryCaches?.clearability(namespace)?.clearable) continue;
      await this.clearQueryCache(namespace, ['every response cache namespace', ...cleared]);
      cleared.push(namespace);
    }
    return { cleared: '*', removed, queryCaches: cleared };
  }

  private async invalidate(target: { namespace: string } | { all: true }): Promise<number | null> {
    try {
      return await this.cache.invalidate(target);
    } catch (error) {
      if (error instanceof BadRequestException) throw error;
      this.cache.failed('clear', error);
      throw new ServiceUnavailableException(`the cache store did not answer, nothing was cleared: ${(error as Error).message}`);
    }
  }

  /** Empties one query result cache; a failure is a 503 that says what was cleared before it. */
  private async clearQueryCache(namespace: string, done: readonly string[]): Promise<void> {
    try {
      await this.queryCaches!.clear(namespace);
    } catch (error) {
      throw new ServiceUnavailableException(
        `the query result cache ${namespace} was not cleared (${(error as Error).message})` + (done.length > 0 ? `; already cleared: ${done.join(', ')}` : ''),
      );
    }
  }
}
