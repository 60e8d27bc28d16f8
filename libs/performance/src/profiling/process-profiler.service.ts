import { closeSync, createReadStream, openSync, unlink, writeSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { OnApplicationShutdown } from '@nestjs/common';
import { summarizeCpuProfile, type CpuProfile, type CpuProfileSummary } from './cpu-profile.summary';
import type { ResolvedProfilingOptions } from './profiling.options';

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

/** A heap snapshot written to a temp file; the stream deletes the file when it closes. */
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
        : `a heap snapshot is being taken (started ${activity.startedAt}); try again after it`,
    );
    this.name = 'ProfilerBusyError';
  }
}

// The V8 profiler belongs to the process, not to one Nest app: one at a time, process-wide.
let activity: ProfilerActivity | null = null;

/**
 * Records CPU profiles and heap snapshots of this process with
 * `node:inspector`, one at a time (a second request gets
 * {@link ProfilerBusyError}). Keeps the summary of the latest CPU profile.
 *
 * Injectable when `profiling.enabled`; `null` otherwise.
 */
export class ProcessProfiler implements OnApplicationShutdown {
  private latest: CpuProfileSummary | null = null;
  private stopCurrent: (() => void) | null = null;

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

  /** Records a CPU profile for `seconds` seconds. */
  async recordCpuProfile(seconds: number): Promise<RecordedCpuProfile> {
    const startedAt = Date.now();
    this.claim({ kind: 'cpu', startedAt: new Date(startedAt).toISOString(), endsAt: new Date(startedAt + seconds * 1000).toISOString() });
    const session = new Session();
    try {
      session.connect();
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.setSamplingInterval', { interval: this.options.samplingIntervalMicros });
      await post(session, 'Profiler.start');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, seconds * 1000);
        this.stopCurrent = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const { profile } = (await post(session, 'Profiler.stop')) as { profile: CpuProfile };
      const summary = summarizeCpuProfile(profile, this.options.topFunctions, startedAt);
      this.latest = summary;
      return { profile, summary };
    } finally {
      this.stopCurrent = null;
      session.disconnect();
      activity = null;
    }
  }

  /** Takes a heap snapshot into a temp file and returns a stream of it. */
  async takeHeapSnapshot(): Promise<RecordedHeapSnapshot> {
    this.claim({ kind: 'heap', startedAt: new Date().toISOString(), endsAt: null });
    const path = join(tmpdir(), `nestjs-performance-${process.pid}-${Date.now()}.heapsnapshot`);
    const session = new Session();
    let fd: number | null = null;
    let bytes = 0;
    try {
      fd = openSync(path, 'w', 0o600);
      const file = fd;
      session.connect();
      // Chunks arrive while takeHeapSnapshot runs; writing them synchronously keeps only one in memory.
      session.on('HeapProfiler.addHeapSnapshotChunk', (message: { params: { chunk: string } }) => {
        bytes += writeSync(file, message.params.chunk);
      });
      await post(session, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    } catch (error) {
      unlink(path, () => undefined);
      throw error;
    } finally {
      if (fd !== null) closeSync(fd);
      session.disconnect();
      activity = null;
    }
    const stream = createReadStream(path);
    stream.once('close', () => unlink(path, () => undefined));
    return { stream, bytes };
  }

  onApplicationShutdown(): void {
    this.stopCurrent?.();
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
