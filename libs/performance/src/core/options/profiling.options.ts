/**
 * The `profiling` section of the module options: on-demand CPU profiles and
 * heap snapshots of the running process through the admin API. Off unless
 * the app turns it on; then still admin-only.
 *
 * @example
 * PerformanceModule.forRoot({ admin: { token }, profiling: { enabled: true, maxSeconds: 30 } })
 */
export interface ProfilingOptions {
  /**
   * Mount `POST profiling/cpu`, `POST profiling/heap` and `GET profiling/summary`.
   * A profile slows the process while it runs (a few percent for CPU; a heap
   * snapshot pauses it for as long as it takes to write). Env: `PROFILING_ENABLED`.
   * @default false
   */
  enabled?: boolean;
  /**
   * Longest CPU profile a caller may ask for, in seconds (`seconds` above it is a 400).
   * Env: `PROFILING_MAX_SECONDS`.
   * @default 60
   */
  maxSeconds?: number;
  /**
   * Allow heap snapshots when profiling is on. A snapshot is about the size
   * of the heap; it is written to a file of its own in a new private
   * directory under the temp directory (mode 0700) and removed once sent.
   * It holds every string in the process, secrets included (the admin
   * token, database passwords, users' data): switch it off where the admin
   * token must not open those.
   * @default true
   */
  heapSnapshots?: boolean;
  /**
   * Microseconds between two CPU samples.
   * @default 1000
   */
  samplingIntervalMicros?: number;
  /**
   * Functions listed in the summary, by self time.
   * @default 15
   */
  topFunctions?: number;
}
