import { Controller, Get } from '@nestjs/common';
import { AnalyticsService } from './analytics.service';

@Controller('analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  /** A slow aggregate over the whole database. */
  @Get('overview')
  overview() {
    return this.analytics.overview();
  }
}
