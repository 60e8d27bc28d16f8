import type { Provider } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { AlertDispatcher, createNotifiers } from '../alerts/alert-dispatcher';
import { AlertManager } from '../alerts/alert-manager.service';
import { RequestTracker } from '../core/context/request-tracker.service';
import { isDataSource } from '../core/ports/data-source.port';
import { JobMonitor } from '../jobs/job-monitor.service';
import { AlertsFiringSource } from '../core/ports/observability.port';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { HistoryStore } from './history.store';
import { LoadTestRuns } from './load-test-runs.service';
import { MemoryHistoryStore } from './memory-history.store';
import { MetricsSampler } from './metrics-sampler.service';
import { RequestStats } from './request-stats.service';
import { TypeOrmHistoryStore, type HistoryDataSource } from './typeorm-history.store';

/** The name Nest's TypeORM module gives a DataSource provider token (`default` for the unnamed one). */
function dataSourceName(token: unknown): string {
  if (typeof token === 'function') return token.name === 'DataSource' ? 'default' : token.name;
  if (typeof token === 'string') return token.replace(/DataSource$/, '') || 'default';
  return String(token);
}

function findDataSource(modules: ModulesContainer, name: string): HistoryDataSource {
  for (const module of modules.values()) {
    for (const [token, wrapper] of module.providers) {
      const instance: unknown = wrapper.isDependencyTreeStatic() ? wrapper.instance : undefined;
      if (isDataSource(instance) && dataSourceName(token) === name) return instance as unknown as HistoryDataSource;
    }
  }
  throw new Error(`monitoring.history.store is 'typeorm' but the app has no TypeORM DataSource named "${name}"`);
}

/** The services of the monitor and alerts features; exported by the module too. */
export const MONITOR_EXPORTS = [RequestStats, HistoryStore, AlertManager, MetricsSampler, LoadTestRuns];

/** Providers of the sampler, the history store, alerts and load-test runs. */
export const MONITOR_PROVIDERS: Provider[] = [
  {
    provide: RequestStats,
    useFactory: (options: ResolvedPerformanceOptions, tracker: RequestTracker): RequestStats => {
      const stats = new RequestStats();
      if (options.enabled) tracker.observe(stats);
      return stats;
    },
    inject: [PERFORMANCE_OPTIONS, RequestTracker],
  },
  {
    provide: HistoryStore,
    useFactory: (options: ResolvedPerformanceOptions, modules: ModulesContainer): HistoryStore => {
      const h = options.monitoring.history;
      return h.store === 'typeorm'
        ? new TypeOrmHistoryStore(() => findDataSource(modules, h.dataSource), h.runMigrations)
        : new MemoryHistoryStore(h.maxSnapshots, options.alerts.maxAlerts);
    },
    inject: [PERFORMANCE_OPTIONS, ModulesContainer],
  },
  {
    provide: AlertManager,
    useFactory: (options: ResolvedPerformanceOptions, store: HistoryStore, jobs: JobMonitor | null): AlertManager => {
      const notifiers = options.enabled && options.alerts.enabled ? createNotifiers(options.alerts.notifiers) : [];
      const dispatcher = new AlertDispatcher(notifiers, options.alerts.notifiers);
      // Job rules (failure rate, overdue) join the metric rules when job monitoring is on.
      return new AlertManager(options.alerts, options.instanceId, store, dispatcher, jobs ?? null);
    },
    inject: [PERFORMANCE_OPTIONS, HistoryStore, { token: JobMonitor, optional: true }],
  },
  { provide: AlertsFiringSource, useExisting: AlertManager },
  MetricsSampler,
  LoadTestRuns,
];
