import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { type RequestStats, UNMATCHED } from '../../monitor/request-stats.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** A route needs this many requests before its latency counts. */
const MIN_ROUTE_REQUESTS = 5;

/** `slow-route` (high above 2 s, else medium): a route's p95 is above the `monitoring.kpis.p95Ms` target. */
export class SlowRouteRule implements AdvisorRule {
  readonly name = 'slow-route';

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly stats: RequestStats,
  ) {}

  evaluate(): Recommendation[] {
    const target = this.options.monitoring.kpis.p95Ms;
    const out: Recommendation[] = [];
    for (const r of this.stats.routeStats()) {
      if (r.route === UNMATCHED || r.route === '<other>' || r.requests < MIN_ROUTE_REQUESTS || r.p95Ms <= target) continue;
      out.push({
        id: recommendationId('slow-route', r.method, r.route),
        category: 'api',
        severity: r.p95Ms > 2000 ? 'high' : 'medium',
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
