import type { Provider } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { ProcessProfiler } from './process-profiler.service';

/** The providers of profiling. `ProcessProfiler` resolves to `null` unless `profiling.enabled`. */
export const PROFILING_PROVIDERS: Provider[] = [
  {
    provide: ProcessProfiler,
    useFactory: (options: ResolvedPerformanceOptions) => (options.enabled && options.profiling.enabled ? new ProcessProfiler(options.profiling) : null),
    inject: [PERFORMANCE_OPTIONS],
  },
];
