import { Inject, Injectable } from '@nestjs/common';
import type { RequestContext } from '../core/context/request-context';
import type { NPlusOneSource } from '../core/ports/observability.port';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { listedStatement, type SqlFingerprint } from './sql-fingerprint';

/** The same statement run more than `database.n1Threshold` times in one request. */
export interface N1Finding {
  /** ISO 8601 time the threshold was crossed. */
  readonly at: string;
  readonly route: string | null;
  readonly requestId: string;
  readonly fingerprint: string;
  /** The statement with literals replaced by `?`. */
  readonly statement: string;
  /** How many times the request ran it (grows while the request runs). */
  count: number;
}

interface Seen {
  count: number;
  finding: N1Finding | undefined;
}

/**
 * Counts fingerprints per request and records an N+1 finding when one runs
 * more than `database.n1Threshold` times. Per-request counts live in a
 * WeakMap keyed by the request's context, so they go with the request.
 */
@Injectable()
export class N1Detector implements NPlusOneSource {
  /** A fingerprint run more than this many times in one request is a finding. */
  readonly threshold: number;
  private readonly perRequest = new WeakMap<RequestContext, Map<string, Seen>>();
  private readonly ring: (N1Finding | undefined)[];
  private next = 0;
  private total = 0;

  constructor(@Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions) {
    this.threshold = options.database.n1Threshold;
    this.ring = new Array<N1Finding | undefined>(options.database.n1LogSize);
  }

  /** Counts one statement of a request; returns the new finding when this call crossed the threshold. */
  observe(ctx: RequestContext, fp: SqlFingerprint): N1Finding | undefined {
    let seen = this.perRequest.get(ctx);
    if (seen === undefined) {
      seen = new Map();
      this.perRequest.set(ctx, seen);
    }
    let s = seen.get(fp.fingerprint);
    if (s === undefined) {
      seen.set(fp.fingerprint, (s = { count: 0, finding: undefined }));
    }
    s.count++;
    if (s.finding !== undefined) {
      s.finding.count = s.count;
      return undefined;
    }
    if (s.count <= this.threshold) return undefined;
    s.finding = {
      at: new Date().toISOString(),
      route: ctx.route ?? null,
      requestId: ctx.requestId,
      fingerprint: fp.fingerprint,
      statement: listedStatement(fp.statement),
      count: s.count,
    };
    this.ring[this.next] = s.finding;
    this.next = (this.next + 1) % this.ring.length;
    this.total++;
    return s.finding;
  }

  /** Fingerprints that were N+1 findings in this request. */
  findingsOf(ctx: RequestContext): string[] {
    const seen = this.perRequest.get(ctx);
    if (!seen) return [];
    const out: string[] = [];
    for (const [fingerprint, s] of seen) if (s.finding) out.push(fingerprint);
    return out;
  }

  /** Recent findings, newest first. */
  list(limit = this.ring.length): N1Finding[] {
    const out: N1Finding[] = [];
    for (let i = 1; i <= this.ring.length && out.length < limit; i++) {
      const f = this.ring[(this.next - i + this.ring.length) % this.ring.length];
      if (f) out.push({ ...f });
    }
    return out;
  }

  /** Findings since start, including those overwritten. */
  get count(): number {
    return this.total;
  }

  /** Findings since start (for the metrics gauge). */
  nPlusOneFindings(): number {
    return this.total;
  }

  clear(): void {
    this.ring.fill(undefined);
    this.next = 0;
    this.total = 0;
  }
}
