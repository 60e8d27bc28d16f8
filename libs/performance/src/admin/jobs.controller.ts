import { ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Optional, Param, Post, UseGuards } from '@nestjs/common';
import { JobMonitor } from '../jobs/job-monitor.service';
import type { JobsStatusBody, JobStatus, ManualJobRun } from '../jobs/job-status';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation } from './admin-operation.decorator';
import { ADMIN_NAME_PATTERN, nameParam } from './admin-query';

/**
 * `GET /performance/jobs/status`: every job tracked with `@TrackJob`, its
 * runs, failures, durations, last and next run, and the job alerts.
 * `GET /performance/jobs/:name`: one job; 404 naming it when no such job is tracked.
 * `POST /performance/jobs/:name/run`: starts a run of a runnable job now (202).
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

  @Post('jobs/:name/run')
  @HttpCode(202)
  @AdminOperation({
    summary: 'Starts one run of a job marked @TrackJob(name, { runnable: true }) now; 202 with its run id, recorded like any other run',
    path: [{ name: 'name', description: 'A runnable job name from jobs/status', schema: { type: 'string', pattern: ADMIN_NAME_PATTERN.source } }],
    responses: {
      400: 'name malformed, or a query parameter or body, which this endpoint does not take',
      404: 'no tracked job has this name, the job is not runnable, or job monitoring is switched off',
      409: 'a run of this job is in progress',
    },
  })
  run(@Param('name') raw: string): ManualJobRun & { job: string } {
    const name = nameParam('name', raw)!;
    const monitor = this.required();
    const outcome = monitor.runNow(name);
    if ('started' in outcome) return { job: name, ...outcome.started };
    if (outcome.refused === 'busy') throw new ConflictException(`job "${name}" is running; try again once the run in progress has finished`);
    const runnable = monitor
      .status()
      .jobs.filter((j) => j.runnable)
      .map((j) => j.name);
    const why = outcome.refused === 'unknown' ? 'is not tracked' : 'is not runnable (mark it @TrackJob(name, { runnable: true }))';
    throw new NotFoundException(`job "${name}" ${why}; runnable jobs: ${runnable.join(', ') || 'none'}`);
  }

  private required(): JobMonitor {
    if (!this.monitor) throw new NotFoundException('job monitoring is switched off (jobs.enabled: false)');
    return this.monitor;
  }
}
