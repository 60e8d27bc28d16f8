import type { IncomingMessage, ServerResponse } from 'node:http';
import * as hdr from 'hdr-histogram-js';
import type { CacheEvent, QueryEvent } from '../core/context/performance-events.service';
import type { RequestContext } from '../core/context/request-context';
import type { RequestObserver } from '../core/context/request-tracker.service';
import { encodeLatencyHistogram } from './latency-histogram';
import { LiveRing } from './live-ring';
import { roundTo } from './metrics-snapshot';

/** Routes get their own statistics up to this many; later ones share `<other>`. */
const MAX_ROUTES = 200;
/** Cache namespaces tracked for the advisor; later ones share `<other>`. */
const MAX_NAMESPACES = 200;
/** One hour in microseconds: the largest response time the histograms keep apart. */
const HIGHEST_US = 3_600_000_000;

/** The route key of responses that matched no route. */
export const UNMATCHED = '<unmatched>';

function histogram(digits: 2 | 3): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: digits,
    autoResize: true,
    useWebAssembly: false,
  });
}

const toUs = (ms: number): number => Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)));

/** Slowest requests kept per route. */
export const SLOWEST_PER_ROUTE = 5;
/** Minutes a request stays among its route's slowest. */
export const SLOWEST_WINDOW_MINUTES = 10;
const SLOWEST_WINDOW_MS = SLOWEST_WINDOW_MINUTES * 60_000;

/** SQL statements kept per slow request (the first ones it ran). */
export const STATEMENTS_PER_REQUEST = 50;

/** One SQL statement a request ran: its fingerprinted text (literals as `?`, never bound values) and duration. */
export interface RequestStatement {
  readonly fingerprint: string;
  /** The statement with its literals replaced by `?`. */
  readonly statement: string;
  readonly durationMs: number;
  readonly success: boolean;
}

/** One of the slowest requests of a route in the last {@link SLOWEST_WINDOW_MINUTES} minutes. */
export interface SlowRequest {
  /** Its X-Request-ID. */
  readonly requestId: string;
  /** When its response closed, epoch ms. */
  readonly at: number;
  readonly durationMs: number;
  readonly status: number;
  readonly dbQueries: number;
  readonly dbTimeMs: number;
}

/** `GET <admin>/requests/:id`: one of the slowest requests kept, with the statements it ran. */
export interface SlowRequestDetail extends SlowRequest {
  readonly method: string;
  readonly route: string;
  /** Its first {@link STATEMENTS_PER_REQUEST} statements, in the order they ended. */
  readonly statements: readonly RequestStatement[];
  /** Statements it ran beyond those kept. */
  readonly statementsNotKept: number;
}

/** Seconds of the per-route request rate (`ratePerSecond`). */
export const ROUTE_RATE_SECONDS = 60;

/** What the monitor saw of one route since start (times in ms). */
export interface RouteStatsEntry {
  readonly method: string;
  /** Route template as the client sees it (`/api/v1/documents/:id`), or `<unmatched>`. */
  readonly route: string;
  readonly requests: number;
  /** Responses with status 500 or above. */
  readonly errors: number;
  readonly meanMs: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  /** SQL statements per request, mean. */
  readonly dbQueriesPerRequest: number;
  /** Responses the response cache served (HIT or STALE). */
  readonly cacheHits: number;
  /** Responses the cache looked up and missed. */
  readonly cacheMisses: number;
}

/** One row of the per-route table (`GET <admin>/routes`): totals since start, and the rate of the last minute. */
export interface RouteTableEntry extends RouteStatsEntry {
  /** Requests per second over the last {@link ROUTE_RATE_SECONDS} complete seconds. */
  readonly ratePerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses by status class since start. */
  readonly status: { readonly '2xx': number; readonly '3xx': number; readonly '4xx': number; readonly '5xx': number };
  /** `errors / requests` in percent. */
  readonly errorRatePercent: number;
  /** Summed duration of the route's SQL statements, in ms. */
  readonly dbTimeMs: number;
  /** Share of the route's response time spent in SQL statements, in percent. */
  readonly dbTimeSharePercent: number;
  /** `cacheHits / (cacheHits + cacheMisses)` in percent; null when the response cache never looked this route up. */
  readonly cacheHitRatePercent: number | null;
  /** Its slowest requests of the last {@link SLOWEST_WINDOW_MINUTES} minutes, slowest first (at most {@link SLOWEST_PER_ROUTE}). */
  readonly slowest: readonly SlowRequest[];
}

