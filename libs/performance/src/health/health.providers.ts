import type { Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { StoreOutageSource } from '../core/schemas/performance-alert';
import { JudgmentSource } from '../core/judgment/judgment';
import { AppDiscovery } from '../core/discovery/app-discovery.service';
import { NotifierHealthSource } from '../core/ports/delivery-health.port';
import { CacheHealthProbe, PoolStatsSource } from '../core/ports/observability.port';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { HealthChecks } from './health-checks.service';
import { HealthEndpoint } from './health.endpoint';
import { HealthOverview } from './health-overview.service';

const enabled = (options: ResolvedPerformanceOptions) => options.enabled && options.health.enabled;

/**
 * The providers of the health feature. `HealthChecks` and `HealthOverview`
 * resolve to `null` when health is off, and `@nestjs/terminus` is then never loaded.
 */
export const HEALTH_PROVIDERS: Provider[] = [
  {
    provide: HealthChecks,
    useFactory: (
      options: ResolvedPerformanceOptions,
      discovery: AppDiscovery,
      moduleRef: ModuleRef,
      cache?: CacheHealthProbe,
      pools?: PoolStatsSource,
      notifiers?: NotifierHealthSource,
    ) => (enabled(options) ? new HealthChecks(options, discovery, moduleRef, cache, pools, notifiers) : null),
    inject: [
      PERFORMANCE_OPTIONS,
      AppDiscovery,
      ModuleRef,
      { token: CacheHealthProbe, optional: true },
      { token: PoolStatsSource, optional: true },
      // The alerts feature registers its dispatcher under this token.
      { token: NotifierHealthSource, optional: true },
    ],
  },
  // The outage alerts' checks of the cache store and the DataSources (null while health is off).
  { provide: StoreOutageSource, useExisting: HealthChecks },
  {
    provide: HealthOverview,
    useFactory: (checks: HealthChecks | null, judgments: JudgmentSource | null) => (checks && judgments ? new HealthOverview(checks, judgments) : null),
    // The score is the latest snapshot's (the monitor's sampler judges each one).
    inject: [HealthChecks, { token: JudgmentSource, optional: true }],
  },
  HealthEndpoint,
];
