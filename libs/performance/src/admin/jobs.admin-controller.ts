import { Controller, Get, Inject, NotFoundException, Optional, Param, UseGuards } from '@nestjs/common';
import { JobMonitor, type JobsStatusBody, type JobStatus } from '../jobs/job-monitor.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { nameParam } from './admin-query';

/**
 * `GET /performance/jobs/status`: every job tracked with `@TrackJob`, its
 * runs, failures, durations, last and next run, and the job alerts.
 * `GET /performance/jobs/:name`: one job; 404 naming it when no such job is tracked.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class JobsAdminController {
  constructor(@Optional() @Inject(JobMonitor) private readonly monitor: JobMonitor | null) {}

  @Get('jobs/status')
  status(): JobsStatusBody {
    return this.required().status();
  }

  @Get('jobs/:name')
  job(@Param('name') raw: string): JobStatus {
    const name = nameParam('name', raw)!;
    const job = this.required().job(name);
    if (!job) throw new NotFoundException(`job "${name}" is not tracked (tracked: ${this.required().names().join(', ') || 'none'})`);
    return job;
  }

  private required(): JobMonitor {
    if (!this.monitor) throw new NotFoundException('job monitoring is switched off (jobs.enabled: false)');
    return this.monitor;
  }
}
