import { Inject, Injectable } from '@nestjs/common';
import * as hdr from 'hdr-histogram-js';
import { hdrSummary } from '../core/hdr-summary';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { listedStatement, type SqlFingerprint } from './sql-fingerprint';

const MAX_ROUTES = 10;
/** One hour in microseconds: the longest statement the histograms keep apart (longer ones count as this). */
const HIGHEST_US = 3_600_000_000;

/**
 * The histogram of one statement's durations in µs: the same HDR method as the
 * response times of requests and load reports, with 2 significant digits.
 * Packed: its memory grows with the distinct durations seen (a few KiB), not
 * with the range, so `database.maxFingerprints` of them stay small.
 */
function durationHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 2,
    bitBucketSize: 'packed',
    useWebAssembly: false,
  });
}

/** What the statistics show for one statement fingerprint (times in ms, dates ISO 8601). */
export interface QueryStatsEntry {
  readonly fingerprint: string;
  /** The statement with literals replaced by `?`. */
  readonly statement: string;
  readonly operation: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'OTHER';
  /** Name of the DataSource that ran it first. */
  readonly database: string;
  readonly calls: number;
  readonly errors: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly maxMs: number;
  /** 95th percentile of every call since it was first seen (HDR histogram, 2 significant digits; never above `maxMs`). */
  readonly p95Ms: number;
  /** Rows returned or affected, summed, where the driver reports them; null when it never did. */
  readonly rows: number | null;
  readonly firstSeen: string;
  readonly lastSeen: string;
  /** Route templates that ran it (at most 10). */
  readonly routes: readonly string[];
  /** Requests in which it was an N+1 finding. */
  readonly n1Requests: number;
}

/** The raw text and parameters of one call, kept for EXPLAIN; never shown. */
export interface QueryExample {
  readonly sql: string;
  readonly parameters: readonly unknown[] | undefined;
  readonly database: string;
}

class Entry {
  fp: SqlFingerprint;
  calls = 0;
  errors = 0;
  totalMs = 0;
  maxMs = 0;
  rows: number | null = null;
  lastSeen = 0;
  n1Requests = 0;
  readonly routes = new Set<string>();
  /** Durations in µs of every call. */
  readonly durations = durationHistogram();
  example: QueryExample;

  constructor(
    fp: SqlFingerprint,
    readonly firstSeen: number,
    example: QueryExample,
  ) {
    this.fp = fp;
    this.example = example;
  }
}

/** Totals over every statement, including evicted fingerprints. */
export interface QueryTotals {
  /** Statements run, inside and outside requests. */
  readonly queries: number;
  readonly timeMs: number;
  readonly errors: number;
  /** Statements run outside any request (start-up, schedulers). */
  readonly outsideRequests: { readonly queries: number; readonly timeMs: number };
  /** Distinct fingerprints currently kept, and the bound. */
  readonly fingerprints: number;
  readonly maxFingerprints: number;
  /** Fingerprints dropped to stay within the bound. */
  readonly evicted: number;
}

/**
 * Statistics per statement fingerprint: calls, total/mean/max/p95 time, rows,
 * first and last seen, the routes that ran it. Bounded by
 * `database.maxFingerprints`: a new fingerprint evicts the one with the least
 * total time.
 */
@Injectable()
export class QueryStats {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private queries = 0;
  private timeMs = 0;
  private errors = 0;
  private outsideQueries = 0;
  private outsideTimeMs = 0;
  private evicted = 0;

  /** @internal */
  constructor(@Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions) {
    this.max = options.database.maxFingerprints;
  }

  /** Counts a statement that ran outside any request. @internal */
  recordOutsideRequest(durationMs: number): void {
    this.outsideQueries++;
    this.outsideTimeMs += durationMs;
  }

