import type { Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { PerformanceEvents } from '../context/performance-events';
import { RequestTracker } from '../context/request-tracker.service';
import { PERFORMANCE_OPTIONS } from '../performance.constants';
import type { ResolvedPerformanceOptions } from '../options/performance-options.schema';
import { MetricsEndpoint } from './metrics.endpoint';
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
      modules: ModulesContainer,
    ): PerformanceMetrics | null =>
      options.enabled && options.metrics.enabled ? new PerformanceMetrics(options, tracker, events, modules) : null,
    inject: [PERFORMANCE_OPTIONS, RequestTracker, PerformanceEvents, ModulesContainer],
  },
  MetricsEndpoint,
];
