import type { RecommendationAction } from './advice';

/** How the statements an optimization targeted ran before it and since. */
export interface TargetedStatement {
  readonly fingerprint: string;
  /** Calls and mean time up to the optimization. */
  readonly before: { readonly calls: number; readonly meanMs: number };
  /** Calls and mean time since; null until the statement ran again. */
  readonly after: { readonly calls: number; readonly meanMs: number } | null;
}

/** One optimization `optimize/:id` applied (or tried to). */
export interface AppliedOptimization {
  /** The recommendation it applied. */
  readonly id: string;
  readonly title: string;
  readonly action: RecommendationAction['type'];
  /** ISO 8601. */
  readonly appliedAt: string;
  /** The statement it ran on the database, null for cache actions. */
  readonly sql: string | null;
  readonly database: string | null;
  readonly result: 'applied' | 'failed';
  /** What it did, or the error when it failed. */
  readonly detail: string;
  /** How to undo it. */
  readonly revert: string | null;
  /** How long applying it took, in ms. */
  readonly durationMs: number;
  /** The statements it was for (an index's), before and since. */
  readonly statements: readonly TargetedStatement[];
}

/** Figures of one statement at a moment: enough to tell its mean time since. */
export interface StatementFigures {
  readonly calls: number;
  readonly totalMs: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

interface Kept extends Omit<AppliedOptimization, 'statements'> {
  readonly baseline: readonly { readonly fingerprint: string; readonly figures: StatementFigures }[];
}

/**
 * Every optimization applied on this instance, newest first, bounded
 * (the oldest goes past `capacity`). Before/after times are read at the
 * time of the call from the statistics the figures function gives.
 */
export class OptimizationLog {
  private readonly kept: Kept[] = [];

  constructor(private readonly capacity = 200) {}

  /** Keeps one optimization, with the figures of its statements at that moment. */
  add(entry: Omit<AppliedOptimization, 'statements'>, baseline: readonly { fingerprint: string; figures: StatementFigures }[]): void {
    this.kept.unshift({ ...entry, baseline });
    if (this.kept.length > this.capacity) this.kept.length = this.capacity;
  }

  /** The optimizations, newest first, with their statements' times before and since. */
  list(figuresOf: (fingerprint: string) => StatementFigures | undefined): AppliedOptimization[] {
    return this.kept.map(({ baseline, ...entry }) => ({
      ...entry,
      statements: baseline.map(({ fingerprint, figures }) => {
        const now = figuresOf(fingerprint);
        const calls = now ? now.calls - figures.calls : 0;
        return {
          fingerprint,
          before: { calls: figures.calls, meanMs: figures.calls ? round(figures.totalMs / figures.calls) : 0 },
          after: now && calls > 0 ? { calls, meanMs: round((now.totalMs - figures.totalMs) / calls) } : null,
        };
      }),
    }));
  }
}