  /** Records one finished statement. @internal */
  record(
    fp: SqlFingerprint,
    durationMs: number,
    success: boolean,
    rows: number | undefined,
    route: string | undefined,
    example: QueryExample,
    now: number,
  ): void {
    this.queries++;
    this.timeMs += durationMs;
    let entry = this.entries.get(fp.fingerprint);
    if (entry === undefined) {
      if (this.entries.size >= this.max) this.evictCheapest();
      entry = new Entry(fp, now, example);
      this.entries.set(fp.fingerprint, entry);
    }
    // Same fingerprint, maybe other list lengths: the text shows the last call's counts.
    entry.fp = fp;
    entry.durations.recordValue(Math.min(HIGHEST_US, Math.max(1, Math.round(durationMs * 1000))));
    entry.calls++;
    entry.totalMs += durationMs;
    if (durationMs > entry.maxMs) entry.maxMs = durationMs;
    entry.lastSeen = now;
    if (!success) {
      entry.errors++;
      this.errors++;
    } else {
      entry.example = example;
    }
    if (rows !== undefined) entry.rows = (entry.rows ?? 0) + rows;
    if (route !== undefined && entry.routes.size < MAX_ROUTES) entry.routes.add(route);
  }

  /** Counts an N+1 finding against its fingerprint. @internal */
  recordN1(fingerprint: string): void {
    const entry = this.entries.get(fingerprint);
    if (entry) entry.n1Requests++;
  }

  /** Entries sorted by total time, most expensive first; statements cut to 500 characters. */
  list(limit = Number.POSITIVE_INFINITY): QueryStatsEntry[] {
    return [...this.entries.values()]
      .sort((a, b) => b.totalMs - a.totalMs)
      .slice(0, limit)
      .map((e) => this.view(e, listedStatement(e.fp.statement)));
  }

  /** One fingerprint's entry with its whole statement, or undefined. */
  get(fingerprint: string): QueryStatsEntry | undefined {
    const entry = this.entries.get(fingerprint);
    return entry && this.view(entry, entry.fp.statement);
  }

  /** The last successful call of a fingerprint (raw text and parameters), for EXPLAIN. @internal */
  example(fingerprint: string): QueryExample | undefined {
    return this.entries.get(fingerprint)?.example;
  }

  totals(): QueryTotals {
    return {
      queries: this.queries + this.outsideQueries,
      timeMs: round(this.timeMs + this.outsideTimeMs),
      errors: this.errors,
      outsideRequests: { queries: this.outsideQueries, timeMs: round(this.outsideTimeMs) },
      fingerprints: this.entries.size,
      maxFingerprints: this.max,
      evicted: this.evicted,
    };
  }

  /** Forgets everything (tests, and an admin reset). */
  clear(): void {
    this.entries.clear();
    this.queries = this.timeMs = this.errors = this.outsideQueries = this.outsideTimeMs = this.evicted = 0;
  }

  private evictCheapest(): void {
    let cheapest: Entry | undefined;
    for (const entry of this.entries.values()) if (!cheapest || entry.totalMs < cheapest.totalMs) cheapest = entry;
    if (cheapest) {
      this.entries.delete(cheapest.fp.fingerprint);
      this.evicted++;
    }
  }

  private view(e: Entry, statement: string): QueryStatsEntry {
    return {
      fingerprint: e.fp.fingerprint,
      statement,
      operation: e.fp.operation,
      database: e.example.database,
      calls: e.calls,
      errors: e.errors,
      totalMs: round(e.totalMs),
      meanMs: round(e.calls ? e.totalMs / e.calls : 0),
      maxMs: round(e.maxMs),
      // Read like every other percentile of the module; held at the exact max (the histogram rounds up to its bucket).
      p95Ms: e.calls ? round(Math.min(e.maxMs, hdrSummary(e.durations).p95 / 1000)) : 0,
      rows: e.rows,
      firstSeen: new Date(e.firstSeen).toISOString(),
      lastSeen: new Date(e.lastSeen).toISOString(),
      routes: [...e.routes],
      n1Requests: e.n1Requests,
    };
  }
}

/** Rounds to 2 decimals, the precision of every time the module shows. */
export function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
