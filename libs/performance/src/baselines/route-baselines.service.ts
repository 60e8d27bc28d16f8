import type { ServerResponse } from 'node:http';
import * as hdr from 'hdr-histogram-js';
import type { RequestContext } from '../core/context/request-context';
import type { RequestObserver } from '../core/context/request-tracker.service';
import type { ResolvedBaselinesOptions } from '../core/options/schema/baselines';
import type { RouteAlertCondition, RouteAlertSource, RouteJudgement } from '../core/schemas/performance-alert';
import type { SnapshotObserver } from '../monitor/metrics-sampler.service';
import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import { RouteBaseline, type BaselineFigure, type BaselineSource, type BaselineStatus, type RouteJudged, type RouteWindow } from './baseline-model';

/** Routes with a baseline, at most; later ones are not followed (the admin API and the alerts stay bounded). */
const MAX_ROUTES = 200;
/** One hour in microseconds: the largest response time the histograms keep apart. */
const HIGHEST_US = 3_600_000_000;

const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
const toUs = (ms: number): number => Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000)));

/** One route's requests in the window under way. */
class Accumulator {
  requests = 0;
  errors = 0;
  totalMs = 0;
  readonly latency = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 2,
    autoResize: true,
    useWebAssembly: false,
  });
  constructor(
    readonly method: string,
    readonly template: string,
  ) {}
}

/** The latest judged window of a route, with the baseline it was judged against. */
interface Judged {
  readonly window: RouteWindow;
  readonly judged: RouteJudged;
}

/** One route of `GET <admin>/baselines`. */
export interface RouteBaselineRow {
  /** `METHOD /template`, the key of `baselines.routeTargets` and of the route alerts. */
  readonly route: string;
  readonly method: string;
  readonly template: string;
  /** `learning` until `minSamples` windows taught it; then `normal` or `anomalous`, as its latest judged window was. */
  readonly status: BaselineStatus;
  /** The latest window with at least `minRequests` requests of the route; null before one. */
  readonly live: {
    /** ISO 8601: the end of the window (the snapshot's time). */
    readonly at: string;
    readonly windowSeconds: number;
    readonly requests: number;
    readonly p95Ms: number;
    readonly meanMs: number;
    readonly errorRatePercent: number;
  } | null;
  /** The p95 baseline the live window was judged against (the current one before a window). */
  readonly latency: BaselineFigure;
  /** The error-rate baseline (percent) the live window was judged against. */
  readonly errorRate: BaselineFigure;
  /** `hour-of-day`: this hour's own baseline over past days; `moving-average`: all windows. */
  readonly source: BaselineSource;
  /** The windows the baseline learned from; null before the first. */
  readonly learnedFrom: { readonly from: string; readonly to: string; readonly windows: number } | null;
  /** UTC hours of the day with a baseline of their own. */
  readonly hoursLearned: readonly number[];
  /** The target set in `baselines.routeTargets`, and whether the live window met it (null: no live window). */
  readonly target: { readonly p95Ms?: number; readonly errorRatePercent?: number; readonly met: boolean | null } | null;
}

/** Body of `GET <admin>/baselines`. */
export interface BaselinesReport {
  readonly enabled: boolean;
  readonly sensitivity: number;
  readonly minSamples: number;
  readonly minRequests: number;
  /** ISO 8601: the end of the latest window judged; null before one. */
  readonly judgedAt: string | null;
  /** Anomalous first, then most requests in the live window. */
  readonly routes: readonly RouteBaselineRow[];
}

/**
 * Per-route baselines: counts each response of a route (one map lookup, one
 * histogram record), and at each snapshot of the sampler closes the window:
 * each route with at least `minRequests` requests in it is judged against
 * its baseline (the `route-anomaly` rule), checked against its target if it
 * has one (`route-target`), then teaches its baseline. The alert manager
 * reads the judgement of each window; a route with fewer requests is not
 * measured by it, so its alerts keep their state.
 */
