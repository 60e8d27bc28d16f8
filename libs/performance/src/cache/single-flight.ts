/**
 * Runs one producer per key at a time: callers that arrive while a producer
 * for their key runs get its promise instead of starting another.
 *
 * @example
 * const value = await flights.run(key, () => expensive());
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  /** The promise of the producer running for `key`, if any. */
  get(key: string): Promise<T> | undefined {
    return this.running.get(key);
  }

  /** Number of producers running now. */
  get size(): number {
    return this.running.size;
  }

  /**
   * Registers a flight for `key` that the caller settles with the returned
   * function (exactly once counts; later calls are ignored).
   */
  start(key: string): (value: T) => void {
    let settle!: (value: T) => void;
    const promise = new Promise<T>((resolve) => (settle = resolve));
    this.running.set(key, promise);
    let done = false;
    return (value: T) => {
      if (done) return;
      done = true;
      if (this.running.get(key) === promise) this.running.delete(key);
      settle(value);
    };
  }

  /** Runs `produce` unless a flight for `key` runs already; every caller gets the same result. */
  run(key: string, produce: () => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing;
    const promise = produce().finally(() => {
      if (this.running.get(key) === promise) this.running.delete(key);
    });
    this.running.set(key, promise);
    return promise;
  }
}
