import type { Provider } from '@nestjs/common';
import { CacheStats } from '../cache-stats.service';
import { PerformanceEvents } from '../../core/context/performance-events.service';
import { DatabaseInstrumentation } from '../../database/database-instrumentation.service';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { TypeOrmQueryCacheCounter } from './query-cache-counter.service';
import { TypeOrmQueryCaches } from './typeorm-query-caches.service';

/** Counting of TypeORM's query result cache; `null` while the module or database instrumentation is off. */
export const QUERY_CACHE_PROVIDERS: Provider[] = [
  {
    provide: TypeOrmQueryCacheCounter,
    useFactory: (options: ResolvedPerformanceOptions, database: DatabaseInstrumentation | null, stats: CacheStats, events: PerformanceEvents) =>
      options.enabled && options.database.enabled && database ? new TypeOrmQueryCacheCounter(database, stats, events) : null,
    inject: [PERFORMANCE_OPTIONS, { token: DatabaseInstrumentation, optional: true }, CacheStats, PerformanceEvents],
  },
];

/** Clearing of TypeORM's query result caches, for the admin API; `null` while the module or database instrumentation is off. */
export const TYPEORM_QUERY_CACHES_PROVIDER: Provider = {
  provide: TypeOrmQueryCaches,
  useFactory: (options: ResolvedPerformanceOptions, database: DatabaseInstrumentation | null) =>
    options.enabled && options.database.enabled && database ? new TypeOrmQueryCaches(database) : null,
  inject: [PERFORMANCE_OPTIONS, { token: DatabaseInstrumentation, optional: true }],
};
