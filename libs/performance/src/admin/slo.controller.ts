import { Controller, Get, Inject, NotFoundException, Optional, Query, UseGuards } from '@nestjs/common';
import { SloMonitor, type SlosBody } from '../slo/slo-monitor.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';
import { ADMIN_NAME_PATTERN, nameParam } from './admin-query';

/**
 * `GET /performance/slos`: every SLO of the `slos` option: its objectives,
 * window, achieved SLI, remaining error budget (percent and requests) and
 * burn rates over 5m, 30m, 1h, 6h and 3d.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class SloAdminController {
  constructor(@Optional() @Inject(SloMonitor) private readonly monitor: SloMonitor | null) {}

  @Get('slos')
  @AdminOperation({
    summary: 'Every SLO: objectives, window, achieved SLI, remaining error budget (percent and requests), burn rates over 5m/30m/1h/6h/3d',
    query: [{ name: 'name', description: 'Only the SLO of this name', schema: { type: 'string', pattern: ADMIN_NAME_PATTERN.source } }],
    responses: { 400: 'name malformed, or an unknown query parameter', 404: 'no SLO has this name, or no SLO is declared (the slos option)' },
  })
  slos(@Query('name') nameRaw?: unknown): SlosBody {
    if (!this.monitor) throw new NotFoundException('no SLO is declared: add them with the slos option of PerformanceModule.forRoot()');
    const name = nameParam('name', nameRaw, false);
    const body = this.monitor.list();
    if (name === undefined) return body;
    const slos = body.slos.filter((s) => s.name === name);
    if (slos.length === 0) throw new NotFoundException(`no SLO is named "${name}" (SLOs: ${body.slos.map((s) => s.name).join(', ')})`);
    return { ...body, slos };
  }
}
