import type { Provider } from '@nestjs/common';
import { RequestTracker } from '../core/context/request-tracker.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { RouteAlertSource } from '../core/schemas/performance-alert';
import { MetricsSampler } from '../monitor/metrics-sampler.service';
import { RequestStats } from '../monitor/request-stats.service';
import { RouteBaselines } from './route-baselines.service';

/** The services of the baselines feature, exported by the module. */
export const BASELINES_EXPORTS = [RouteBaselines];

/**
 * Per-route baselines: `RouteBaselines` counts each response of a route and
 * closes its window with each snapshot of the sampler; the alert manager
 * reads its judgement (`RouteAlertSource`) for the `route-anomaly` and
 * `route-target` rules. Both resolve to `null` when `baselines.enabled` is false.
 */
export const BASELINES_PROVIDERS: Provider[] = [
  {
    provide: RouteBaselines,
    useFactory: (options: ResolvedPerformanceOptions, tracker: RequestTracker, sampler: MetricsSampler): RouteBaselines | null => {
      if (!options.enabled || !options.baselines.enabled) return null;
      const baselines = new RouteBaselines(options.baselines);
      tracker.observe(baselines);
      sampler.observe(baselines);
      return baselines;
    },
    // RequestStats first: it marks the requests left out of every figure (the admin API, probes) before any response closes.
    inject: [PERFORMANCE_OPTIONS, RequestTracker, MetricsSampler, RequestStats],
  },
  { provide: RouteAlertSource, useFactory: (baselines: RouteBaselines | null) => baselines, inject: [RouteBaselines] },
];
