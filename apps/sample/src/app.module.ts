import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PerformanceModule, mergePerformanceOptions, performanceOptionsFromEnv } from 'nestjs-performance';
import { AnalyticsController } from './analytics/analytics.controller';
import { AnalyticsService } from './analytics/analytics.service';
import { ChatController } from './chat/chat.controller';
import { CheckoutController } from './checkout/checkout.controller';
import type { SampleConfig } from './config/sample-config';
import { SAMPLE_CONFIG } from './config/sample-config.token';
import { typeOrmOptionsFromUrl } from './database/typeorm-options';
import { DocumentsController } from './documents/documents.controller';
import { DocumentsService } from './documents/documents.service';
import { SAMPLE_ENTITIES } from './entities';
import { HelloController } from './hello/hello.controller';
import { AnalyticsRefreshJob } from './jobs/analytics-refresh.job';
import { CategoryStatsJob } from './jobs/category-stats.job';
import { SearchIndexSyncJob } from './jobs/search-index-sync.job';
import { DemoSeeder } from './seed/demo-seeder.service';
import { WorkspacesController } from './workspaces/workspaces.controller';
import { WorkspacesService } from './workspaces/workspaces.service';

/** The sample app: a document and chat workspace product, with every toolkit feature on. */
@Module({})
export class SampleAppModule {
  static forRoot(config: SampleConfig, env: NodeJS.ProcessEnv = process.env): DynamicModule {
    return {
      module: SampleAppModule,
      imports: [
        TypeOrmModule.forRoot(typeOrmOptionsFromUrl(config.databaseUrl)),
        TypeOrmModule.forFeature(SAMPLE_ENTITIES),
        // Three background jobs tracked with @TrackJob (see jobs/): two scheduled, one run on demand.
        ScheduleModule.forRoot(),
        PerformanceModule.forRoot(
          mergePerformanceOptions(
            // Spans when the app started an OpenTelemetry SDK (see tracing.ts); nothing otherwise. TRACING_ENABLED=false wins.
            // One SLO: 99.9 % of checkout quotes succeed and 99 % answer within 250 ms over 30 days (GET /performance/slos).
            {
              tracing: { enabled: true },
              slos: [
                {
                  name: 'checkout',
                  routes: ['GET /api/v1/checkout/*'],
                  availability: 99.9,
                  latency: { thresholdMs: 250, percent: 99 },
                  windowDays: 30,
                },
              ],
            },
            performanceOptionsFromEnv(env),
            // The token the sample read or generated (see config/sample-config.ts).
            { admin: { token: config.adminToken } },
          ),
        ),
      ],
      controllers: [HelloController, DocumentsController, WorkspacesController, AnalyticsController, ChatController, CheckoutController],
      providers: [
        { provide: SAMPLE_CONFIG, useValue: config },
        DocumentsService,
        WorkspacesService,
        AnalyticsService,
        DemoSeeder,
        AnalyticsRefreshJob,
        SearchIndexSyncJob,
        CategoryStatsJob,
      ],
    };
  }
}
