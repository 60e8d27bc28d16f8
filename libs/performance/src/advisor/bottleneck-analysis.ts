import type { MetricsSnapshot } from '../monitor/metrics-snapshot';
import type { Bottleneck, Recommendation } from './advice';

/** Extra facts the snapshot does not carry. */
export interface BottleneckContext {
  /** `thresholds.cpuPercent.good`. */
  readonly maxCpuPercent: number;
  /** N+1 findings recorded since start. */
  readonly nPlusOneFindings: number;
  /** Pools with callers waiting for a connection now. */
  readonly poolsWaiting: number;
}

/**
 * Finds what limits the app in the latest snapshot: slow or saturated
 * database, a cache that misses, memory, CPU and event loop lag (thresholds
 * from common production baselines).
 */
export function analyzeBottlenecks(s: MetricsSnapshot | undefined, ctx: BottleneckContext): Bottleneck[] {
  const out: Bottleneck[] = [];
  if (!s) return out;
  if (s.dbMeanQueryMs !== null && s.dbMeanQueryMs > 100) {
    out.push({
      type: 'database',
      severity: s.dbMeanQueryMs > 500 ? 'high' : 'medium',
      description: `Database statements take ${s.dbMeanQueryMs} ms on average`,
      evidence: { dbMeanQueryMs: s.dbMeanQueryMs, dbQueries: s.dbQueries },
      recommendation: 'Look at query-performance and suggest-indexes: add the suggested indexes, cache the slowest reads',
    });
  }
  if ((s.poolUtilizationPercent !== null && s.poolUtilizationPercent > 80) || ctx.poolsWaiting > 0) {
    out.push({
      type: 'database',
      severity: (s.poolUtilizationPercent ?? 0) > 95 || ctx.poolsWaiting > 0 ? 'high' : 'medium',
      description: `The connection pool is ${s.poolUtilizationPercent ?? '?'}% in use${ctx.poolsWaiting ? ' and requests wait for connections' : ''}`,
      evidence: { poolUtilizationPercent: s.poolUtilizationPercent, poolsWaiting: ctx.poolsWaiting },
      recommendation: 'Raise the pool size (within the database connection limit) or shorten transactions',
    });
  }
  if (ctx.nPlusOneFindings > 0 && s.dbQueriesPerRequest !== null && s.dbQueriesPerRequest > 5) {
    out.push({
      type: 'database',
      severity: 'medium',
      description: `Requests run ${s.dbQueriesPerRequest} statements each on average, with N+1 patterns`,
      evidence: { dbQueriesPerRequest: s.dbQueriesPerRequest, nPlusOneFindings: ctx.nPlusOneFindings },
      recommendation: 'Load relations with a join or in chunks (queryInChunks) instead of one statement per row',
    });
  }
  if (s.cacheHitRatePercent !== null && s.cacheHitRatePercent < 70) {
    out.push({
      type: 'cache',
      severity: s.cacheHitRatePercent < 30 ? 'high' : 'medium',
      description: `The response cache answers only ${s.cacheHitRatePercent}% of lookups`,
      evidence: { cacheHitRatePercent: s.cacheHitRatePercent, cacheLookups: s.cacheLookups },
      recommendation: 'Review TTLs and invalidation of the namespaces with low hit rates (cache-stats)',
    });
  }
  if (s.memoryPercent > 80) {
    out.push({
      type: 'memory',
      severity: s.memoryPercent > 95 ? 'high' : 'medium',
      description: `The process uses ${s.memoryPercent}% of its memory limit`,
      evidence: { memoryPercent: s.memoryPercent, rssMb: s.rssMb, heapUsedMb: s.heapUsedMb },
      recommendation: 'Raise the memory limit or reduce in-process caches; check capacity for growth that looks like a leak',
    });
  }
  if (s.cpuPercent > ctx.maxCpuPercent) {
    out.push({
      type: 'cpu',
      severity: s.cpuPercent > Math.max(95, ctx.maxCpuPercent) ? 'high' : 'medium',
      description: `The process uses ${s.cpuPercent}% of a core`,
      evidence: { cpuPercent: s.cpuPercent, maxCpuPercent: ctx.maxCpuPercent },
      recommendation: 'Profile the hottest routes, cache expensive responses, or add instances',
    });
  }
  if (s.eventLoopLagP99Ms > 100) {
    out.push({
      type: 'event-loop',
      severity: s.eventLoopLagP99Ms > 500 ? 'high' : 'medium',
      description: `The event loop is blocked up to ${s.eventLoopLagP99Ms} ms (p99)`,
      evidence: { eventLoopLagP99Ms: s.eventLoopLagP99Ms },
      recommendation: 'Move synchronous work (JSON of large bodies, crypto, sorting) off the request path or into worker threads',
    });
  }
  return out;
}

