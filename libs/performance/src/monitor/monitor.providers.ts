import type { Provider } from '@nestjs/common';
import { RequestTracker } from '../core/context/request-tracker.service';
import { AppDiscovery } from '../core/discovery/app-discovery.service';
import { JudgmentSource } from '../core/judgment/judgment';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { FleetMonitor } from './fleet';
import { HistoryStore } from './history.store';
import { LoadTestRuns } from './load-test-runs.service';
import { MemoryHistoryStore } from './memory-history.store';
import { MetricsSampler } from './metrics-sampler.service';
import { RequestStats } from './request-stats.service';
import { TypeOrmHistoryStore, type HistoryDataSource } from './typeorm-history.store';

function findDataSource(discovery: AppDiscovery, name: string): HistoryDataSource {
  const found = discovery.dataSources().find((ds) => ds.name === name);
  if (found) return found.dataSource as unknown as HistoryDataSource;
  throw new Error(`monitoring.history.store is 'typeorm' but the app has no TypeORM DataSource named "${name}"`);
}

/** The services of the monitor feature; exported by the module too. */
export const MONITOR_EXPORTS = [RequestStats, HistoryStore, MetricsSampler, LoadTestRuns, FleetMonitor];

/** Providers of the sampler, the history store and load-test runs (alerts wire themselves in alerts.providers). */
export const MONITOR_PROVIDERS: Provider[] = [
  {
    provide: RequestStats,
    useFactory: (options: ResolvedPerformanceOptions, tracker: RequestTracker): RequestStats => {
      const stats = new RequestStats();
      stats.slowQueryMs = options.database.slowQueryThresholdMs;
      if (options.enabled) tracker.observe(stats);
      return stats;
    },
    inject: [PERFORMANCE_OPTIONS, RequestTracker],
  },
  {
    provide: HistoryStore,
    useFactory: (options: ResolvedPerformanceOptions, discovery: AppDiscovery): HistoryStore => {
      const h = options.monitoring.history;
      return h.store === 'typeorm'
        ? new TypeOrmHistoryStore(() => findDataSource(discovery, h.dataSource), h.runMigrations)
        : new MemoryHistoryStore(h.maxSnapshots, options.alerts.maxAlerts);
    },
    inject: [PERFORMANCE_OPTIONS, AppDiscovery],
  },
  MetricsSampler,
  // Health reads the latest snapshot's judgment (its score) through this port.
  { provide: JudgmentSource, useExisting: MetricsSampler },
  LoadTestRuns,
  FleetMonitor,
];
