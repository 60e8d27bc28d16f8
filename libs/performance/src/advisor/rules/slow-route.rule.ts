import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { type RequestStats, UNMATCHED } from '../../monitor/request-stats.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** A route needs this many requests before its latency counts. */
const MIN_ROUTE_REQUESTS = 5;

/** `slow-route` (high when critical, else medium): a route's p95 is above the `thresholds.p95Ms.good` target. */
export class SlowRouteRule implements AdvisorRule {
  readonly name = 'slow-route';

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly stats: RequestStats,
  ) {}

  evaluate(): Recommendation[] {
    const levels = this.options.thresholds.p95Ms;
    const out: Recommendation[] = [];
    if (levels === false) return out;
    const target = levels.good;
    for (const r of this.stats.routeStats()) {
      if (r.route === UNMATCHED || r.route === '<other>' || r.requests < MIN_ROUTE_REQUESTS || r.p95Ms <= target) continue;
      out.push({
        id: recommendationId('slow-route', r.method, r.route),
        category: 'api',
        severity: levels.critical !== false && r.p95Ms > levels.critical ? 'high' : 'medium',
        title: `Slow route ${r.method} ${r.route}`,
        description: `p95 ${r.p95Ms} ms is above the ${target} ms target`,
        evidence: {
          method: r.method,
          route: r.route,
          requests: r.requests,
          meanMs: r.meanMs,
          p95Ms: r.p95Ms,
          maxMs: r.maxMs,
          dbQueriesPerRequest: r.dbQueriesPerRequest,
        },
        action: {
          type: 'manual',
          automatic: false,
          summary: 'find where the time goes',
          steps: [
            'Look at the route in query-performance (statements and their time)',
            'Cache the response if it can be shared, or move slow work out of the request',
          ],
        },
      });
    }
    return out;
  }
}
