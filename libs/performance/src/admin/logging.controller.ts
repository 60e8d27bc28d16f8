import { Controller, Get, Inject, NotFoundException, Optional, Query, UseGuards } from '@nestjs/common';
import { LogCounts, MAX_LOG_HOURS, type LogCountsBody } from '../logging/log-counts.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';
import { integerParam } from './admin-query';

const HOURS = { min: 1, max: MAX_LOG_HOURS, default: 24 };

/**
 * `GET /performance/logs/counts?hours=24`: the fatal, error and warn lines
 * logged through Nest's `Logger`, per context (class name), in the window
 * and since the start. Counts only: never the text of a line.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class LoggingAdminController {
  constructor(@Optional() @Inject(LogCounts) private readonly counts: LogCounts | null) {}

  @Get('logs/counts')
  @AdminOperation({
    summary: "Fatal, error and warn lines logged through Nest's Logger, per context (class name), in the last hours and since start",
    query: [
      {
        name: 'hours',
        description: `window, ${HOURS.min}-${HOURS.max} hours (whole clock hours: the current one and the hours before it)`,
        schema: { type: 'integer', minimum: HOURS.min, maximum: HOURS.max, default: HOURS.default },
      },
    ],
    responses: { 400: 'hours out of range', 404: 'the module is disabled' },
  })
  logCounts(@Query('hours') hours?: string): LogCountsBody {
    const h = integerParam('hours', hours, HOURS);
    if (!this.counts) throw new NotFoundException('log counting is off (the module is disabled)');
    return this.counts.read(h);
  }
}
