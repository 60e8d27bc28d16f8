import type { Provider } from '@nestjs/common';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { MethodTimings } from './method-timings.service';

/** The providers of method timing: `MethodTimings` resolves to `null` when the module is disabled. */
export const TIMING_PROVIDERS: Provider[] = [
  {
    provide: MethodTimings,
    useFactory: (options: ResolvedPerformanceOptions) => (options.enabled ? new MethodTimings() : null),
    inject: [PERFORMANCE_OPTIONS],
  },
];
