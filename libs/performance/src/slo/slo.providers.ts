import type { Provider } from '@nestjs/common';
import { RequestTracker } from '../core/context/request-tracker.service';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { SloMonitor } from './slo-monitor.service';

/**
 * The SLO monitor: `null` when the module is disabled or no SLO is declared,
 * so the request path gains no observer then. The alerts feature judges it
 * with the burn-rate rule (alerts.providers).
 */
export const SLO_PROVIDERS: Provider[] = [
  {
    provide: SloMonitor,
    useFactory: (options: ResolvedPerformanceOptions, tracker: RequestTracker): SloMonitor | null => {
      if (!options.enabled || options.slos.length === 0) return null;
      const monitor = new SloMonitor(options.slos, options.metrics.durationBuckets);
      tracker.observe(monitor);
      return monitor;
    },
    inject: [PERFORMANCE_OPTIONS, RequestTracker],
  },
];
