import type { ResponseCache } from '../../cache/response/response-cache.service';
import { roundTo } from '../../monitor/metrics-snapshot';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** A namespace needs this many lookups before its hit rate counts. */
const MIN_NAMESPACE_LOOKUPS = 20;
/** The hit rate a namespace should reach. */
const TARGET_HIT_RATE = 0.7;
/** `optimize` raises a namespace's TTL by this factor... */
const TTL_RAISE_FACTOR = 2;
/** ...but never beyond a day: longer is a freshness decision for the app, not for a button. */
const MAX_RAISED_TTL_SECONDS = 86_400;

/**
 * `low-hit-rate` (medium under 30 %, else low): a namespace whose lookups hit
 * less than 70 % of the time (but sometimes: never is `unused-cache`);
 * `optimize` doubles its TTL on this instance when it has one.
 */
export class LowHitRateRule implements AdvisorRule {
  readonly name = 'low-hit-rate';

  constructor(private readonly cache: ResponseCache) {}

  evaluate(): Recommendation[] {
    const out: Recommendation[] = [];
    for (const [namespace, c] of Object.entries(this.cache.stats.snapshot(0).namespaces)) {
      const lookups = c.hits + c.stale + c.misses;
      if (lookups < MIN_NAMESPACE_LOOKUPS || c.hitRate >= TARGET_HIT_RATE || !this.cache.isKnownNamespace(namespace)) continue;
      const hitRatePercent = roundTo(c.hitRate * 100, 1);
      const evidence = { namespace, hitRatePercent, hits: c.hits, stale: c.stale, misses: c.misses };
      if (c.hits + c.stale === 0) continue;
      const ttl = this.cache.namespaceTtl(namespace);
      const current = ttl.override ?? ttl.declared;
      const raised = current === null ? null : Math.min(MAX_RAISED_TTL_SECONDS, Math.ceil(current * TTL_RAISE_FACTOR));
      const canRaise = raised !== null && current !== null && raised > current;
      out.push({
        id: recommendationId('low-hit-rate', namespace),
        category: 'cache',
        severity: hitRatePercent < 30 ? 'medium' : 'low',
        title: `Low cache hit rate in namespace ${namespace}`,
        description: `${hitRatePercent}% of ${lookups} lookups hit (target 70%)`,
        evidence: { ...evidence, ttlSeconds: current },
        action: {
          type: canRaise ? 'cache-ttl' : 'manual',
          automatic: canRaise,
          summary: canRaise
            ? `optimize raises the TTL of namespace ${namespace} from ${current} s to ${raised} s on this instance`
            : 'review the TTL and invalidation of the namespace',
          steps: [
            'Raise the TTL of the routes in this namespace if the data allows',
            'Invalidate narrower keys on writes instead of the whole namespace',
            'Raise cache.maxSize if entries are evicted',
          ],
          ...(canRaise ? { namespace, ttlSeconds: raised } : {}),
        },
      });
    }
    return out;
  }
}
