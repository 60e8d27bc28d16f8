import type { Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { NPlusOneSource, PoolStatsSource } from '../core/ports/observability.port';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { DatabaseDiagnosticsService } from './diagnostics/database-diagnostics.service';
import { DatabaseInstrumentation } from './database-instrumentation.service';
import { IndexAdvisor } from './advisor/index-advisor.service';
import { N1Detector } from './n1-detector.service';
import { N1HeaderInterceptor } from './n1-header.interceptor';
import { PlanAdvisor } from './advisor/plan-advisor.service';
import { PoolMonitor } from './pool-monitor.service';
import { QueryStats } from './query-stats.service';
import { SlowQueryLog } from './slow-query-log.service';

/** The services of the database feature that other features and apps may inject. */
export const DATABASE_EXPORTS = [
  DatabaseInstrumentation,
  QueryStats,
  SlowQueryLog,
  N1Detector,
  PoolMonitor,
  DatabaseDiagnosticsService,
  IndexAdvisor,
  PlanAdvisor,
];

/**
 * The providers of the database feature. The `X-DB-N1` interceptor exists
 * only with `database.n1Header: true` (a factory returning null registers no
 * interceptor, so the header costs nothing when off).
 */
export const DATABASE_PROVIDERS: Provider[] = [
  ...DATABASE_EXPORTS,
  // Read by metrics and health at scrape/check time.
  { provide: PoolStatsSource, useExisting: PoolMonitor },
  { provide: NPlusOneSource, useExisting: N1Detector },
  {
    provide: APP_INTERCEPTOR,
    useFactory: (options: ResolvedPerformanceOptions, n1: N1Detector): N1HeaderInterceptor | null =>
      options.enabled && options.database.enabled && options.database.n1Header ? new N1HeaderInterceptor(n1) : null,
    inject: [PERFORMANCE_OPTIONS, N1Detector],
  },
];
