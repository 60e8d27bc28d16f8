import type { PoolMonitor } from '../../database/pool-monitor.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** `pool-too-small` (high when callers wait, medium above 80 % in use): a connection pool to raise. */
export class PoolTooSmallRule implements AdvisorRule {
  readonly name = 'pool-too-small';

  constructor(private readonly pools: PoolMonitor) {}

  evaluate(): Recommendation[] {
    const out: Recommendation[] = [];
    for (const p of this.pools.usage()) {
      if (p.max === null || ((p.waiting ?? 0) <= 0 && (p.utilizationPercent ?? 0) <= 80)) continue;
      out.push({
        id: recommendationId('pool-too-small', p.database),
        category: 'database',
        severity: (p.waiting ?? 0) > 0 ? 'high' : 'medium',
        title: `Connection pool of ${p.database} is too small`,
        description: `${p.active ?? '?'} of ${p.max} connections in use, ${p.waiting ?? 0} callers waiting`,
        evidence: { database: p.database, max: p.max, active: p.active, waiting: p.waiting, utilizationPercent: p.utilizationPercent },
        action: {
          type: 'manual',
          automatic: false,
          summary: 'raise the pool size',
          steps: [
            'Raise the pool size of the DataSource (extra.max / connectionLimit) within the server connection limit',
            'or shorten transactions that hold connections',
          ],
        },
      });
    }
    return out;
  }
}