/** Bytes as people read them (`8 kB`, `12.5 MB`). */
function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Math.round(value * 10) / 10} ${units[unit]}`;
}

const numberOf = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const listText = (items: readonly string[], max = 5): string =>
  items.length > max ? `${items.slice(0, max).join('; ')}; and ${items.length - max} more` : items.join('; ');

/**
 * Bloat and unused indexes of each database as bottlenecks, from the
 * `vacuum-table`, `optimize-table` and `unused-index` recommendations (so the
 * thresholds are the recommendations'): one entry per database for its tables
 * that need VACUUM or OPTIMIZE TABLE (high once dead rows are 40 % of a table,
 * twice autovacuum's default threshold; low when only free space is left to give back), one for its unused
 * indexes (medium once they take 100 MiB, low otherwise).
 */
export function databaseUpkeepBottlenecks(recommendations: readonly Recommendation[]): Bottleneck[] {
  const out: Bottleneck[] = [];
  const databases = [...new Set(recommendations.map((r) => String(r.evidence.database ?? 'default')))];
  for (const database of databases) {
    const of = (type: string) => recommendations.filter((r) => String(r.evidence.database ?? 'default') === database && r.action.type === type);
    const vacuum = of('vacuum-table');
    const optimize = of('optimize-table');
    if (vacuum.length || optimize.length) {
      let worstDeadPercent: number | null = null;
      let deadRows = 0;
      for (const r of vacuum) {
        const dead = numberOf(r.evidence.deadRows) ?? 0;
        const live = numberOf(r.evidence.liveRows) ?? 0;
        deadRows += dead;
        const percent = Math.round((dead / Math.max(1, dead + live)) * 100);
        worstDeadPercent = Math.max(worstDeadPercent ?? 0, percent);
      }
      const tables = [...vacuum, ...optimize].map((r) => `${String(r.evidence.table)}: ${r.description}`);
      out.push({
        type: 'database',
        severity: (worstDeadPercent ?? 0) >= 40 ? 'high' : vacuum.length ? 'medium' : 'low',
        description: `In database ${database}, ${tables.length === 1 ? '1 table carries' : `${tables.length} tables carry`} dead rows or free space: ${listText(tables)}`,
        evidence: {
          database,
          tables: [...vacuum, ...optimize].map((r) => String(r.evidence.table)).join(', '),
          deadRows: vacuum.length ? deadRows : null,
          worstDeadPercent,
        },
        recommendation:
          `Every scan reads the dead rows and free pages too: apply the ${vacuum.length ? 'vacuum-table' : 'optimize-table'} recommendations ` +
          `(optimize/:id with database.allowSchemaChanges) or run ${vacuum.length ? 'VACUUM (ANALYZE)' : 'OPTIMIZE TABLE'} on them` +
          (vacuum.length ? ', and let autovacuum keep up (a lower autovacuum_vacuum_scale_factor on large, busy tables)' : ' off-peak'),
      });
    }
    const unused = of('manual').filter((r) => r.id.startsWith('unused-index-'));
    if (unused.length) {
      const sizeBytes = unused.reduce((sum, r) => sum + (numberOf(r.evidence.sizeBytes) ?? 0), 0);
      const indexes = unused.map((r) => {
        const size = numberOf(r.evidence.sizeBytes);
        return `${String(r.evidence.index)} on ${String(r.evidence.table)}${size !== null ? ` (${sizeText(size)})` : ''}`;
      });
      out.push({
        type: 'database',
        severity: sizeBytes >= 100 * 1024 * 1024 ? 'medium' : 'low',
        description: `In database ${database}, ${unused.length === 1 ? '1 index is' : `${unused.length} indexes are`} never used: ${listText(indexes)}`,
        evidence: { database, indexes: unused.map((r) => String(r.evidence.index)).join(', '), count: unused.length, sizeBytes },
        recommendation:
          'Each one slows every write to its table and takes space: drop it in a migration once no replica, report or rare job needs it ' +
          '(see the unused-index recommendations for the DROP INDEX statement)',
      });
    }
  }
  return out;
}
