import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import type { MetricsSampler } from '../../monitor/metrics-sampler.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** `high-cpu` (high when critical, else medium): the latest snapshot's CPU is above `thresholds.cpuPercent.good`. */
export class HighCpuRule implements AdvisorRule {
  readonly name = 'high-cpu';

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly sampler: MetricsSampler,
  ) {}

  evaluate(): Recommendation[] {
    const s = this.sampler.latest();
    const levels = this.options.thresholds.cpuPercent;
    if (!s || levels === false || s.cpuPercent <= levels.good) return [];
    const max = levels.good;
    return [
      {
        id: recommendationId('high-cpu', this.options.instanceId),
        category: 'cpu',
        severity: levels.critical !== false && s.cpuPercent > levels.critical ? 'high' : 'medium',
        title: 'High CPU usage',
        description: `The process used ${s.cpuPercent}% of a core (target ${max}%)`,
        evidence: { cpuPercent: s.cpuPercent, targetPercent: max, requestsPerSecond: s.requestsPerSecond },
        action: {
          type: 'manual',
          automatic: false,
          summary: 'profile or scale out',
          steps: ['Profile the busiest routes (node --cpu-prof)', 'Cache expensive responses', 'Add instances behind the load balancer'],
        },
      },
    ];
  }
}
