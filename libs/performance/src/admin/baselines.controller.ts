import { Controller, Get, Inject, NotFoundException, Optional, UseGuards } from '@nestjs/common';
import { RouteBaselines, type BaselinesReport } from '../baselines/route-baselines.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';

/**
 * `GET /performance/baselines`: per route, the live window beside the
 * baseline learned from the route's own history (mean, spread, threshold,
 * windows learned from), its status (learning, normal, anomalous) and its
 * target when one is set by hand.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class BaselinesAdminController {
  constructor(@Optional() @Inject(RouteBaselines) private readonly baselines: RouteBaselines | null) {}

  @Get('baselines')
  @AdminOperation({
    summary: 'Per route: the live window beside its learned latency and error-rate baseline, its status and its target',
    responses: { 404: 'baselines are switched off (baselines.enabled)' },
  })
  report(): BaselinesReport {
    if (!this.baselines) throw new NotFoundException('baselines are switched off (baselines.enabled is false)');
    return this.baselines.report();
  }
}
