import type { ResponseCache } from '../../cache/response/response-cache.service';
import { roundTo } from '../../monitor/metrics-snapshot';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** A namespace needs this many lookups before its hit rate counts. */
const MIN_NAMESPACE_LOOKUPS = 20;
/** The hit rate a namespace should reach. */
const TARGET_HIT_RATE = 0.7;

/** `unused-cache` (low): no lookup of a namespace ever hit; `optimize` clears it. */
export class UnusedCacheRule implements AdvisorRule {
  readonly name = 'unused-cache';

  constructor(private readonly cache: ResponseCache) {}

  evaluate(): Recommendation[] {
    const out: Recommendation[] = [];
    for (const [namespace, c] of Object.entries(this.cache.stats.snapshot(0).namespaces)) {
      const lookups = c.hits + c.stale + c.misses;
      if (lookups < MIN_NAMESPACE_LOOKUPS || c.hitRate >= TARGET_HIT_RATE || !this.cache.isKnownNamespace(namespace)) continue;
      const hitRatePercent = roundTo(c.hitRate * 100, 1);
      const evidence = { namespace, hitRatePercent, hits: c.hits, stale: c.stale, misses: c.misses };
      if (c.hits + c.stale !== 0) continue;
      // Nothing was ever reused: the entries only take room from other namespaces.
      out.push({
        id: recommendationId('unused-cache', namespace),
        category: 'cache',
        severity: 'low',
        title: `Cached responses in namespace ${namespace} are never reused`,
        description: `none of ${lookups} lookups hit: the entries only take room from other namespaces`,
        evidence,
        action: {
          type: 'clear-namespace',
          automatic: true,
          summary: `optimize clears namespace ${namespace} now; stop caching its routes if their keys never repeat`,
          steps: [
            `Clear the namespace: POST cache/clear?namespace=${namespace}`,
            'Check the cache keys of its routes (query strings, vary headers, user keys) or remove @CacheTTL from them',
          ],
          namespace,
        },
      });
    }
    return out;
  }
}
