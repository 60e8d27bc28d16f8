import type * as PromClient from 'prom-client';
import { requireOptional } from '../core/performance-errors';
import type { PerformanceMetrics } from '../metrics/performance-metrics.service';
import type { LogCounts } from './log-counts.service';

/** Token of the log metrics registration (resolves to the metric names, or null when metrics are off). */
export const LOG_METRICS = Symbol('LOG_METRICS');

/**
 * Registers `log_messages_total{level,context}` on the module's Prometheus
 * registry: the fatal, error and warn lines logged through Nest's `Logger`
 * since the start, by level and context (the class name), read from
 * {@link LogCounts} at scrape time.
 */
export function registerLogMetrics(counts: LogCounts, metrics: PerformanceMetrics): readonly string[] {
  const prom = requireOptional<typeof PromClient>('prom-client', 'Prometheus metrics', 'metrics: { enabled: false }');
  new prom.Counter({
    name: 'log_messages_total',
    help: "Lines logged through Nest's Logger at level fatal, error or warn, by level and context (the logger's class name).",
    labelNames: ['level', 'context'],
    registers: [metrics.registry as unknown as PromClient.Registry],
    collect() {
      this.reset();
      for (const c of counts.sinceStart()) {
        for (const level of ['fatal', 'error', 'warn'] as const) if (c[level] > 0) this.inc({ level, context: c.context }, c[level]);
      }
    },
  });
  return ['log_messages_total'];
}
