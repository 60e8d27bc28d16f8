import type { ResolvedLevels } from '../../core/judgment/judgment';
import type { ResolvedJobsOptions } from '../../core/options/schema/jobs';
import type { JobAlert, JobFigures } from '../../jobs/job-status';

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * `job-failure-rate`: too many of a job's latest runs failed. A warning past
 * `thresholds.jobFailureRatePercent.good`, critical past its `critical`,
 * judged once the window holds `jobs.failureRateMinRuns` runs; no rule when
 * the threshold is switched off.
 */
export function jobFailureRateRule(options: ResolvedJobsOptions, levels: ResolvedLevels | false): (job: JobFigures) => JobAlert | undefined {
  return (job) => {
    const rate = job.recentFailureRatePercent;
    if (levels === false || rate === null || job.recentRuns < options.failureRateMinRuns) return undefined;
    const warning = levels.good;
    const critical = levels.critical;
    const level = critical !== false && rate > critical ? 'critical' : rate > warning ? 'warning' : null;
    if (!level) return undefined;
    return {
      rule: 'job-failure-rate',
      job: job.name,
      severity: level,
      message: `job "${job.name}" failed ${job.recentFailures} of its last ${job.recentRuns} runs (${round2(rate)}%, ${level} above ${level === 'critical' ? critical : warning}%)`,
      value: round2(rate),
      threshold: level === 'critical' && critical !== false ? critical : warning,
    };
  };
}
