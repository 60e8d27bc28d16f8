import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { ApplicationConfig, RouterModule } from '@nestjs/core';
import { ObservabilityTrafficFilter } from '../monitor/observability-traffic.service';
import { RequestStats } from '../monitor/request-stats.service';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { TYPEORM_QUERY_CACHES_PROVIDER } from '../cache/typeorm/query-cache.providers';
import { AdminAuthGuard } from './admin-auth.guard';
import { ADMIN_PATH, AdminLocation } from './admin-location.service';
import { ADMIN_API_CONTROLLERS, AdminOpenApi } from './admin-openapi.service';
import { BaselinesAdminController } from './baselines.controller';
import { CacheAdminController } from './cache.controller';
import { DashboardAssetsController } from './dashboard/dashboard-assets.controller';
import { DashboardAssets } from './dashboard/dashboard-assets.service';
import { DashboardPage } from './dashboard/dashboard-page.service';
import { DashboardAdminController } from './dashboard.controller';
import { DatabaseAdminController } from './database.controller';
import { HealthAdminController } from './health.controller';
import { MonitoringAdminController } from './monitoring.controller';
import { JobsAdminController } from './jobs.controller';
import { LiveAdminController } from './live.controller';
import { LiveStreams } from './live-stream.service';
import { ProfilingAdminController } from './profiling.controller';
import { CacheWarmingAdminController } from './cache-warming.controller';
import { TimingAdminController } from './timing.controller';
import { SloAdminController } from './slo.controller';
import { LoggingAdminController } from './logging.controller';
import { describeToSwagger } from './swagger-metadata';

/**
 * The admin controllers of every feature. Each feature adds its controller
 * here; all of them are `@Controller()` without a path of their own and
 * `@UseGuards(AdminAuthGuard)`, and are mounted below the admin path.
 */
export const ADMIN_CONTROLLERS: Type<unknown>[] = [
  MonitoringAdminController,
  DashboardAdminController,
  CacheAdminController,
  DatabaseAdminController,
  HealthAdminController,
  DashboardAssetsController,
  JobsAdminController,
  ProfilingAdminController,
  CacheWarmingAdminController,
  TimingAdminController,
  SloAdminController,
  LiveAdminController,
  LoggingAdminController,
  BaselinesAdminController,
];

/**
 * Mounts the admin `/performance` API below the app's global prefix.
 * Imported by `PerformanceModule.forRoot()` itself; apps never import it.
 */
@Module({})
export class PerformanceAdminModule {
  static register(path: string): DynamicModule {
    describeToSwagger(ADMIN_CONTROLLERS);
    return {
      module: PerformanceAdminModule,
      imports: [RouterModule.register([{ path, module: PerformanceAdminModule }])],
      controllers: ADMIN_CONTROLLERS,
      providers: [
        { provide: ADMIN_PATH, useValue: path },
        AdminLocation,
        AdminAuthGuard,
        { provide: ADMIN_API_CONTROLLERS, useValue: ADMIN_CONTROLLERS },
        AdminOpenApi,
        TYPEORM_QUERY_CACHES_PROVIDER,
        DashboardAssets,
        DashboardPage,
        LiveStreams,
        {
          // Here because only this module knows the admin path.
          provide: ObservabilityTrafficFilter,
          useFactory: (stats: RequestStats, config: ApplicationConfig, options: ResolvedPerformanceOptions) =>
            new ObservabilityTrafficFilter(path, stats, config, options),
          inject: [RequestStats, ApplicationConfig, PERFORMANCE_OPTIONS],
        },
      ],
    };
  }
}
