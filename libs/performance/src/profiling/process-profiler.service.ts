import { closeSync, createReadStream, openSync, rmSync, writeSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { OnApplicationShutdown } from '@nestjs/common';
import { summarizeCpuProfile, type CpuProfile, type CpuProfileSummary } from './cpu-profile-summary';
import type { ResolvedProfilingOptions } from '../core/options/schema/profiling';

/** What the profiler is doing now, process-wide. */
export interface ProfilerActivity {
  readonly kind: 'cpu' | 'heap';
  /** ISO time it started. */
  readonly startedAt: string;
  /** ISO time a CPU profile ends; null for a heap snapshot. */
  readonly endsAt: string | null;
}

/** A finished CPU profile: the `.cpuprofile` document and its summary. */
export interface RecordedCpuProfile {
  readonly profile: CpuProfile;
  readonly summary: CpuProfileSummary;
}

/**
 * A heap snapshot written to a file in a private temp directory. The
 * profiler stays busy until the stream closes (read to its end or
 * destroyed); then the file and its directory are removed.
 */
export interface RecordedHeapSnapshot {
  readonly stream: Readable;
  readonly bytes: number;
}

/** Thrown when a profile or snapshot is asked for while another one runs. */
export class ProfilerBusyError extends Error {
  constructor(readonly activity: ProfilerActivity) {
    super(
      activity.kind === 'cpu'
        ? `a CPU profile is being recorded (started ${activity.startedAt}, ends ${activity.endsAt}); try again after it`
        : `a heap snapshot is being taken or downloaded (started ${activity.startedAt}); try again after it`,
    );
    this.name = 'ProfilerBusyError';
  }
}

/** Thrown when the caller's signal stops a CPU profile before its end (its client went away). */
export class ProfileAbortedError extends Error {
  constructor() {
    super('the CPU profile was stopped before its end: its client went away');
    this.name = 'ProfileAbortedError';
  }
}

// The V8 profiler belongs to the process, not to one Nest app: one at a time, process-wide.
let activity: ProfilerActivity | null = null;

/**
 * Records CPU profiles and heap snapshots of this process with
 * `node:inspector`, one at a time (a second request gets
 * {@link ProfilerBusyError}, also while a heap snapshot is still being
 * read). Keeps the summary of the latest CPU profile.
 *
 * Injectable when `profiling.enabled`; `null` otherwise.
 */
export class ProcessProfiler implements OnApplicationShutdown {
  private latest: CpuProfileSummary | null = null;
  private stopCurrent: (() => void) | null = null;
  private pendingSnapshot: Readable | null = null;

  constructor(private readonly options: ResolvedProfilingOptions) {}

  /** What runs now, or null. */
  get activity(): ProfilerActivity | null {
    return activity;
  }

  /** Summary of the latest CPU profile this app recorded, or null. */
  get latestSummary(): CpuProfileSummary | null {
    return this.latest;
  }

  /** Longest CPU profile allowed, in seconds (`profiling.maxSeconds`). */
  get maxSeconds(): number {
    return this.options.maxSeconds;
  }

  /** Whether heap snapshots are allowed (`profiling.heapSnapshots`). */
  get heapSnapshotsAllowed(): boolean {
    return this.options.heapSnapshots;
  }

  /**
   * Records a CPU profile for `seconds` seconds. When `signal` aborts first
   * (the client disconnected), the profiler stops at once, the profile is
   * dropped and {@link ProfileAbortedError} is thrown.
   */
  async recordCpuProfile(seconds: number, signal?: AbortSignal): Promise<RecordedCpuProfile> {
    const startedAt = Date.now();
    // Claimed before anything else, so a second caller is refused while this one sets up.
    this.claim({ kind: 'cpu', startedAt: new Date(startedAt).toISOString(), endsAt: new Date(startedAt + seconds * 1000).toISOString() });
    const session = new Session();
    try {
      session.connect();
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: this.options.samplingIntervalMicros });
      await post(session, 'Profiler.start');
      await new Promise<void>((resolve) => {
        const stop = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', stop);
          resolve();
        };
        const timer = setTimeout(stop, seconds * 1000);
        signal?.addEventListener('abort', stop, { once: true });
        this.stopCurrent = stop;
        // Aborted while the profiler was starting: 'abort' has fired already.
        if (signal?.aborted) stop();
      });
      const { profile } = (await post(session, 'Profiler.stop')) as { profile: CpuProfile };
      if (signal?.aborted) throw new ProfileAbortedError();
      const summary = summarizeCpuProfile(profile, this.options.topFunctions, startedAt);
      this.latest = summary;
      return { profile, summary };
    } finally {
      this.stopCurrent = null;
      session.disconnect();
      activity = null;
    }
  }

  /**
   * Takes a heap snapshot into a file created exclusively (`O_EXCL`, mode
   * 0600) in a new private directory (`mkdtemp`, mode 0700) under the temp
   * directory, and returns a stream of it. The process stays busy for other
   * profiles until that stream closes; the file and directory are removed then.
   */
  async takeHeapSnapshot(): Promise<RecordedHeapSnapshot> {
    // Claimed before any blocking work: a caller that arrives while the snapshot is written or sent gets ProfilerBusyError.
    this.claim({ kind: 'heap', startedAt: new Date().toISOString(), endsAt: null });
    let dir: string | null = null;
    const removeFiles = () => {
      try {
        if (dir !== null) rmSync(dir, { recursive: true, force: true });
        dir = null;
      } catch {
        // Windows keeps a file open for reading: removed at 'close' then.
      }
    };
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      activity = null;
    };
    let path: string;
    let bytes = 0;
    try {
      dir = await mkdtemp(join(tmpdir(), 'nestjs-performance-heap-'));
      path = join(dir, 'snapshot.heapsnapshot');
      const session = new Session();
      const fd = openSync(path, 'wx', 0o600);
      try {
        session.connect();
        // Chunks arrive while takeHeapSnapshot runs; writing them synchronously keeps only one in memory.
        session.on('HeapProfiler.addHeapSnapshotChunk', (message: { params: { chunk: string } }) => {
          bytes += writeSync(fd, message.params.chunk);
        });
        await post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      } finally {
        closeSync(fd);
        session.disconnect();
      }
    } catch (error) {
      removeFiles();
      release();
      throw error;
    }
    const stream = createReadStream(path);
    // Done once the file has been read to its end, before the client has the last bytes (so a client that asks again
    // right after its download is not refused), or when the stream is destroyed: one snapshot on disk at a time.
    const done = () => {
      removeFiles();
      release();
      if (this.pendingSnapshot === stream) this.pendingSnapshot = null;
    };
    stream.once('end', done).once('close', done);
    this.pendingSnapshot = stream;
    return { stream, bytes };
  }

  onApplicationShutdown(): void {
    this.stopCurrent?.();
    // A snapshot nobody finished reading: its file goes when its stream closes.
    this.pendingSnapshot?.destroy();
  }

  private claim(next: ProfilerActivity): void {
    if (activity) throw new ProfilerBusyError(activity);
    activity = next;
  }
}

function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