export class RouteBaselines implements RequestObserver, SnapshotObserver, RouteAlertSource {
  private readonly accumulators = new Map<string, Map<string, Accumulator>>();
  private readonly routes = new Map<string, { baseline: RouteBaseline; last?: Judged }>();
  private windowStart: number;
  private closedAt = -Infinity;
  private judgement: RouteJudgement = { measured: [], breaching: [] };
  private count = 0;

  constructor(
    private readonly options: ResolvedBaselinesOptions,
    now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  responseClosed(ctx: RequestContext, res: ServerResponse): void {
    const template = ctx.route;
    if (ctx.excluded || template === undefined) return;
    let byMethod = this.accumulators.get(template);
    let acc = byMethod?.get(ctx.method);
    if (acc === undefined) {
      if (this.count >= MAX_ROUTES) return;
      this.count++;
      acc = new Accumulator(ctx.method, template);
      if (byMethod === undefined) this.accumulators.set(template, (byMethod = new Map()));
      byMethod.set(ctx.method, acc);
    }
    const ms = ctx.elapsedMs();
    acc.requests++;
    if (res.statusCode >= 500) acc.errors++;
    acc.totalMs += ms;
    acc.latency.recordValue(toUs(ms));
  }

  /** @internal The sampler took a snapshot: the window ends. */
  snapshotTaken(snapshot: MetricsSnapshot): void {
    this.close(Date.parse(snapshot.timestamp));
  }

  /** The judgement of the window that ended at `now` (ms); the window is closed then if it was not yet. */
  routeAlerts(now: number): RouteJudgement {
    return this.close(now);
  }

  /**
   * Closes the window at `at` (ms): judges, checks and teaches each route
   * with enough requests. Closing again at the same time (the sampler's
   * observer and the alert manager both ask) returns the same judgement.
   */
  close(at: number): RouteJudgement {
    if (at <= this.closedAt) return this.judgement;
    const seconds = Math.max(0.001, (at - this.windowStart) / 1000);
    const measured: string[] = [];
    const breaching: RouteAlertCondition[] = [];
    for (const byMethod of this.accumulators.values()) {
      for (const acc of byMethod.values()) {
        if (acc.requests >= this.options.minRequests) {
          const key = `${acc.method} ${acc.template}`;
          const window: RouteWindow = {
            at,
            seconds,
            requests: acc.requests,
            errors: acc.errors,
            p95Ms: round(acc.latency.getValueAtPercentile(95) / 1000),
            meanMs: round(acc.totalMs / acc.requests),
          };
          measured.push(key);
          breaching.push(...this.judge(key, window));
        }
        acc.requests = acc.errors = acc.totalMs = 0;
        acc.latency.reset();
      }
    }
    this.windowStart = at;
    this.closedAt = at;
    this.judgement = { measured, breaching };
    return this.judgement;
  }

  private judge(key: string, window: RouteWindow): RouteAlertCondition[] {
    let route = this.routes.get(key);
    if (route === undefined) this.routes.set(key, (route = { baseline: new RouteBaseline(this.options) }));
    const judged = route.baseline.judge(window);
    route.last = { window, judged };
    route.baseline.learn(window, judged);
    const out: RouteAlertCondition[] = [];
    const over = `over the last ${round(window.seconds, 0)} s`;
    if (judged.latencyAnomalous || judged.errorsAnomalous) {
      const describe = (label: string, value: number, unit: string, b: BaselineFigure) =>
        `${label} ${value}${unit} ${over}, far above its usual ${b.mean}${unit} ± ${b.spread}${unit} (anomalous past ${b.threshold}${unit})`;
      const parts: string[] = [];
      if (judged.latencyAnomalous) parts.push(describe('p95', window.p95Ms, ' ms', judged.latency));
      if (judged.errorsAnomalous) parts.push(describe('error rate', judged.errorRatePercent, '%', judged.errorRate));
      const latency = judged.latencyAnomalous;
      out.push({
        rule: 'route-anomaly',
        route: key,
        severity: 'warning',
        message: `${key}: ${parts.join('; ')}; baseline: ${judged.source === 'hour-of-day' ? `this hour (${judged.hour}:00 UTC) on past days` : 'moving average'}`,
        value: latency ? window.p95Ms : judged.errorRatePercent,
        threshold: latency ? judged.latency.threshold : judged.errorRate.threshold,
      });
    }
    const target = this.options.routeTargets[key];
    if (target !== undefined) {
      const missed = missedTarget(target, window.p95Ms, judged.errorRatePercent);
      if (missed) {
        out.push({
          rule: 'route-target',
          route: key,
          severity: 'warning',
          message: `${key}: ${missed.label} ${missed.value}${missed.unit} ${over} is over its target of ${missed.target}${missed.unit}`,
          value: missed.value,
          threshold: missed.target,
        });
      }
    }
    return out;
  }

  /** Every route with a baseline or a target: its live window beside its baseline. */
  report(): BaselinesReport {
    const rows: RouteBaselineRow[] = [];
    const keys = new Set([...this.routes.keys(), ...Object.keys(this.options.routeTargets)]);
    for (const key of keys) rows.push(this.row(key));
    const rank = (r: RouteBaselineRow) => (r.status === 'anomalous' ? 0 : 1);
    rows.sort((a, b) => rank(a) - rank(b) || (b.live?.requests ?? 0) - (a.live?.requests ?? 0) || a.route.localeCompare(b.route));
    const o = this.options;
    return {
      enabled: true,
      sensitivity: o.sensitivity,
      minSamples: o.minSamples,
      minRequests: o.minRequests,
      judgedAt: Number.isFinite(this.closedAt) ? new Date(this.closedAt).toISOString() : null,
      routes: rows,
    };
  }

  private row(key: string): RouteBaselineRow {
    const space = key.indexOf(' ');
    const [method, template] = [key.slice(0, space), key.slice(space + 1)];
    const route = this.routes.get(key);
    const last = route?.last;
    const baseline = route?.baseline ?? new RouteBaseline(this.options);
    // Without a live window: the baseline as it stands (judged on an empty window at the latest time).
    const judged = last?.judged ?? baseline.judge({ at: baseline.lastAt ?? 0, seconds: 0, requests: 0, errors: 0, p95Ms: 0, meanMs: 0 });
    const target = this.options.routeTargets[key];
    return {
      route: key,
      method,
      template,
      status: baseline.latency.samples < this.options.minSamples ? 'learning' : judged.status,
      live: last
        ? {
            at: new Date(last.window.at).toISOString(),
            windowSeconds: round(last.window.seconds, 1),
            requests: last.window.requests,
            p95Ms: last.window.p95Ms,
            meanMs: last.window.meanMs,
            errorRatePercent: last.judged.errorRatePercent,
          }
        : null,
      latency: judged.latency,
      errorRate: judged.errorRate,
      source: judged.source,
      learnedFrom:
        baseline.firstAt !== null && baseline.lastAt !== null
          ? { from: new Date(baseline.firstAt).toISOString(), to: new Date(baseline.lastAt).toISOString(), windows: baseline.latency.samples }
          : null,
      hoursLearned: baseline.learnedHours(),
      target: target ? { ...target, met: last ? !missedTarget(target, last.window.p95Ms, last.judged.errorRatePercent) : null } : null,
    };
  }
}

function missedTarget(
  target: { readonly p95Ms?: number; readonly errorRatePercent?: number },
  p95Ms: number,
  errorRatePercent: number,
): { label: string; value: number; unit: string; target: number } | undefined {
  if (target.p95Ms !== undefined && p95Ms > target.p95Ms) return { label: 'p95', value: p95Ms, unit: ' ms', target: target.p95Ms };
  if (target.errorRatePercent !== undefined && errorRatePercent > target.errorRatePercent) {
    return { label: 'error rate', value: errorRatePercent, unit: '%', target: target.errorRatePercent };
  }
  return undefined;
}
