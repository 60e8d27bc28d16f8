import type { ResolvedJobsOptions } from '../../core/options/schema/jobs';
import type { JobAlert, JobFigures } from '../../jobs/job-status';

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * `job-overdue` (critical): a job with a known interval has not started
 * within that interval times `jobs.overdueFactor`, and is not running.
 */
export function jobOverdueRule(options: ResolvedJobsOptions): (job: JobFigures) => JobAlert | undefined {
  return (job) => {
    const expected = job.expectedIntervalSeconds;
    if (!job.overdue || expected === undefined) return undefined;
    const threshold = round2(expected * options.overdueFactor);
    return {
      rule: 'job-overdue',
      job: job.name,
      severity: 'critical',
      message: `job "${job.name}" has not started for ${Math.round(job.secondsSinceStart)}s (expected every ${expected}s; overdue after ${threshold}s): is its scheduler stuck or stopped?`,
      value: round2(job.secondsSinceStart),
      threshold,
    };
  };
}
