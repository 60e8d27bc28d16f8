import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';

/** One statement that took at least `database.slowQueryThresholdMs`. */
export interface SlowQuery {
  /** ISO 8601 time it finished. */
  readonly at: string;
  readonly durationMs: number;
  readonly fingerprint: string;
  /** The statement with literals replaced by `?`. */
  readonly statement: string;
  readonly database: string;
  readonly success: boolean;
  /** Route template, when it ran inside a request. */
  readonly route: string | null;
  readonly requestId: string | null;
  /** Bound values; present only with `database.logParameters: true`. */
  readonly parameters?: readonly unknown[];
}

/**
 * The most recent slow statements, a ring of `database.slowQueryLogSize`
 * entries (the oldest is overwritten).
 */
@Injectable()
export class SlowQueryLog {
  /** Statements at least this slow (ms) are kept. */
  readonly thresholdMs: number;
  private readonly ring: (SlowQuery | undefined)[];
  private next = 0;
  private total = 0;

  constructor(@Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions) {
    this.thresholdMs = options.database.slowQueryThresholdMs;
    this.ring = new Array<SlowQuery | undefined>(options.database.slowQueryLogSize);
  }

  add(entry: SlowQuery): void {
    this.ring[this.next] = entry;
    this.next = (this.next + 1) % this.ring.length;
    this.total++;
  }

  /** Newest first. */
  list(limit = this.ring.length): SlowQuery[] {
    const out: SlowQuery[] = [];
    for (let i = 1; i <= this.ring.length && out.length < limit; i++) {
      const entry = this.ring[(this.next - i + this.ring.length) % this.ring.length];
      if (entry) out.push(entry);
    }
    return out;
  }

  /** Slow statements seen since start, including those overwritten. */
  get count(): number {
    return this.total;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.total = 0;
  }
}
