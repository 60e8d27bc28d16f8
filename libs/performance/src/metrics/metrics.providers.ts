import type { Provider } from '@nestjs/common';
import { PerformanceEvents } from '../context/performance-events';
import { RequestTracker } from '../context/request-tracker.service';
import { PERFORMANCE_OPTIONS } from '../performance.constants';
import type { ResolvedPerformanceOptions } from '../options/performance-options.schema';
import { MetricsEndpoint } from './metrics.endpoint';
import { AlertsFiringSource, NPlusOneSource, PoolStatsSource } from './observability.sources';
import { PerformanceMetrics } from './performance-metrics.service';

/**
 * The providers of the metrics feature. `PerformanceMetrics` resolves to
 * `null` when metrics are off, and prom-client is then never loaded.
 */
export const METRICS_PROVIDERS: Provider[] = [
  {
    provide: PerformanceMetrics,
    useFactory: (
      options: ResolvedPerformanceOptions,
      tracker: RequestTracker,
      events: PerformanceEvents,
      pools?: PoolStatsSource,
      nPlusOne?: NPlusOneSource,
      alerts?: AlertsFiringSource,
    ): PerformanceMetrics | null =>
      options.enabled && options.metrics.enabled
        ? new PerformanceMetrics(options, tracker, events, pools, nPlusOne, alerts)
        : null,
    inject: [
      PERFORMANCE_OPTIONS,
      RequestTracker,
      PerformanceEvents,
      { token: PoolStatsSource, optional: true },
      { token: NPlusOneSource, optional: true },
      { token: AlertsFiringSource, optional: true },
    ],
  },
  MetricsEndpoint,
];
