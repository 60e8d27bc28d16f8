import { Controller, Get } from '@nestjs/common';
import { CacheNamespace, CacheQuery, CacheTTL } from 'nestjs-performance';
import { AnalyticsService } from './analytics.service';

@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  /** A slow aggregate over the whole database. It reads no query parameter, so none makes a new cache entry. */
  @Get('overview')
  @CacheTTL(300)
  @CacheNamespace('analytics')
  @CacheQuery()
  overview() {
    return this.analytics.overview();
  }
}
