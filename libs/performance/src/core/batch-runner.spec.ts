import { describe, expect, it } from 'vitest';
import { MAX_BATCH_CONCURRENCY, runBatch } from './batch-runner';

/** A promise resolved from outside, so tests control completion order without timers. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('runBatch', () => {
  it('returns every outcome in input order and captures each error', async () => {
    const result = await runBatch([1, 2, 3, 4], async (n) => {
      if (n % 2 === 0) throw new Error(`even ${n}`);
      return n * 10;
    });
    expect(result).toEqual({
      outcomes: [
        { index: 0, item: 1, ok: true, value: 10 },
        { index: 1, item: 2, ok: false, error: new Error('even 2') },
        { index: 2, item: 3, ok: true, value: 30 },
        { index: 3, item: 4, ok: false, error: new Error('even 4') },
      ],
      succeeded: 2,
      failed: 2,
    });
  });

  it('never has more than `concurrency` workers in flight, and starts the next as one finishes', async () => {
    const gates = Array.from({ length: 5 }, () => deferred<void>());
    const started: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const done = runBatch(
      [0, 1, 2, 3, 4],
      async (i) => {
        started.push(i);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await gates[i]!.promise;
        inFlight--;
        return i;
      },
      { concurrency: 2 },
    );

    await flush();
    expect(started).toEqual([0, 1]);
    gates[1]!.resolve();
    await flush();
    // A sliding window: item 2 starts while item 0 is still running.
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.resolve();
    const result = await done;
    expect(maxInFlight).toBe(2);
    expect(result.succeeded).toBe(5);
  });

  it('counts a synchronous throw as a failed item', async () => {
    const result = await runBatch(['a'], () => {
      throw new TypeError('boom');
    });
    expect(result.outcomes).toEqual([{ index: 0, item: 'a', ok: false, error: new TypeError('boom') }]);
  });

  it('handles an empty input and any iterable', async () => {
    expect(await runBatch([], async () => 1)).toEqual({ outcomes: [], succeeded: 0, failed: 0 });
    const result = await runBatch(new Set(['x', 'y']), async (s, i) => `${s}${i}`, { concurrency: 1 });
    expect(result.outcomes.map((o) => (o.ok ? o.value : undefined))).toEqual(['x0', 'y1']);
  });

  it('stops starting items once aborted and reports the rest as failed with the reason', async () => {
    const controller = new AbortController();
    const result = await runBatch(
      [1, 2, 3],
      async (n) => {
        if (n === 1) controller.abort(new Error('stopped by user'));
        return n;
      },
      { concurrency: 1, signal: controller.signal },
    );
    expect(result).toEqual({
      outcomes: [
        { index: 0, item: 1, ok: true, value: 1 },
        { index: 1, item: 2, ok: false, error: new Error('stopped by user') },
        { index: 2, item: 3, ok: false, error: new Error('stopped by user') },
      ],
      succeeded: 1,
      failed: 2,
    });
  });

  it.each([0, -1, 1.5, Number.NaN, MAX_BATCH_CONCURRENCY + 1])('rejects concurrency %s naming the option', async (concurrency) => {
    await expect(runBatch([1], async () => 1, { concurrency })).rejects.toThrow(`runBatch: concurrency must be an integer from 1 to ${MAX_BATCH_CONCURRENCY}`);
  });
});
