/**
 * What other features provide to metrics and health, read at scrape or check
 * time. Each is an interface plus a token of the same name: a feature
 * registers `{ provide: PoolStatsSource, useExisting: ItsService }` in the
 * module, and metrics and health find it; while none is registered the
 * gauges and checks that need it are left out.
 */

/** One connection pool at one moment. */
export interface PoolStats {
  /** The DataSource (or pool) name: `default` for the app's main one. */
  readonly name: string;
  /** Connections open now. */
  readonly total: number;
  /** Open connections not in use. */
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
  /** The pool's maximum size. */
  readonly max: number;
}

/** Provides the state of the app's connection pools. */
export interface PoolStatsSource {
  pools(): readonly PoolStats[];
}
/** Token of {@link PoolStatsSource}. */
export const PoolStatsSource = Symbol('PoolStatsSource');

/** Provides how many alerts fire now, by severity. */
export interface AlertsFiringSource {
  /** Firing alerts by severity (`critical`, `warning`, `info`). */
  firingBySeverity(): Readonly<Record<string, number>>;
}
/** Token of {@link AlertsFiringSource}. */
export const AlertsFiringSource = Symbol('AlertsFiringSource');

/** Provides how many N+1 findings the database feature recorded. */
export interface NPlusOneSource {
  /** Findings since start, a count that only grows. */
  nPlusOneFindings(): number;
}
/** Token of {@link NPlusOneSource}. */
export const NPlusOneSource = Symbol('NPlusOneSource');

/** Asks the response cache's store whether it answers (a Redis PING, ...). */
export interface CacheHealthProbe {
  /**
   * Resolves with details when the store answers, rejects when it does not.
   * Must honour `signal` (aborted at the check's timeout).
   */
  ping(signal: AbortSignal): Promise<Readonly<Record<string, unknown>>>;
}
/** Token of {@link CacheHealthProbe}. */
export const CacheHealthProbe = Symbol('CacheHealthProbe');

/** Totals of the app's tracked job runs (`@TrackJob`), for the sampler's job figures. */
export interface JobRunsSource {
  /** Runs finished and failed since start, over every tracked job; null while no job is tracked. */
  jobRunTotals(): { readonly runs: number; readonly failures: number } | null;
}
/** Token of {@link JobRunsSource}. */
export const JobRunsSource = Symbol('JobRunsSource');
