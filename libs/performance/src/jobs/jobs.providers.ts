import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AppDiscovery } from '../core/discovery/app-discovery.service';
import { JobRunsSource } from '../core/ports/observability.port';
import { PerformanceMetrics } from '../metrics/performance-metrics.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { JOB_METRICS, registerJobMetrics } from './job-metrics';
import { JobMonitor } from './job-monitor.service';

/**
 * The providers of job monitoring. `JobMonitor` resolves to `null` when
 * `jobs.enabled` is false, and `@TrackJob` methods then run untouched.
 */
export const JOBS_PROVIDERS: Provider[] = [
  {
    provide: JobMonitor,
    useFactory: (options: ResolvedPerformanceOptions, discovery: AppDiscovery, moduleRef: ModuleRef) =>
      options.enabled && options.jobs.enabled ? new JobMonitor(options.jobs, discovery, moduleRef) : null,
    inject: [PERFORMANCE_OPTIONS, AppDiscovery, ModuleRef],
  },
  // Read by the sampler for the job figures of each snapshot (null while job monitoring is off).
  { provide: JobRunsSource, useExisting: JobMonitor },
  {
    provide: JOB_METRICS,
    useFactory: (monitor: JobMonitor | null, metrics: PerformanceMetrics | null) => (monitor && metrics ? registerJobMetrics(monitor, metrics) : null),
    inject: [JobMonitor, { token: PerformanceMetrics, optional: true }],
  },
];
