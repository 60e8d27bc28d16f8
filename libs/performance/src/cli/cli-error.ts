/**
 * Exit codes of `nestjs-performance`, documented in docs/cli.md.
 * CI jobs branch on them: 1 means "the app is not meeting its targets",
 * 2-5 mean "the check itself could not run"; 6-9 are the other classes of
 * failure of `check` (jobs, alerts, resources, errors logged).
 */
export const EXIT = {
  /** Everything ran and every check passed. */
  OK: 0,
  /** Ran, but a KPI fails, a critical alert is firing, a load test missed its KPIs, or an optimization failed. */
  CHECK_FAILED: 1,
  /** Bad command line: unknown command or flag, bad value, refused load target, or a 400 from the app. */
  USAGE: 2,
  /** The app could not be reached: refused connection, unknown host, timeout, or no admin API at the URL (404). */
  UNREACHABLE: 3,
  /** The app refused the credential (401/403), or none was given. */
  AUTH: 4,
  /** The app failed (5xx) or answered something that is not its admin API. */
  APP_ERROR: 5,
  /** `check`: a job failed its last run, is overdue, or has a job alert firing. */
  JOBS_FAILING: 6,
  /** `check`: an alert is firing. */
  ALERTS_FIRING: 7,
  /** `check`: disk or memory (a resource check down, disk above the limit, RSS growth above the limit). */
  RESOURCES: 8,
  /** `check`: errors were logged through Nest's Logger. */
  ERRORS_LOGGED: 9,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one message (what went wrong, then the fix) and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