/** A reusable slot of a route's slowest requests (filled in place: nothing allocated per response). */
interface SlowSlot {
  requestId: string;
  at: number;
  durationMs: number;
  status: number;
  dbQueries: number;
  dbTimeMs: number;
  statements: readonly RequestStatement[];
}

const NO_STATEMENTS: readonly RequestStatement[] = [];

/** Cache lookups of one namespace since start, from cache events. */
export interface NamespaceCacheStats {
  readonly namespace: string;
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  readonly bypass: number;
  /** `(hits + stale) / (hits + stale + misses)` in percent; null before the first lookup. */
  readonly hitRatePercent: number | null;
}

class RouteEntry {
  requests = 0;
  errors = 0;
  totalMs = 0;
  maxMs = 0;
  dbQueries = 0;
  cacheHits = 0;
  cacheMisses = 0;
  dbTimeMs = 0;
  s2 = 0;
  s3 = 0;
  s4 = 0;
  /** Requests per second of the last minute, slot `second % 60`, and the second each slot holds. */
  readonly recent = new Uint32Array(ROUTE_RATE_SECONDS);
  readonly recentSecond = new Float64Array(ROUTE_RATE_SECONDS);
  readonly latency = histogram(2);
  readonly slowest: SlowSlot[] = Array.from({ length: SLOWEST_PER_ROUTE }, () => ({
    requestId: '',
    at: 0,
    durationMs: -1,
    status: 0,
    dbQueries: 0,
    dbTimeMs: 0,
    statements: NO_STATEMENTS,
  }));
  /** A response slower than this, or any once the oldest slot expired (`slowRenewAt`), takes a slot. */
  slowFloor = -1;
  slowRenewAt = 0;
  constructor(
    readonly method: string,
    readonly route: string,
  ) {}
}

/** One interval's counters, swapped out by the sampler. */
export interface RequestWindow {
  readonly requests: number;
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
  /** The interval's response times (µs) as an encoded HDR histogram (see latency-histogram.ts); null without requests. */
  readonly latencyHistogram: string | null;
  readonly cacheHits: number;
  readonly cacheLookups: number;
  readonly dbQueries: number;
  readonly dbTimeMs: number;
  /** Summed response time of the interval's requests, ms (their mean is this over `requests`). */
  readonly totalMs: number;
  /** Statements at least the slow-query threshold slow. */
  readonly slowQueries: number;
  /** Cache lookups the store failed to answer (bypassed with reason `store-error`). */
  readonly cacheStoreErrors: number;
  /** Summed time of the cache lookups and of the failed ones, ms. */
  readonly cacheTimeMs: number;
}

/**
 * Counts every response (through the request tracker's observer hook), every
 * cache lookup and every SQL statement (through PerformanceEvents). Per
 * response it does O(1) work: two counters, one histogram record, one map
 * lookup. The sampler takes the interval's window; the advisor reads the
 * per-route and per-namespace totals.
 */
export class RequestStats implements RequestObserver {
  private window = histogram(3);
  private spare = histogram(3);
  private requests = 0;
  private errors = 0;
  private cacheHits = 0;
  private cacheLookups = 0;
  private dbQueries = 0;
  private dbTimeMs = 0;
  private totalMs = 0;
  private slowQueries = 0;
  private cacheStoreErrors = 0;
  private cacheTimeMs = 0;
  /** Statements at least this slow count as slow queries (`database.slowQueryThresholdMs`). */
  slowQueryMs = Infinity;
  private readonly routes = new Map<string, RouteEntry>();
  /** The same entries by route template, then method: the per-response lookup. */
  private readonly routesByTemplate = new Map<string, Map<string, RouteEntry>>();
  private readonly namespaces = new Map<string, { hits: number; misses: number; stale: number; bypass: number }>();
  /** The first statements of each running request that ran SQL; read when its response takes a slow slot. */
  private readonly statements = new WeakMap<RequestContext, RequestStatement[]>();
  // Optimization: null while nothing is ignored, so each request costs one check.
  private ignored: readonly string[] | null = null;
  /** One-second aggregates of the last 15 minutes (the dashboard's live view). */
  readonly live: LiveRing;

  constructor(private readonly now: () => number = Date.now) {
    this.live = new LiveRing(now);
  }

