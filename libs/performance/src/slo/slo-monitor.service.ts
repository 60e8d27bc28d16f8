import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../core/context/request-context';
import { parseRoutePattern } from '../core/route-pattern';
import type { RequestObserver } from '../core/context/request-tracker.service';
import type { ResolvedSlo } from '../core/options/schema/slos';
import type { SloAlertCondition, SloAlertSource } from '../core/schemas/performance-alert';
import type { BurnWindow, SloObjectiveReport, SloReport, SlosBody } from './slo-report';
import { SloSeries } from './slo-series';

export type { BurnWindow, SloObjectiveReport, SloReport, SlosBody } from './slo-report';

/** The burn-rate windows, in minutes. */
export const BURN_WINDOWS: Readonly<Record<BurnWindow, number>> = { '5m': 5, '30m': 30, '1h': 60, '6h': 360, '3d': 4320 };

/** Judges one SLO's report: the alert conditions it breaches now. */
export type SloAlertRules = (slo: SloReport) => readonly SloAlertCondition[];

interface CompiledRoute {
  readonly method: string | null;
  readonly path: RegExp;
}

interface Tracked {
  readonly slo: ResolvedSlo;
  /** The latency objective's threshold; Infinity without one (no request is slow). */
  readonly latencyThresholdMs: number;
  readonly routes: readonly CompiledRoute[];
  readonly series: SloSeries;
  readonly matched: Set<string>;
}

const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/** `[METHOD ]/path/*` as a method (null: any) and a regular expression over the route template. */
export function compileSloRoute(pattern: string): CompiledRoute {
  const { method, source } = parseRoutePattern(pattern);
  return { method, path: new RegExp(`^${source}$`) };
}

/**
 * Counts every request of each SLO's routes (through the request tracker's
 * observer hook) per minute and per hour, and reports each SLO's SLI, error
 * budget and burn rates. Per response it does one map lookup (by route
 * template and method, cached) and, for each SLO of the route, two bucket
 * increments; nothing when the route belongs to no SLO.
 *
 * The counts live in memory: a restart starts the window again
 * (`countingSince` says when).
 */
export class SloMonitor implements RequestObserver, SloAlertSource {
  private readonly tracked: readonly Tracked[];
  /** Route template, then method: the SLOs it belongs to (empty: none). */
  private readonly byRoute = new Map<string, Map<string, readonly Tracked[]>>();
  private readonly since: number;
  private rules: SloAlertRules | null = null;
  private readonly now: () => number;

  /** @internal */
  constructor(
    slos: readonly ResolvedSlo[],
    private readonly durationBucketsSeconds: readonly number[] = [],
    /** A clock for tests; without one, responses are timed from the monotonic clock they were measured with. */
    private readonly clock?: () => number,
  ) {
    this.now = clock ?? Date.now;
    this.since = this.now();
    this.tracked = slos.map((slo) => ({
      slo,
      latencyThresholdMs: slo.latency?.thresholdMs ?? Number.POSITIVE_INFINITY,
      routes: slo.routes.map(compileSloRoute),
      series: new SloSeries(slo.windowDays),
      matched: new Set(),
    }));
  }

  /** The alert rules each SLO is judged by (the alerts feature registers them). */
  judgeWith(rules: SloAlertRules): void {
    this.rules = rules;
  }

  responseClosed(ctx: RequestContext, res: ServerResponse): void {
    if (ctx.excluded) return;
    const route = ctx.route;
    if (route === undefined) return;
    let byMethod = this.byRoute.get(route);
    let slos = byMethod?.get(ctx.method);
    if (slos === undefined) {
      slos = this.tracked.filter((t) => t.routes.some((r) => (r.method === null || r.method === ctx.method) && r.path.test(route)));
      for (const t of slos) t.matched.add(`${ctx.method} ${route}`);
      if (byMethod === undefined) this.byRoute.set(route, (byMethod = new Map()));
      byMethod.set(ctx.method, slos);
    }
    if (slos.length === 0) return;
    // One monotonic reading gives both the duration and the minute: no wall-clock read per response.
    const end = performance.now();
    const ms = ctx.elapsedMs(end);
    const failed = res.statusCode >= 500;
    const minute = Math.floor((this.clock ? this.clock() : performance.timeOrigin + end) / 60_000);
    for (let i = 0; i < slos.length; i++) {
      const t = slos[i]!;
      t.series.record(minute, failed, ms > t.latencyThresholdMs);
    }
  }

  /** Every SLO's report at `now`. */
  list(now = this.now()): SlosBody {
    return { generatedAt: new Date(now).toISOString(), slos: this.tracked.map((t) => this.report(t, now)) };
  }

  /** The burn-rate conditions breaching now, for the alert manager. */
  sloAlerts(now = this.now()): readonly SloAlertCondition[] {
    const rules = this.rules;
    if (rules === null) return [];
    return this.tracked.filter((t) => t.slo.alerts).flatMap((t) => rules(this.report(t, now)));
  }

  private report(t: Tracked, now: number): SloReport {
    const { slo } = t;
    const objectives: SloObjectiveReport[] = [];
    if (slo.availability !== undefined) objectives.push(this.objective(t, now, 'availability', slo.availability));
    if (slo.latency !== undefined) objectives.push(this.objective(t, now, 'latency', slo.latency.percent, slo.latency.thresholdMs));
    return {
      name: slo.name,
      routes: slo.routes,
      windowDays: slo.windowDays,
      countingSince: new Date(this.since).toISOString(),
      matchedRoutes: [...t.matched].sort(),
      alerts: slo.alerts,
      alertMinRequests: slo.alertMinRequests,
      objectives,
    };
  }

  private objective(t: Tracked, now: number, objective: 'availability' | 'latency', targetPercent: number, thresholdMs?: number): SloObjectiveReport {
    const index = objective === 'availability' ? 0 : 1;
    const allowedShare = (100 - targetPercent) / 100;
    const { total, bad } = t.series.window(now, t.slo.windowDays * 24 * 60, index);
    const allowed = total * allowedShare;
    const burnRates = {} as Record<BurnWindow, number | null>;
    const windowRequests = {} as Record<BurnWindow, number>;
    for (const [name, minutes] of Object.entries(BURN_WINDOWS) as [BurnWindow, number][]) {
      const w = t.series.window(now, minutes, index);
      windowRequests[name] = w.total;
      burnRates[name] = w.total === 0 ? null : round(w.bad / w.total / allowedShare, 2);
    }
    return {
      objective,
      targetPercent,
      ...(thresholdMs === undefined ? {} : { thresholdMs, metricsBucketSeconds: this.bucketAtOrBelow(thresholdMs / 1000) }),
      requests: total,
      goodRequests: total - bad,
      badRequests: bad,
      sliPercent: total === 0 ? null : round((100 * (total - bad)) / total, 4),
      errorBudget: {
        allowedBadRequests: round(allowed, 2),
        remainingRequests: round(allowed - bad, 2),
        remainingPercent: total === 0 ? null : round(100 * (1 - bad / allowed), 2),
      },
      burnRates,
      windowRequests,
    };
  }

  private bucketAtOrBelow(seconds: number): number | null {
    let best: number | null = null;
    for (const b of this.durationBucketsSeconds) if (b <= seconds + 1e-9 && (best === null || b > best)) best = b;
    return best;
  }
}
