import type { Provider } from '@nestjs/common';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PerformanceMetrics } from '../metrics/performance-metrics.service';
import { LogCounts } from './log-counts.service';
import { LOG_METRICS, registerLogMetrics } from './log-metrics';

/**
 * The providers of log counting: `LogCounts` resolves to `null` when the
 * module is disabled, and Nest's `Logger` is then left as it is.
 */
export const LOGGING_PROVIDERS: Provider[] = [
  {
    provide: LogCounts,
    useFactory: (options: ResolvedPerformanceOptions) => (options.enabled ? new LogCounts() : null),
    inject: [PERFORMANCE_OPTIONS],
  },
  {
    provide: LOG_METRICS,
    useFactory: (counts: LogCounts | null, metrics: PerformanceMetrics | null) => (counts && metrics ? registerLogMetrics(counts, metrics) : null),
    inject: [LogCounts, { token: PerformanceMetrics, optional: true }],
  },
];
