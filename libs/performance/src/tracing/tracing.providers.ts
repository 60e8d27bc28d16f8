import type { Provider } from '@nestjs/common';
import { PerformanceEvents } from '../core/context/performance-events.service';
import { RequestTracker } from '../core/context/request-tracker.service';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { RequestTracing } from './request-tracing.service';

/**
 * The providers of the tracing feature. `RequestTracing` resolves to `null`
 * when tracing is off, and `@opentelemetry/api` is then never loaded.
 */
export const TRACING_PROVIDERS: Provider[] = [
  {
    provide: RequestTracing,
    useFactory: (options: ResolvedPerformanceOptions, tracker: RequestTracker, events: PerformanceEvents) =>
      options.enabled && options.tracing.enabled ? new RequestTracing(options, tracker, events) : null,
    inject: [PERFORMANCE_OPTIONS, RequestTracker, PerformanceEvents],
  },
];
