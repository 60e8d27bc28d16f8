import { Injectable } from '@nestjs/common';
import { DatabaseInstrumentation } from './database-instrumentation.service';
import type { DatabaseSource, DatabaseSystem } from '../core/ports/data-source.port';
import type { PoolStats, PoolStatsSource } from '../core/ports/observability.port';

/** Connection pool usage of one DataSource, read when asked. */
export interface PoolUsage {
  readonly database: string;
  readonly system: DatabaseSystem;
  /** Open connections. null when the driver does not say. */
  readonly total: number | null;
  /** Open connections not in use. */
  readonly idle: number | null;
  /** Connections handed out to queries right now. */
  readonly active: number | null;
  /** Callers waiting for a connection. */
  readonly waiting: number | null;
  /** Configured pool size. */
  readonly max: number | null;
  /** `active / max` in percent, 1 decimal; null when unknown. */
  readonly utilizationPercent: number | null;
  /** What the figures mean for this driver, when they need a word. */
  readonly note?: string;
}

interface PgPool {
  totalCount?: number;
  idleCount?: number;
  waitingCount?: number;
  options?: { max?: number };
}

interface Mysql2Pool {
  _allConnections?: { length: number };
  _freeConnections?: { length: number };
  _connectionQueue?: { length: number };
  config?: { connectionLimit?: number };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function usage(source: DatabaseSource, total: number | null, idle: number | null, waiting: number | null, max: number | null, note?: string): PoolUsage {
  const active = total !== null && idle !== null ? total - idle : null;
  return {
    database: source.name,
    system: source.system,
    total,
    idle,
    active,
    waiting,
    max,
    utilizationPercent: active !== null && max ? Math.round((active / max) * 1000) / 10 : null,
    ...(note ? { note } : {}),
  };
}

/** Reads the connection pool of each instrumented DataSource (pg, mysql2, better-sqlite3). */
@Injectable()
export class PoolMonitor implements PoolStatsSource {
  constructor(private readonly instrumentation: DatabaseInstrumentation) {}

  /** Usage of every instrumented DataSource's pool. */
  usage(): PoolUsage[] {
    return this.instrumentation.sources().map((source) => this.usageOf(source));
  }

  /** The pools whose counts the driver reports, for the metrics gauges. */
  pools(): PoolStats[] {
    const out: PoolStats[] = [];
    for (const u of this.usage()) {
      if (u.total !== null && u.idle !== null && u.waiting !== null && u.max !== null) {
        out.push({ name: u.database, total: u.total, idle: u.idle, waiting: u.waiting, max: u.max });
      }
    }
    return out;
  }

  /** Usage of one DataSource's pool. */
  usageOf(source: DatabaseSource): PoolUsage {
    const driver = source.dataSource.driver as { master?: PgPool; pool?: Mysql2Pool; poolCluster?: unknown };
    if (source.system === 'postgresql' && driver.master) {
      const pool = driver.master;
      return usage(source, num(pool.totalCount), num(pool.idleCount), num(pool.waitingCount), num(pool.options?.max) ?? 10);
    }
    if ((source.system === 'mysql' || source.system === 'mariadb') && driver.pool) {
      // mysql2 keeps its counts in private queues; read them defensively.
      const pool = driver.pool;
      return usage(
        source,
        num(pool._allConnections?.length),
        num(pool._freeConnections?.length),
        num(pool._connectionQueue?.length),
        num(pool.config?.connectionLimit) ?? 10,
        'read from mysql2 pool internals',
      );
    }
    if (source.system === 'mysql' || source.system === 'mariadb') {
      return usage(source, null, null, null, null, driver.poolCluster ? 'replication pool cluster: per-node counts not read' : 'no pool');
    }
    if (source.system === 'sqlite') {
      return usage(source, 1, null, null, 1, 'SQLite uses one connection, no pool: statements run one at a time');
    }
    return usage(source, null, null, null, null, `pool usage is not read for ${source.system}`);
  }
}
