import type { ResponseCache } from '../../cache/response/response-cache.service';
import { roundTo } from '../../monitor/metrics-snapshot';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** A cached route needs this many lookups before its distinct keys count... */
const MIN_ROUTE_KEY_LOOKUPS = 50;
/** ...and is flagged when at least this share of its lookups used a key of their own... */
const HIGH_KEY_CARDINALITY = 0.5;
/** ...while fewer than this share hit. */
const LOW_ROUTE_HIT_RATE = 0.3;

/**
 * `cache-key-cardinality` (medium): a cached route whose lookups mostly use
 * new keys with a low hit rate should declare the query parameters that make
 * its key.
 */
export class CacheKeyCardinalityRule implements AdvisorRule {
  readonly name = 'cache-key-cardinality';

  constructor(private readonly cache: ResponseCache) {}

  evaluate(): Recommendation[] {
    const out: Recommendation[] = [];
    // CacheStats counts exactly the lookups the interceptor made, per route.
    for (const r of this.cache.stats.snapshot(0).routes) {
      const lookups = r.hits + r.stale + r.misses;
      if (lookups < MIN_ROUTE_KEY_LOOKUPS || r.hitRate >= LOW_ROUTE_HIT_RATE || r.distinctKeys < lookups * HIGH_KEY_CARDINALITY) continue;
      const declared = r.declaredQuery;
      out.push({
        id: recommendationId('cache-key-cardinality', r.namespace, r.route),
        category: 'cache',
        severity: 'medium',
        title: `Cache keys of GET ${r.route} rarely repeat`,
        description:
          `about ${r.distinctKeys} distinct keys in ${lookups} lookups, ${roundTo(r.hitRate * 100, 1)}% hits: ` +
          'each new query string, header value or user makes a new entry, which costs a handler run and pushes other entries out',
        evidence: {
          route: r.route,
          namespace: r.namespace,
          lookups,
          distinctKeys: r.distinctKeys,
          hitRatePercent: roundTo(r.hitRate * 100, 1),
          declaredQuery: declared === null ? null : declared.join(','),
        },
        action: {
          type: 'manual',
          automatic: false,
          summary:
            declared === null
              ? 'declare the query parameters that make the key, so that others (cache busters, tracking) are left out of it'
              : 'the declared query parameters, vary headers or user keys of this route take too many values to be worth caching',
          steps: [
            declared === null
              ? `Name the query parameters the handler reads: @CacheQuery('page', 'limit') on it, or query in cache.cacheablePaths['${r.route}']`
              : `Check that the declared parameters (${declared.join(', ') || 'none'}) are the ones the handler reads`,
            'Check its vary headers (@CacheVary, cache.varyHeaders) and @CacheUserKey: their values should repeat',
            'Or stop caching the route (remove @CacheTTL, or @NoCache())',
          ],
        },
      });
    }
    return out;
  }
}
