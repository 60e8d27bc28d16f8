import { Controller, Get, Inject, NotFoundException, Optional, UseGuards } from '@nestjs/common';
import { HealthOverview, type HealthOverviewBody } from '../health/health-overview.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';

/** Body of `GET <admin>/health-overview`: the score, its parts and their metrics, and every check's details. */
export type HealthOverviewResponse = HealthOverviewBody;

/**
 * `GET /performance/health-overview`: the latest snapshot's 0-100 health
 * score, weighted database 40 / system 35 / cache 25 (`health.weights`),
 * each part with its metrics and their levels (`thresholds`), the status
 * (healthy / degraded / unhealthy), the time and window of its data, and the
 * health checks run now.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class HealthAdminController {
  constructor(@Optional() @Inject(HealthOverview) private readonly overview: HealthOverview | null) {}

  @Get('health-overview')
  @AdminOperation({
    summary: "The latest snapshot's health score 0-100 with its parts, their metrics and levels, and every check (run now) with its details",
    responses: { 404: 'health is switched off' },
  })
  async healthOverview(): Promise<HealthOverviewResponse> {
    if (!this.overview) throw new NotFoundException('health is switched off (health.enabled: false)');
    return this.overview.read();
  }
}
