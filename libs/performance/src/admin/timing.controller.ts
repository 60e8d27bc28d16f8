import { Controller, Get, Inject, NotFoundException, Optional, UseGuards } from '@nestjs/common';
import { MethodTimings, type MethodTimingsBody } from '../timing/method-timings.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';

/**
 * `GET /performance/methods`: every `@Timed()` method called since the app
 * started, by class and method: calls, errors, mean, p50/p95/p99 and max.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class TimingAdminController {
  constructor(@Optional() @Inject(MethodTimings) private readonly timings: MethodTimings | null) {}

  @Get('methods')
  @AdminOperation({
    summary: 'Every @Timed() method called since start: calls, errors, mean, p50/p95/p99 and max duration, by class and method',
    responses: { 404: 'the module is disabled' },
  })
  methods(): MethodTimingsBody {
    if (!this.timings) throw new NotFoundException('method timing is off (the module is disabled)');
    return this.timings.list();
  }
}
