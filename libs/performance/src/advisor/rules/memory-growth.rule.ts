import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { roundTo } from '../../monitor/metrics-snapshot';
import type { MetricsSampler } from '../../monitor/metrics-sampler.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';
import { leastSquares } from '../least-squares';

/**
 * `memory-growth` (high above 1.5×, else medium): over the last 24 hours (at
 * least 10 snapshots) the heap grew by 20 % or more along a straight line
 * (r² ≥ 0.8): a possible leak.
 */
export class MemoryGrowthRule implements AdvisorRule {
  readonly name = 'memory-growth';

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly sampler: MetricsSampler,
  ) {}

  async evaluate(): Promise<Recommendation[]> {
    const history = await this.sampler.snapshotsSince(Date.now() - 24 * 3_600_000);
    if (history.length < 10) return [];
    const t0 = Date.parse(history[0]!.timestamp);
    const fit = leastSquares(
      history.map((s) => (Date.parse(s.timestamp) - t0) / 3_600_000),
      history.map((s) => s.heapUsedMb),
    );
    const first = history[0]!.heapUsedMb;
    const last = history.at(-1)!.heapUsedMb;
    if (!fit || fit.r2 < 0.8 || fit.slope <= 0 || last < first * 1.2) return [];
    return [
      {
        id: recommendationId('memory-growth', this.options.instanceId),
        category: 'memory',
        severity: last > first * 1.5 ? 'high' : 'medium',
        title: 'Heap grows steadily: possible memory leak',
        description: `The heap grew from ${first} MiB to ${last} MiB (${roundTo(fit.slope)} MiB/hour, r² ${roundTo(fit.r2, 2)})`,
        evidence: { heapStartMb: first, heapNowMb: last, mibPerHour: roundTo(fit.slope), r2: roundTo(fit.r2, 3), samples: history.length },
        action: {
          type: 'manual',
          automatic: false,
          summary: 'find what keeps growing',
          steps: [
            'Take two heap snapshots some minutes apart (node --inspect, or v8.writeHeapSnapshot()) and compare them',
            'Check unbounded maps, caches and listeners',
          ],
        },
      },
    ];
  }
}
