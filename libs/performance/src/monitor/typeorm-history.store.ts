import type { PerformanceAlert } from '../core/schemas/performance-alert';
import { INTERNAL_QUERY_MARK } from '../core/ports/data-source.port';
import type { HistoryStore } from './history.store';
import type { MetricsSnapshot } from './metrics-snapshot';
import { ALERTS_TABLE, PerformanceHistoryMigration1767225600000, SNAPSHOTS_TABLE, type HistoryMigrationRunner } from './performance-history.migration';

/** The parts of a TypeORM `DataSource` the store uses. */
export interface HistoryDataSource {
  readonly driver: object;
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
  createQueryRunner(): HistoryMigrationRunner & { release(): Promise<void> };
}

interface Escaper {
  escapeQueryWithParameters(sql: string, parameters: Record<string, unknown>, native: Record<string, unknown>): [string, unknown[]];
}

type Row = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/**
 * A {@link HistoryStore} in the app's own database, through its TypeORM
 * DataSource: one row per snapshot and per alert, each with the instance id,
 * so several instances can share the tables. Rows older than the retention
 * are deleted by {@link prune}. Statements carry the module's internal mark,
 * so the database feature keeps them out of the app's query statistics.
 */
export class TypeOrmHistoryStore implements HistoryStore {
  private readonly known = new Set<string>();
  private resolved: HistoryDataSource | undefined;

  /**
   * @param dataSource the DataSource, or a function that finds it at
   *   {@link init} (the app's DataSources initialize after the module's providers).
   */
  constructor(
    private readonly source: HistoryDataSource | (() => HistoryDataSource),
    private readonly runMigrations: boolean,
  ) {}

  private get dataSource(): HistoryDataSource {
    if (!this.resolved) this.resolved = typeof this.source === 'function' ? this.source() : this.source;
    return this.resolved;
  }

  async init(): Promise<void> {
    if (!this.runMigrations) return;
    const runner = this.dataSource.createQueryRunner();
    try {
      await new PerformanceHistoryMigration1767225600000().up(runner);
    } finally {
      await runner.release();
    }
  }

  async append(s: MetricsSnapshot): Promise<void> {
    await this.run(`INSERT INTO ${SNAPSHOTS_TABLE} (instance_id, taken_at, data) VALUES (:instance, :at, :data)`, {
      instance: s.instanceId,
      at: Date.parse(s.timestamp),
      data: JSON.stringify(s),
    });
  }

  async snapshots(sinceMs: number, instanceId?: string): Promise<MetricsSnapshot[]> {
    const rows = await this.run(
      `SELECT data FROM ${SNAPSHOTS_TABLE} WHERE taken_at >= :since${instanceId === undefined ? '' : ' AND instance_id = :instance'} ORDER BY taken_at, id`,
      { since: sinceMs, instance: instanceId },
    );
    return rows.map((r) => JSON.parse(String(r.data)) as MetricsSnapshot);
  }

  async latestSnapshots(sinceMs: number): Promise<MetricsSnapshot[]> {
    // The highest id of an instance is its latest snapshot: each instance inserts its own in time order.
    const rows = await this.run(
      `SELECT data FROM ${SNAPSHOTS_TABLE} WHERE id IN (SELECT MAX(id) FROM ${SNAPSHOTS_TABLE} WHERE taken_at >= :since GROUP BY instance_id)`,
      { since: sinceMs },
    );
    return rows.map((r) => JSON.parse(String(r.data)) as MetricsSnapshot);
  }

  async openAlerts(): Promise<PerformanceAlert[]> {
    const rows = await this.run(`SELECT data FROM ${ALERTS_TABLE} WHERE status = 'firing' ORDER BY last_seen DESC, first_seen DESC`, {});
    return rows.map((r) => JSON.parse(String(r.data)) as PerformanceAlert);
  }

  async saveAlert(a: PerformanceAlert): Promise<void> {
    const params = {
      id: a.id,
      instance: a.instanceId,
      metric: a.metric,
      severity: a.severity,
      status: a.status,
      first: Date.parse(a.firstSeen),
      last: Date.parse(a.lastSeen),
      data: JSON.stringify(a),
    };
    if (this.known.has(a.id)) {
      await this.run(`UPDATE ${ALERTS_TABLE} SET severity = :severity, status = :status, last_seen = :last, data = :data WHERE id = :id`, params);
      return;
    }
    await this.run(
      `INSERT INTO ${ALERTS_TABLE} (id, instance_id, metric, severity, status, first_seen, last_seen, data) VALUES (:id, :instance, :metric, :severity, :status, :first, :last, :data)`,
      params,
    );
    this.known.add(a.id);
  }

  async alerts(sinceMs: number, instanceId?: string): Promise<PerformanceAlert[]> {
    const rows = await this.run(
      `SELECT data FROM ${ALERTS_TABLE} WHERE last_seen >= :since${instanceId === undefined ? '' : ' AND instance_id = :instance'} ORDER BY last_seen DESC, first_seen DESC`,
      { since: sinceMs, instance: instanceId },
    );
    return rows.map((r) => JSON.parse(String(r.data)) as PerformanceAlert);
  }

  async firingAlerts(instanceId: string): Promise<PerformanceAlert[]> {
    const rows = await this.run(`SELECT data FROM ${ALERTS_TABLE} WHERE instance_id = :instance AND status = 'firing'`, {
      instance: instanceId,
    });
    const alerts = rows.map((r) => JSON.parse(String(r.data)) as PerformanceAlert);
    for (const a of alerts) this.known.add(a.id);
    return alerts;
  }

  async clearResolvedAlerts(instanceId: string): Promise<number> {
    const where = `WHERE instance_id = :instance AND status = 'resolved'`;
    const [row] = await this.run(`SELECT COUNT(*) AS n FROM ${ALERTS_TABLE} ${where}`, { instance: instanceId });
    await this.run(`DELETE FROM ${ALERTS_TABLE} ${where}`, { instance: instanceId });
    return num(row?.n ?? 0);
  }

  async prune(beforeMs: number): Promise<void> {
    await this.run(`DELETE FROM ${SNAPSHOTS_TABLE} WHERE taken_at < :before`, { before: beforeMs });
    await this.run(`DELETE FROM ${ALERTS_TABLE} WHERE status = 'resolved' AND last_seen < :before`, { before: beforeMs });
    // Firing alerts of an instance that has left no snapshot in the retention: it stopped long ago, nothing will resolve them.
    await this.run(
      `DELETE FROM ${ALERTS_TABLE} WHERE status = 'firing' AND last_seen < :before AND instance_id NOT IN (SELECT DISTINCT instance_id FROM ${SNAPSHOTS_TABLE})`,
      { before: beforeMs },
    );
  }

  async close(): Promise<void> {}

  private async run(sql: string, parameters: Record<string, unknown>): Promise<Row[]> {
    // TypeORM turns :name parameters into the driver's placeholders ($1, ?).
    const [text, values] = (this.dataSource.driver as Escaper).escapeQueryWithParameters(`${INTERNAL_QUERY_MARK} ${sql}`, parameters, {});
    const result = await this.dataSource.query(text, values);
    return Array.isArray(result) ? (result as Row[]) : [];
  }
}
