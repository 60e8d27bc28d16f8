import { Controller, Get } from '@nestjs/common';
import { CacheNamespace, CacheTTL } from 'nestjs-performance';
import { AnalyticsService } from './analytics.service';

@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  /** A slow aggregate over the whole database. */
  @Get('overview')
  @CacheTTL(300)
  @CacheNamespace('analytics')
  overview() {
    return this.analytics.overview();
  }
}