  /**
   * Leaves requests to these paths, and to anything below them, out of every
   * figure (requests, latency, errors, cache and SQL of those requests):
   * the admin API and the probes and scrapers at the root, whose polling
   * would otherwise set the KPIs of the app. Called once at start-up.
   * @example stats.ignorePaths(['/api/v1/performance', '/metrics', '/health', '/status'])
   */
  ignorePaths(paths: readonly string[]): void {
    const all = new Set([...(this.ignored ?? []), ...paths.map((p) => p.replace(/\/+$/, '') || '/')]);
    this.ignored = all.size ? [...all] : null;
  }

  /** Whether a request path (query string allowed) is left out by {@link ignorePaths}. */
  isIgnoredPath(url: string): boolean {
    const ignored = this.ignored;
    if (ignored === null) return false;
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    for (const p of ignored) {
      if (path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === 47) /* / */) return true;
    }
    return false;
  }

  requestStarted(ctx: RequestContext, req: IncomingMessage): void {
    // The duration comes from the context's clock; only the path is read here, while req.url is still the
    // client's (routers rewrite it on the way: Express sub-apps, 404 handlers).
    if (this.ignored !== null && this.isIgnoredPath(req.url ?? '/')) ctx.excluded = true;
  }

  responseClosed(ctx: RequestContext, res: ServerResponse): void {
    if (ctx.excluded) return;
    const ms = ctx.elapsedMs(ctx.closedAt || undefined);
    const error = res.statusCode >= 500;
    this.requests++;
    this.totalMs += ms;
    if (error) this.errors++;
    const us = toUs(ms);
    this.window.recordValue(us);
    const status = res.statusCode;
    // One clock read per response, shared by the live ring and the route's rate and slowest requests.
    const nowMs = this.now();
    this.live.recordResponse(status, ms, nowMs);

    const route = ctx.route ?? UNMATCHED;
    // Optimization: looked up by the route and method strings the router holds (hashes cached), no key built.
    const byMethod = this.routesByTemplate.get(route);
    let entry = byMethod?.get(ctx.method);
    if (entry === undefined) entry = this.addRoute(ctx.method, route, byMethod);
    entry.requests++;
    if (error) entry.errors++;
    entry.totalMs += ms;
    if (ms > entry.maxMs) entry.maxMs = ms;
    entry.dbQueries += ctx.dbQueries;
    entry.dbTimeMs += ctx.dbTimeMs;
    if (status < 300) entry.s2++;
    else if (status < 400) entry.s3++;
    else if (status < 500) entry.s4++;
    const second = Math.floor(nowMs / 1000);
    const slot = second % ROUTE_RATE_SECONDS;
    if (entry.recentSecond[slot] !== second) {
      entry.recentSecond[slot] = second;
      entry.recent[slot] = 0;
    }
    entry.recent[slot]!++;
    if (ms > entry.slowFloor || nowMs >= entry.slowRenewAt) this.keepSlow(entry, ctx, status, ms, nowMs);
    if (ctx.cacheStatus === 'HIT' || ctx.cacheStatus === 'STALE') entry.cacheHits++;
    else if (ctx.cacheStatus === 'MISS') entry.cacheMisses++;
    entry.latency.recordValue(us);
  }

  /** Puts a response among its route's slowest: into an expired slot, else over the fastest one if it is slower. */
  private keepSlow(entry: RouteEntry, ctx: RequestContext, status: number, ms: number, now: number): void {
    const expired = now - SLOWEST_WINDOW_MS;
    let target: SlowSlot | undefined;
    for (const s of entry.slowest) {
      if (s.at <= expired) {
        target = s;
        break;
      }
      if (target === undefined || s.durationMs < target.durationMs) target = s;
    }
    if (target!.at > expired && target!.durationMs >= ms) {
      this.renewSlow(entry, expired);
      return;
    }
    target!.requestId = ctx.requestId;
    target!.at = now;
    target!.durationMs = ms;
    target!.status = status;
    target!.dbQueries = ctx.dbQueries;
    target!.dbTimeMs = ctx.dbTimeMs;
    target!.statements = this.statements.get(ctx) ?? NO_STATEMENTS;
    this.renewSlow(entry, expired);
  }

  /** The floor a response must pass, and when the oldest slot expires. */
  private renewSlow(entry: RouteEntry, expired: number): void {
    let floor = Infinity;
    let oldest = Infinity;
    for (const s of entry.slowest) {
      if (s.at <= expired) floor = -1;
      else if (s.durationMs < floor) floor = s.durationMs;
      if (s.at < oldest) oldest = s.at;
    }
    entry.slowFloor = floor;
    entry.slowRenewAt = oldest + SLOWEST_WINDOW_MS;
  }

  /** The entry of a method and route seen for the first time (`<other>` past MAX_ROUTES). */
  private addRoute(method: string, route: string, byMethod: Map<string, RouteEntry> | undefined): RouteEntry {
    const key = `${method} ${route}`;
    let entry = this.routes.get(key);
    if (entry === undefined) {
      const otherKey = `${method} <other>`;
      const full = this.routes.size >= MAX_ROUTES;
      entry = full ? (this.routes.get(otherKey) ?? new RouteEntry(method, '<other>')) : new RouteEntry(method, route);
      this.routes.set(full ? otherKey : key, entry);
      if (full) return entry; // not remembered by template: the table of templates stays bounded too
    }
    if (byMethod === undefined) this.routesByTemplate.set(route, (byMethod = new Map()));
    byMethod.set(method, entry);
    return entry;
  }

  /** Listener of cache events. */
  readonly onCache = (event: CacheEvent): void => {
    if (event.request?.excluded === true) return;
    if (event.status === 'HIT' || event.status === 'STALE') {
      this.cacheHits++;
      this.cacheLookups++;
      this.cacheTimeMs += event.durationMs;
      this.live.recordCache(true);
    } else if (event.status === 'MISS') {
      this.cacheLookups++;
      this.cacheTimeMs += event.durationMs;
      this.live.recordCache(false);
    } else if (event.reason === 'store-error') {
      this.cacheStoreErrors++;
      this.cacheTimeMs += event.durationMs;
    }
    let ns = this.namespaces.get(event.namespace);
    if (!ns) {
      const name = this.namespaces.size < MAX_NAMESPACES ? event.namespace : '<other>';
      ns = this.namespaces.get(name) ?? { hits: 0, misses: 0, stale: 0, bypass: 0 };
      this.namespaces.set(name, ns);
    }
    if (event.status === 'HIT') ns.hits++;
    else if (event.status === 'MISS') ns.misses++;
    else if (event.status === 'STALE') ns.stale++;
    else ns.bypass++;
  };

  /** Listener of query events. */
  readonly onQuery = (event: QueryEvent): void => {
    if (event.request?.excluded === true) return;
    this.dbQueries++;
    this.dbTimeMs += event.durationMs;
    if (event.durationMs >= this.slowQueryMs) this.slowQueries++;
    this.live.recordQuery(event.durationMs);
    const ctx = event.request;
    if (ctx === undefined || ctx.closed) return;
    let list = this.statements.get(ctx);
    if (list === undefined) this.statements.set(ctx, (list = []));
    if (list.length < STATEMENTS_PER_REQUEST) {
      list.push({ fingerprint: event.fingerprint, statement: event.statement, durationMs: roundTo(event.durationMs), success: event.success });
    }
  };

  /**
   * One of the slowest requests still kept (see {@link RouteTableEntry.slowest}),
   * with the statements it ran; undefined once it left its route's slowest.
   */
  slowRequest(requestId: string): SlowRequestDetail | undefined {
    const expired = this.now() - SLOWEST_WINDOW_MS;
    for (const e of this.routes.values()) {
      for (const s of e.slowest) {
        if (s.requestId !== requestId || s.durationMs < 0 || s.at <= expired) continue;
        return {
          requestId: s.requestId,
          method: e.method,
          route: e.route,
          at: s.at,
          durationMs: roundTo(s.durationMs),
          status: s.status,
          dbQueries: s.dbQueries,
          dbTimeMs: roundTo(s.dbTimeMs),
          statements: s.statements,
          statementsNotKept: Math.max(0, s.dbQueries - s.statements.length),
        };
      }
    }
    return undefined;
  }

  /** Returns the counters since the last call and starts a new interval. */
  takeWindow(): RequestWindow {
    const h = this.window;
    const count = h.totalCount;
    const pct = (p: number): number | null => (count ? roundTo(h.getValueAtPercentile(p) / 1000) : null);
    const out: RequestWindow = {
      requests: this.requests,
      errors: this.errors,
      p50Ms: pct(50),
      p95Ms: pct(95),
      p99Ms: pct(99),
      maxMs: count ? roundTo(h.maxValue / 1000) : null,
      latencyHistogram: encodeLatencyHistogram(h),
      cacheHits: this.cacheHits,
      cacheLookups: this.cacheLookups,
      dbQueries: this.dbQueries,
      dbTimeMs: this.dbTimeMs,
      totalMs: this.totalMs,
      slowQueries: this.slowQueries,
      cacheStoreErrors: this.cacheStoreErrors,
      cacheTimeMs: this.cacheTimeMs,
    };
    // Swap so the next response records into a clean histogram at once.
    this.window = this.spare;
    this.spare = h;
    this.spare.reset();
    this.requests = this.errors = this.cacheHits = this.cacheLookups = this.dbQueries = 0;
    this.dbTimeMs = this.totalMs = this.cacheTimeMs = 0;
    this.slowQueries = this.cacheStoreErrors = 0;
    return out;
  }

  /** Per-route totals since start, most requests first. */
  routeStats(): RouteStatsEntry[] {
    return [...this.routes.values()]
      .map((e) => ({
        method: e.method,
        route: e.route,
        requests: e.requests,
        errors: e.errors,
        meanMs: roundTo(e.totalMs / Math.max(1, e.requests)),
        p95Ms: roundTo(e.latency.getValueAtPercentile(95) / 1000),
        maxMs: roundTo(e.maxMs),
        dbQueriesPerRequest: roundTo(e.dbQueries / Math.max(1, e.requests)),
        cacheHits: e.cacheHits,
        cacheMisses: e.cacheMisses,
      }))
      .sort((a, b) => b.requests - a.requests);
  }

  /**
   * The per-route table: totals since start with percentiles, status classes,
   * error rate, SQL per request and DB time share, cache hit rate, and the
   * request rate of the last minute; most requests first. Bounded like the
   * routes themselves (200, then `<other>` per method).
   */
  routeTable(): RouteTableEntry[] {
    const lastSecond = Math.floor(this.now() / 1000) - 1;
    return [...this.routes.values()]
      .map((e): RouteTableEntry => {
        let recent = 0;
        for (let i = 0; i < ROUTE_RATE_SECONDS; i++) {
          const s = e.recentSecond[i]!;
          if (s <= lastSecond && s > lastSecond - ROUTE_RATE_SECONDS) recent += e.recent[i]!;
        }
        const n = Math.max(1, e.requests);
        const looked = e.cacheHits + e.cacheMisses;
        const pct = (p: number): number => roundTo(e.latency.getValueAtPercentile(p) / 1000);
        return {
          method: e.method,
          route: e.route,
          requests: e.requests,
          ratePerSecond: roundTo(recent / ROUTE_RATE_SECONDS),
          errors: e.errors,
          errorRatePercent: roundTo((e.errors / n) * 100, 1),
          status: { '2xx': e.s2, '3xx': e.s3, '4xx': e.s4, '5xx': e.errors },
          meanMs: roundTo(e.totalMs / n),
          p50Ms: pct(50),
          p95Ms: pct(95),
          p99Ms: pct(99),
          maxMs: roundTo(e.maxMs),
          dbQueriesPerRequest: roundTo(e.dbQueries / n),
          dbTimeMs: roundTo(e.dbTimeMs),
          dbTimeSharePercent: e.totalMs > 0 ? roundTo(Math.min(100, (e.dbTimeMs / e.totalMs) * 100), 1) : 0,
          cacheHits: e.cacheHits,
          cacheMisses: e.cacheMisses,
          cacheHitRatePercent: looked ? roundTo((e.cacheHits / looked) * 100, 1) : null,
          slowest: e.slowest
            .filter((s) => s.durationMs >= 0 && s.at > this.now() - SLOWEST_WINDOW_MS)
            .sort((a, b) => b.durationMs - a.durationMs)
            .map((s) => ({
              requestId: s.requestId,
              at: s.at,
              durationMs: roundTo(s.durationMs),
              status: s.status,
              dbQueries: s.dbQueries,
              dbTimeMs: roundTo(s.dbTimeMs),
            })),
        };
      })
      .sort((a, b) => b.requests - a.requests);
  }

  /** Per-namespace cache lookups since start. */
  namespaceStats(): NamespaceCacheStats[] {
    return [...this.namespaces.entries()].map(([namespace, n]) => {
      const looked = n.hits + n.stale + n.misses;
      return { namespace, ...n, hitRatePercent: looked ? roundTo(((n.hits + n.stale) / looked) * 100, 1) : null };
    });
  }
}
