import { type RequestStats, UNMATCHED } from '../../monitor/request-stats.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** A GET route with at least this many uncached requests that reach the database is "hot". */
const HOT_ROUTE_REQUESTS = 50;

/** `cacheable-route` (medium from 50 ms mean, else low): a hot GET route reaches the database on every request, uncached. */
export class CacheableRouteRule implements AdvisorRule {
  readonly name = 'cacheable-route';

  constructor(private readonly stats: RequestStats) {}

  evaluate(): Recommendation[] {
    const out: Recommendation[] = [];
    for (const r of this.stats.routeStats()) {
      if (r.route === UNMATCHED || r.route === '<other>') continue;
      if (r.method !== 'GET' || r.requests < HOT_ROUTE_REQUESTS || r.cacheHits + r.cacheMisses !== 0 || r.dbQueriesPerRequest < 1) continue;
      out.push({
        id: recommendationId('cacheable-route', r.method, r.route),
        category: 'cache',
        severity: r.meanMs >= 50 ? 'medium' : 'low',
        title: `Cache ${r.method} ${r.route}`,
        description: `${r.requests} requests reached the database (${r.dbQueriesPerRequest} ${r.dbQueriesPerRequest === 1 ? 'statement' : 'statements'} each) without the response cache`,
        evidence: { method: r.method, route: r.route, requests: r.requests, meanMs: r.meanMs, dbQueriesPerRequest: r.dbQueriesPerRequest },
        action: {
          type: 'manual',
          automatic: false,
          summary: 'opt the route into the response cache',
          steps: ['Add @CacheTTL(<seconds>) (and a @CacheNamespace) to the handler, and invalidate the namespace on writes'],
        },
      });
    }
    return out;
  }
}
