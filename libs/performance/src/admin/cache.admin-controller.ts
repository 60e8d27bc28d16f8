import { BadRequestException, Controller, Get, HttpCode, Inject, Optional, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ResponseCache, type ResponseCacheReport } from '../cache/response-cache.service';
import { CacheWarmer, type CacheWarmingStats } from '../method-cache/cache-warmer.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { integerParam, nameParam } from './admin-query';

/** Body of `POST cache/clear`. */
export interface CacheClearBody {
  /** The namespace cleared, or `*` for everything. */
  readonly cleared: string;
  /** Entries removed (null when a shared store cannot tell). */
  readonly removed: number | null;
}

/** Body of `GET cache-stats`. */
export interface CacheStatsBody extends ResponseCacheReport {
  /** `@WarmCache()` runs (runs, entries warmed, failures, last run, next refresh); null when warming is off. */
  readonly warming: CacheWarmingStats | null;
}

/** The cache part of the admin API: cache-stats and cache/clear. */
@ApiTags('performance')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No or wrong admin credential' })
@Controller()
@UseGuards(AdminAuthGuard)
export class CacheAdminController {
  constructor(
    private readonly cache: ResponseCache,
    @Optional() @Inject(CacheWarmer) private readonly warmer: CacheWarmer | null = null,
  ) {}

  /**
   * Hits, misses, stale serves and bypasses (with reasons), hit rate overall
   * and per namespace, entries, bytes, evictions, store health, the `top`
   * hottest keys (default 10, at most 100), and the cache warming runs.
   */
  @Get('cache-stats')
  @ApiOperation({ summary: 'Response cache counters overall and per namespace, store size and health, hottest keys' })
  @ApiQuery({ name: 'top', required: false, description: 'Hottest keys listed, 0 to 100, default 10', schema: { type: 'integer', minimum: 0, maximum: 100, default: 10 } })
  @ApiResponse({ status: 400, description: 'top out of range' })
  cacheStats(@Query('top') topRaw?: unknown): CacheStatsBody {
    const top = integerParam('top', topRaw, { min: 0, max: 100, default: 10 });
    return { ...this.cache.report(top), warming: this.warmer ? this.warmer.stats() : null };
  }

  /**
   * Clears one namespace (`?namespace=analytics`; others untouched) or, with
   * no namespace, the whole cache. An unknown namespace is a 400 naming it.
   * With a shared store every instance drops the entries.
   */
  @Post('cache/clear')
  @HttpCode(200)
  @ApiOperation({ summary: 'Clears one cache namespace, or the whole cache without namespace' })
  @ApiQuery({ name: 'namespace', required: false, description: 'A known namespace (see cache-stats); everything when absent', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } })
  @ApiResponse({ status: 400, description: 'namespace malformed or unknown, or the store did not answer' })
  async clear(@Query('namespace') namespaceRaw?: unknown): Promise<CacheClearBody> {
    const namespace = nameParam('namespace', namespaceRaw, false);
    if (namespace !== undefined && !this.cache.isKnownNamespace(namespace)) {
      const known = this.cache.knownNamespaces();
      throw new BadRequestException(
        `namespace ${JSON.stringify(namespace)} is unknown; known namespaces: ${known.length ? known.join(', ') : '(none)'}`,
      );
    }
    try {
      const removed = await this.cache.invalidate(namespace === undefined ? { all: true } : { namespace });
      return { cleared: namespace ?? '*', removed };
    } catch (error) {
      if (error instanceof BadRequestException) throw error;
      this.cache.failed('clear', error);
      throw new BadRequestException(`the cache store did not answer: ${(error as Error).message}`);
    }
  }
}
