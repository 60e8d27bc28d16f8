import type { ResolvedJobsOptions } from '../../core/options/schema/jobs';
import type { JobAlert, JobFigures } from '../../jobs/job-status';

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * `job-failure-rate`: too many of a job's latest runs failed. Warning or
 * critical at `jobs.failureRatePercent`, judged once the window holds
 * `jobs.failureRateMinRuns` runs.
 */
export function jobFailureRateRule(options: ResolvedJobsOptions): (job: JobFigures) => JobAlert | undefined {
  return (job) => {
    const rate = job.recentFailureRatePercent;
    if (rate === null || job.recentRuns < options.failureRateMinRuns) return undefined;
    const { warning, critical } = options.failureRatePercent;
    const level = rate >= critical ? 'critical' : rate >= warning ? 'warning' : null;
    if (!level) return undefined;
    return {
      rule: 'job-failure-rate',
      job: job.name,
      severity: level,
      message: `job "${job.name}" failed ${job.recentFailures} of its last ${job.recentRuns} runs (${round2(rate)}%, ${level} at ${level === 'critical' ? critical : warning}%)`,
      value: round2(rate),
      threshold: level === 'critical' ? critical : warning,
    };
  };
}
