import { createHash } from 'node:crypto';
import type { Recommendation } from './advice';

/** Something a rule could not examine; the recommendations of the others (and its own other findings) still come. */
export interface AdvisorFailure {
  /** The rule that failed (`missing-index`). */
  readonly rule: string;
  /** What it was examining (a database, a table), null for the whole rule. */
  readonly subject: string | null;
  readonly error: string;
}

/**
 * One kind of recommendation: reads the figures of the features it watches
 * and says what to change. Rules never throw for one bad subject: they call
 * `failed` and go on with the others; a rule that throws is reported as a
 * failure of that rule only.
 */
export interface AdvisorRule {
  /** The kind of recommendation, also the prefix of its ids (`missing-index`, `n-plus-one`). */
  readonly name: string;
  /** The recommendations that hold now. */
  evaluate(failed: (subject: string | null, error: unknown) => void): Recommendation[] | Promise<Recommendation[]>;
}

/**
 * A recommendation id: its kind and a hash of what it is about (table and
 * columns, route and statement, namespace), so it stays the same across
 * calls and restarts while the evidence holds.
 */
export const recommendationId = (kind: string, ...parts: (string | number)[]): string =>
  `${kind}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 12)}`;

/** The message of an error, for a failure entry. */
export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 500);
