import { Injectable } from '@nestjs/common';
import { loadTestRunSchema, type LoadTestRun } from '../core/schemas/load-test-run';
import type { MetricsSnapshot } from './metrics-snapshot';

/** Runs kept (newest first); older ones are dropped. */
const MAX_RUNS = 20;

/** A run as the app keeps it: the CLI's body and when it arrived. */
export type ReceivedLoadTestRun = LoadTestRun & { readonly receivedAt: string };

/** The body of `load-test/status`. */
export interface LoadTestStatus {
  /** The newest run still `running`, if any. */
  readonly running: ReceivedLoadTestRun | null;
  /** The newest finished run (passed, failed or aborted), if any. */
  readonly latest: ReceivedLoadTestRun | null;
  /** The last runs, newest first (at most 20). */
  readonly recent: readonly ReceivedLoadTestRun[];
  /** The newest sweep (`load --sweep`), running or finished, if any: its levels so far, the highest level meeting the KPIs, the knee. */
  readonly latestSweep: ReceivedLoadTestRun | null;
}

/**
 * Keeps the load-test runs the CLI reports (`POST load-test/runs`, body
 * {@link LoadTestRun}): a run is posted when it starts and again, same id,
 * with its result when it ends; the second replaces the first. Bounded to the
 * last 20 runs.
 */
@Injectable()
export class LoadTestRuns {
  private runs: ReceivedLoadTestRun[] = [];

  /** Validates and records a run; throws the zod error on bad input (nothing is stored then). */
  record(body: unknown): ReceivedLoadTestRun {
    const run: ReceivedLoadTestRun = { ...(loadTestRunSchema.parse(body) as LoadTestRun), receivedAt: new Date().toISOString() };
    this.runs = [run, ...this.runs.filter((r) => r.id !== run.id)].slice(0, MAX_RUNS);
    return run;
  }

  /**
   * Whether a run was going on during `[fromMs, toMs]`: started by `toMs`
   * and still running or finished after `fromMs`. Used to tell load from demand.
   */
  ranDuring(fromMs: number, toMs: number): boolean {
    return this.runs.some((r) => {
      const started = Date.parse(r.startedAt);
      const ended = r.status === 'running' ? Number.POSITIVE_INFINITY : Date.parse(r.finishedAt ?? r.receivedAt);
      return started <= toMs && ended >= fromMs;
    });
  }

  /**
   * Whether one run covered the whole of `[fromMs, toMs]`: started by
   * `fromMs` and still running, or finished no earlier than `toMs`. Capacity
   * figures (throughput) are judged only on such a window: one that
   * straddles the start or the end of a run mixes idle time into the rate.
   */
  coveredWhole(fromMs: number, toMs: number): boolean {
    return this.runs.some((r) => {
      const started = Date.parse(r.startedAt);
      const ended = r.status === 'running' ? Number.POSITIVE_INFINITY : Date.parse(r.finishedAt ?? r.receivedAt);
      return started <= fromMs && ended >= toMs;
    });
  }

  /** Whether a run was going on during the interval `snapshot` covers. */
  ranDuringSnapshot(snapshot: MetricsSnapshot): boolean {
    const to = Date.parse(snapshot.timestamp);
    return this.ranDuring(to - snapshot.intervalSeconds * 1000, to);
  }

  /** The running run, the latest finished one, the recent runs and the newest sweep. */
  status(): LoadTestStatus {
    return {
      running: this.runs.find((r) => r.status === 'running') ?? null,
      latest: this.runs.find((r) => r.status !== 'running') ?? null,
      recent: this.runs,
      latestSweep: this.runs.find((r) => r.sweep !== undefined || r.config.sweepLevels !== undefined) ?? null,
    };
  }
}
