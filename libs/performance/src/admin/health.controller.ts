import { Controller, Get, Inject, NotFoundException, Optional, UseGuards } from '@nestjs/common';
import type { HealthReport } from '../health/health-checks.service';
import { HealthOverview } from '../health/health-overview.service';
import type { HealthOverviewBody } from '../health/health-score';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';

/** Body of `GET <admin>/health-overview`: the score, its parts and inputs, and every check's details. */
export type HealthOverviewResponse = HealthOverviewBody & { checks: HealthReport };

/**
 * `GET /performance/health-overview`: the 0-100 health score weighted
 * database 40 / system 35 / cache 25 (configurable), each part with its
 * inputs, the status (healthy / degraded / unhealthy) and the check details.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class HealthAdminController {
  constructor(@Optional() @Inject(HealthOverview) private readonly overview: HealthOverview | null) {}

  @Get('health-overview')
  @AdminOperation({
    summary: 'Health score 0-100 with every check (database, cache, memory, event loop, disk) and its details',
    responses: { 404: 'health is switched off' },
  })
  async healthOverview(): Promise<HealthOverviewResponse> {
    if (!this.overview) throw new NotFoundException('health is switched off (health.enabled: false)');
    return this.overview.read();
  }
}
