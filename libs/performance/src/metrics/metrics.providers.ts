import type { Provider } from '@nestjs/common';
import { AppDiscovery } from '../core/discovery/app-discovery.service';
import { PerformanceEvents } from '../core/context/performance-events.service';
import { RequestTracker } from '../core/context/request-tracker.service';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { MetricsEndpoint } from './metrics.endpoint';
import { PerformanceMetrics } from './performance-metrics.service';
import { MethodTimings } from '../timing/method-timings.service';

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
      discovery: AppDiscovery,
      timings: MethodTimings | null,
    ): PerformanceMetrics | null => (options.enabled && options.metrics.enabled ? new PerformanceMetrics(options, tracker, events, discovery, timings) : null),
    inject: [PERFORMANCE_OPTIONS, RequestTracker, PerformanceEvents, AppDiscovery, { token: MethodTimings, optional: true }],
  },
  MetricsEndpoint,
];
