/** Options of {@link runBatch}. */
export interface BatchOptions {
  /**
   * How many items are processed at the same time: an integer from 1 to 10,000.
   * @default 10
   */
  concurrency?: number;
  /**
   * Stops starting new items when aborted. Items already running finish;
   * items never started are reported as failed with the abort reason.
   */
  signal?: AbortSignal;
}

/** What happened to one item: its value, or the error it threw. */
export type BatchOutcome<I, R> =
  | { readonly index: number; readonly item: I; readonly ok: true; readonly value: R }
  | { readonly index: number; readonly item: I; readonly ok: false; readonly error: unknown };

/** The outcomes of every item, in input order, with counts. */
export interface BatchResult<I, R> {
  /** One outcome per input item, in input order (not completion order). */
  readonly outcomes: readonly BatchOutcome<I, R>[];
  /** Number of items whose worker resolved. */
  readonly succeeded: number;
  /** Number of items whose worker threw or rejected (or never started after an abort). */
  readonly failed: number;
}

/** Upper bound of {@link BatchOptions.concurrency}. */
export const MAX_BATCH_CONCURRENCY = 10_000;

/**
 * Runs `worker` over every item with at most `concurrency` calls in flight,
 * and captures each item's error instead of failing the whole batch.
 *
 * A sliding window, not fixed-size batches: a new item starts as soon as one
 * finishes, so one slow item does not hold up the rest of its batch. Never
 * rejects because of a worker; it rejects only on bad options.
 *
 * @example
 * const { outcomes, failed } = await runBatch(skus, (sku) => stock.lookup(sku), { concurrency: 8 });
 * for (const o of outcomes) if (!o.ok) logger.warn(`${o.item}: ${String(o.error)}`);
 */
export async function runBatch<I, R>(
  items: Iterable<I>,
  worker: (item: I, index: number) => Promise<R> | R,
  options: BatchOptions = {},
): Promise<BatchResult<I, R>> {
  const concurrency = options.concurrency ?? 10;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_BATCH_CONCURRENCY) {
    throw new RangeError(`runBatch: concurrency must be an integer from 1 to ${MAX_BATCH_CONCURRENCY} (got ${String(concurrency)})`);
  }
  const list = Array.from(items);
  const outcomes = new Array<BatchOutcome<I, R>>(list.length);
  let next = 0;
  let failed = 0;

  const lane = async (): Promise<void> => {
    while (next < list.length) {
      const index = next++;
      const item = list[index] as I;
      if (options.signal?.aborted) {
        outcomes[index] = { index, item, ok: false, error: options.signal.reason };
        failed++;
        continue;
      }
      try {
        outcomes[index] = { index, item, ok: true, value: await worker(item, index) };
      } catch (error) {
        outcomes[index] = { index, item, ok: false, error };
        failed++;
      }
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, lane));
  return { outcomes, succeeded: list.length - failed, failed };
}
