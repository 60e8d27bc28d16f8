import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

const CGROUP_LIMIT_FILES = [
  '/sys/fs/cgroup/memory.max', // cgroup v2
  '/sys/fs/cgroup/memory/memory.limit_in_bytes', // cgroup v1
];

/**
 * The memory limit the process lives under: the container's cgroup limit
 * when one is set and below the host's memory, else the host's memory.
 */
export function readMemoryLimitBytes(files: readonly string[] = CGROUP_LIMIT_FILES): number {
  const host = totalmem();
  for (const file of files) {
    try {
      const raw = readFileSync(file, 'utf8').trim();
      if (raw === 'max') return host;
      const limit = Number(raw);
      // cgroup v1 reports "no limit" as a huge page-aligned number.
      if (Number.isFinite(limit) && limit > 0 && limit < host) return limit;
      return host;
    } catch {
      // not this cgroup version
    }
  }
  return host;
}

/**
 * Process RSS as a share of the memory limit, for the X-Memory-Usage header.
 * Reading RSS costs a /proc read, so the value is refreshed at most once per
 * `maxAgeMs` instead of once per response.
 */
export class ProcessMemory {
  private rssPercentValue = 0;
  private rssPercentText = '0.0';
  private readAt = -Infinity;

  constructor(
    readonly limitBytes: number = readMemoryLimitBytes(),
    private readonly maxAgeMs = 1000,
  ) {}

  /** RSS in percent of {@link limitBytes}, at most `maxAgeMs` old. */
  rssPercent(now: number = performance.now()): number {
    if (now - this.readAt >= this.maxAgeMs) this.refresh(now);
    return this.rssPercentValue;
  }

  /** {@link rssPercent} formatted with one decimal, as the header shows it (formatted once per refresh). */
  rssPercentHeader(now: number = performance.now()): string {
    if (now - this.readAt >= this.maxAgeMs) this.refresh(now);
    return this.rssPercentText;
  }

  private refresh(now: number): void {
    this.rssPercentValue = (process.memoryUsage.rss() / this.limitBytes) * 100;
    this.rssPercentText = this.rssPercentValue.toFixed(1);
    this.readAt = now;
  }
}
