import { runBatch } from '../core/batch-runner';
import type { AdminClient } from './admin-client';
import { AdminRequestError } from './admin-client';

/** Bodies of the sections that answered, and why the others did not. */
export interface Sections {
  readonly bodies: Readonly<Record<string, unknown>>;
  /** Section name to the 404 message of an endpoint this app does not mount (feature off, older version). */
  readonly unavailable: Readonly<Record<string, string>>;
  /** Section name to the error of an endpoint that failed (5xx), with `keepGoing` only. */
  readonly failed: Readonly<Record<string, string>>;
}

/**
 * GETs several admin endpoints at once (at most 4 in flight). An endpoint
 * answering 404 is reported as unavailable rather than failing the command,
 * since a feature may be off in this app; but when none answers, or one
 * fails otherwise (refused, 401, 5xx), that error is thrown. With
 * `keepGoing`, an endpoint that fails with a 5xx is listed in `failed` and
 * the others are kept (a report writes what it has).
 */
export async function fetchSections(
  client: AdminClient,
  paths: Readonly<Record<string, string>>,
  { keepGoing = false }: { keepGoing?: boolean } = {},
): Promise<Sections> {
  const entries = Object.entries(paths);
  const { outcomes } = await runBatch(entries, ([, path]) => client.get(path), { concurrency: 4 });
  const bodies: Record<string, unknown> = {};
  const unavailable: Record<string, string> = {};
  const failed: Record<string, string> = {};
  let notFound: AdminRequestError | undefined;
  let serverError: AdminRequestError | undefined;
  for (const outcome of outcomes) {
    const [name] = outcome.item;
    if (outcome.ok) {
      bodies[name] = outcome.value;
    } else if (outcome.error instanceof AdminRequestError && outcome.error.status === 404) {
      notFound ??= outcome.error;
      unavailable[name] = `not available: ${client.urlOf(outcome.item[1]).pathname} answered 404`;
    } else if (keepGoing && outcome.error instanceof AdminRequestError && outcome.error.status >= 500) {
      serverError ??= outcome.error;
      failed[name] = outcome.error.message;
    } else {
      throw outcome.error;
    }
  }
  if (Object.keys(bodies).length === 0 && (serverError ?? notFound)) throw serverError ?? notFound;
  return { bodies, unavailable, failed };
}
