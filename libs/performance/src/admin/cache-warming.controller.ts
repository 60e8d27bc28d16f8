import { Controller, Get, Inject, NotFoundException, Optional, UseGuards } from '@nestjs/common';
import { CacheWarmer, type CacheWarmingReport } from '../cache/method/cache-warmer.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';

/**
 * `GET /performance/cache-warming`: the `@WarmCache()` entries (last fill,
 * next refresh, failures) and the latest warming runs.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class CacheWarmingAdminController {
  constructor(@Optional() @Inject(CacheWarmer) private readonly warmer: CacheWarmer | null) {}

  @Get('cache-warming')
  @AdminOperation({
    summary: 'The @WarmCache() entries (last fill, next refresh, failures) and the latest warming runs',
    responses: { 404: 'cache warming is switched off' },
  })
  report(): CacheWarmingReport {
    if (!this.warmer) throw new NotFoundException('cache warming is switched off (cache.enabled or cacheWarming.enabled is false)');
    return this.warmer.report();
  }
}
