import { Controller, Get, Inject, NotFoundException, Optional, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CacheWarmer, type CacheWarmingReport } from '../cache/method/cache-warmer.service';
import { AdminAuthGuard } from './admin-auth.guard';

/**
 * `GET /performance/cache-warming`: the `@WarmCache()` entries (last fill,
 * next refresh, failures) and the latest warming runs.
 */
@ApiTags('performance')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No or wrong admin credential' })
@Controller()
@UseGuards(AdminAuthGuard)
export class CacheWarmingAdminController {
  constructor(@Optional() @Inject(CacheWarmer) private readonly warmer: CacheWarmer | null) {}

  @Get('cache-warming')
  @ApiOperation({ summary: 'The @WarmCache() entries (last fill, next refresh, failures) and the latest warming runs' })
  @ApiResponse({ status: 404, description: 'cache warming is switched off' })
  report(): CacheWarmingReport {
    if (!this.warmer) throw new NotFoundException('cache warming is switched off (cache.enabled or cacheWarming.enabled is false)');
    return this.warmer.report();
  }
}
