import { Controller, Get, Inject, NotFoundException, Optional, Param, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { JobMonitor, type JobsStatusBody, type JobStatus } from '../jobs/job-monitor.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { nameParam } from './admin-query';

/**
 * `GET /performance/jobs/status`: every job tracked with `@TrackJob`, its
 * runs, failures, durations, last and next run, and the job alerts.
 * `GET /performance/jobs/:name`: one job; 404 naming it when no such job is tracked.
 */
@ApiTags('performance')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No or wrong admin credential' })
@Controller()
@UseGuards(AdminAuthGuard)
export class JobsAdminController {
  constructor(@Optional() @Inject(JobMonitor) private readonly monitor: JobMonitor | null) {}

  @Get('jobs/status')
  @ApiOperation({ summary: 'Every tracked background job: runs, failures, durations, last error, last and next run' })
  @ApiResponse({ status: 404, description: 'job monitoring is switched off' })
  status(): JobsStatusBody {
    return this.required().status();
  }

  @Get('jobs/:name')
  @ApiOperation({ summary: 'One tracked background job by name' })
  @ApiParam({ name: 'name', description: 'A job name from jobs/status', schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } })
  @ApiResponse({ status: 400, description: 'name malformed' })
  @ApiResponse({ status: 404, description: 'no tracked job has this name, or job monitoring is switched off' })
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
