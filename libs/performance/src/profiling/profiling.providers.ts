import type { Provider } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../options/performance-options.schema';
import { PERFORMANCE_OPTIONS } from '../performance.constants';
import { ProcessProfiler } from './process-profiler.service';

/** The providers of profiling. `ProcessProfiler` resolves to `null` unless `profiling.enabled`. */
export const PROFILING_PROVIDERS: Provider[] = [
  {
    provide: ProcessProfiler,
    useFactory: (options: ResolvedPerformanceOptions) =>
      options.enabled && options.profiling.enabled ? new ProcessProfiler(options.profiling) : null,
    inject: [PERFORMANCE_OPTIONS],
  },
];
