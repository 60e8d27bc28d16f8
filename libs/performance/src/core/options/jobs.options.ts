/**
 * The `jobs` section of the module options: background job monitoring for
 * methods marked with `@TrackJob()` (scheduled with `@nestjs/schedule` or
 * called by a worker).
 *
 * @example
 * PerformanceModule.forRoot({ jobs: { failureRateWindow: 50, overdueFactor: 2 } })
 */
export interface JobsOptions {
  /**
   * Record runs of `@TrackJob()` methods and mount `jobs/status` and
   * `jobs/:name`. When false the decorated methods run untouched.
   * Env: `JOBS_MONITORING_ENABLED`.
   * @default true
   */
  enabled?: boolean;
  /**
   * Distinct job names tracked; runs of further names are not recorded
   * (logged once), so a name built from data cannot grow memory.
   * @default 100
   */
  maxJobs?: number;
  /**
   * A job is overdue (alert `job-overdue`) when it has not started for its
   * expected interval times this factor. The expected interval is the one
   * given to `@TrackJob`, else the `@Interval` period, else the gap between
   * the next two `@Cron` dates.
   * Env: `JOBS_OVERDUE_FACTOR`.
   * @default 1.5
   */
  overdueFactor?: number;
  /**
   * How many of the latest runs the failure rate is computed over.
   * @default 20
   */
  failureRateWindow?: number;
  /**
   * Runs needed in the window before the failure-rate alert can fire.
   * @default 3
   */
  failureRateMinRuns?: number;
  /**
   * Characters of a failure's message kept as the job's last error.
   * @default 500
   */
  maxErrorLength?: number;
}
