import { Controller, Get, Inject, NotFoundException, Optional, Param, UseGuards } from '@nestjs/common';
import { JobMonitor } from '../jobs/job-monitor.service';
import type { JobsStatusBody, JobStatus } from '../jobs/job-status';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';
import { ADMIN_NAME_PATTERN, nameParam } from './admin-query';

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
  @AdminOperation({
    summary: 'Every tracked background job: runs, failures, durations, last error, last and next run',
    responses: { 404: 'job monitoring is switched off' },
  })
  status(): JobsStatusBody {
    return this.required().status();
  }

  @Get('jobs/:name')
  @AdminOperation({
    summary: 'One tracked background job by name',
    path: [{ name: 'name', description: 'A job name from jobs/status', schema: { type: 'string', pattern: ADMIN_NAME_PATTERN.source } }],
    responses: { 400: 'name malformed', 404: 'no tracked job has this name, or job monitoring is switched off' },
  })
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
