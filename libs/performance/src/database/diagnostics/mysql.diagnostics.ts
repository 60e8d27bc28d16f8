import { redactPlan } from '../bound-values-redactor';
import { listedStatement, normalizeSql } from '../sql-fingerprint';
import {
  BaseDiagnostics,
  type Diagnostic,
  type ExplainResult,
  type ExplainTarget,
  type IndexInfo,
  type MaintenanceNeed,
  INTERNAL_MARK_LIKE,
  ok,
  unsupported,
} from './database-diagnostics';

const round = (n: number) => Math.round(n * 100) / 100;

/** MySQL and MariaDB: performance_schema (when on), information_schema, InnoDB status, EXPLAIN FORMAT=JSON. */
export class MysqlDiagnostics extends BaseDiagnostics {
  private async performanceSchemaOn(): Promise<boolean> {
    const [r] = await this.run<{ on: unknown }>('SELECT @@performance_schema AS `on`');
    return Number(r?.on) === 1;
  }

  override async topStatements(limit: number): Promise<Diagnostic> {
    if (!(await this.performanceSchemaOn())) {
      return unsupported('performance_schema is off (performance_schema=ON in the server config, then restart)');
    }
    const rows = await this.run<Record<string, unknown>>(
      `SELECT DIGEST_TEXT AS q, COUNT_STAR AS calls, SUM_TIMER_WAIT / 1e9 AS total_ms, AVG_TIMER_WAIT / 1e9 AS mean_ms, SUM_ROWS_SENT AS rows_sent
         FROM performance_schema.events_statements_summary_by_digest
        WHERE SCHEMA_NAME = DATABASE() AND DIGEST_TEXT IS NOT NULL AND DIGEST_TEXT NOT LIKE ?
        ORDER BY SUM_TIMER_WAIT DESC LIMIT ?`,
      [INTERNAL_MARK_LIKE, limit],
    );
    return ok(
      rows.map((r) => ({
        statement: listedStatement(normalizeSql(String(r.q), this.system)),
        calls: Number(r.calls),
        totalMs: round(Number(r.total_ms)),
        meanMs: round(Number(r.mean_ms)),
        rows: Number(r.rows_sent),
        cacheHitPercent: null,
      })),
      'from performance_schema.events_statements_summary_by_digest',
    );
  }

  override async tableStats(): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT TABLE_NAME AS t, TABLE_ROWS AS r, DATA_FREE AS f, DATA_LENGTH AS d, UPDATE_TIME AS u
         FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME LIMIT 200`,
    );
    return ok(
      rows.map((r) => ({
        table: String(r.t),
        rowEstimate: Number(r.r ?? 0),
        freeBytes: Number(r.f ?? 0),
        // InnoDB has no dead tuples; reclaimable space above 10% of the data suggests OPTIMIZE TABLE.
        needsOptimize: Number(r.f ?? 0) > 0.1 * Number(r.d ?? 0) && Number(r.f ?? 0) > 10 * 1024 * 1024,
        lastUpdate: r.u instanceof Date ? r.u.toISOString() : r.u == null ? null : String(r.u),
      })),
      'estimates from information_schema.TABLES',
    );
  }

  override async cacheHitRatio(): Promise<Diagnostic> {
    const rows = await this.run<{ Variable_name: string; Value: string }>(
      `SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')`,
    );
    const get = (name: string) => Number(rows.find((r) => r.Variable_name === name)?.Value ?? 0);
    const requests = get('Innodb_buffer_pool_read_requests');
    const misses = get('Innodb_buffer_pool_reads');
    return ok([{ bufferPoolPercent: requests > 0 ? round(((requests - misses) / requests) * 100) : null }], 'InnoDB buffer pool, server-wide');
  }

  override async unusedIndexes(): Promise<Diagnostic> {
    if (!(await this.performanceSchemaOn())) return unsupported('performance_schema is off: index usage is not counted');
    const rows = await this.run<Record<string, unknown>>(
      `SELECT OBJECT_NAME AS t, INDEX_NAME AS i, COUNT_STAR AS n
         FROM performance_schema.table_io_waits_summary_by_index_usage
        WHERE OBJECT_SCHEMA = DATABASE() AND INDEX_NAME IS NOT NULL AND INDEX_NAME <> 'PRIMARY' AND COUNT_STAR = 0
        ORDER BY OBJECT_NAME, INDEX_NAME LIMIT 200`,
    );
    return ok(rows.map((r) => ({ table: String(r.t), index: String(r.i), scans: Number(r.n) })));
  }

  override async longRunningQueries(minSeconds: number): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT ID AS id, COMMAND AS c, TIME AS s, INFO AS q FROM information_schema.PROCESSLIST
        WHERE DB = DATABASE() AND COMMAND NOT IN ('Sleep', 'Daemon') AND ID <> CONNECTION_ID() AND TIME >= ? ORDER BY TIME DESC LIMIT 100`,
      [minSeconds],
    );
    return ok(
      rows.map((r) => ({
        pid: Number(r.id),
        state: String(r.c),
        seconds: Number(r.s),
        statement: r.q == null ? null : listedStatement(normalizeSql(String(r.q), this.system)),
      })),
    );
  }

  override async connectionStates(): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT COMMAND AS state, COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() GROUP BY COMMAND ORDER BY COMMAND`,
    );
    return ok(rows.map((r) => ({ state: String(r.state), connections: Number(r.n) })));
  }

  override async tableSizes(): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT TABLE_NAME AS t, TABLE_ROWS AS r, DATA_LENGTH + INDEX_LENGTH AS b FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY b DESC LIMIT 200`,
    );
    return ok(rows.map((r) => ({ table: String(r.t), rowEstimate: Number(r.r ?? 0), totalBytes: Number(r.b ?? 0) })));
  }

  async indexes(table?: string): Promise<IndexInfo[]> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT TABLE_NAME AS t, INDEX_NAME AS i, NON_UNIQUE AS nu, COLUMN_NAME AS c, SEQ_IN_INDEX AS s
         FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND (? IS NULL OR TABLE_NAME = ?)
        ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`,
      [table ?? null, table ?? null],
    );
    const byName = new Map<string, { table: string; name: string; columns: string[]; unique: boolean; primary: boolean }>();
    for (const r of rows) {
      const key = `${String(r.t)}.${String(r.i)}`;
      let index = byName.get(key);
      if (!index) {
        index = { table: String(r.t), name: String(r.i), columns: [], unique: Number(r.nu) === 0, primary: r.i === 'PRIMARY' };
        byName.set(key, index);
      }
      index.columns.push(String(r.c));
    }
    return [...byName.values()];
  }

  protected override async estimateRows(table: string, schema: string | null): Promise<number | null | undefined> {
    // InnoDB's estimate (sampled pages); 0 also right after a bulk load, before its statistics ran.
    const [r] = await this.run<{ r: unknown }>(
      'SELECT TABLE_ROWS AS r FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?',
      [schema, table],
    );
    if (!r) return null;
    const estimate = Number(r.r ?? 0);
    return estimate > 0 ? estimate : undefined;
  }

  protected override quote(name: string): string {
    return `\`${name.replace(/`/g, '``')}\``;
  }

  /**
   * EXPLAIN FORMAT=JSON; with `analyze` on MariaDB, ANALYZE FORMAT=JSON, which
   * runs the statement and adds what it read (`r_rows`, `r_filtered`, times).
   * MySQL's EXPLAIN ANALYZE answers in its tree format only, so MySQL plans
   * are never analyzed here.
   */
  /**
   * OPTIMIZE TABLE when more than 10 % of the data (and over 10 MiB) is free
   * space; ANALYZE TABLE when InnoDB counted more changed rows since its last
   * statistics than 10 % of the table (its own automatic trigger, which a
   * table with STATS_AUTO_RECALC=0 never pulls). The InnoDB counters need the
   * PROCESS privilege: without it only OPTIMIZE TABLE is advised.
   */
  override async maintenance(minRows: number): Promise<MaintenanceNeed[]> {
    const tables = await this.run<Record<string, unknown>>(
      `SELECT TABLE_NAME AS t, TABLE_ROWS AS r, DATA_LENGTH AS d, DATA_FREE AS f FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME LIMIT 200`,
    );
    let modified = new Map<string, { rows: number; changed: number }>();
    try {
      const view = this.system === 'mariadb' ? 'INNODB_SYS_TABLESTATS' : 'INNODB_TABLESTATS';
      const stats = await this.run<{ name: string; rows: unknown; changed: unknown }>(
        `SELECT NAME AS name, NUM_ROWS AS \`rows\`, MODIFIED_COUNTER AS changed FROM information_schema.${view} WHERE NAME LIKE CONCAT(DATABASE(), '/%')`,
      );
      modified = new Map(stats.map((s) => [String(s.name).slice(String(s.name).indexOf('/') + 1), { rows: Number(s.rows), changed: Number(s.changed) }]));
    } catch {
      // No PROCESS privilege: stale statistics cannot be seen.
    }
    const out: MaintenanceNeed[] = [];
    for (const t of tables) {
      const table = String(t.t);
      const rows = Number(t.r ?? 0);
      const free = Number(t.f ?? 0);
      const data = Number(t.d ?? 0);
      const stats = modified.get(table);
      if (Math.max(rows, stats?.rows ?? 0) < minRows) continue;
      const evidence = { rowEstimate: rows, dataBytes: data, freeBytes: free, changedSinceAnalyze: stats?.changed ?? null };
      if (free > 0.1 * data && free > 10 * 1024 * 1024) {
        const mib = Math.round(free / 1024 / 1024);
        out.push({
          table,
          action: 'optimize',
          sql: `OPTIMIZE TABLE ${this.quote(table)}`,
          reason: `${mib} MiB of the table is free space that OPTIMIZE TABLE gives back`,
          evidence,
        });
      } else if (stats && stats.changed > 0.1 * Math.max(stats.rows, 1)) {
        out.push({
          table,
          action: 'analyze',
          sql: `ANALYZE TABLE ${this.quote(table)}`,
          reason: `${stats.changed} rows changed since InnoDB last computed its statistics (of about ${stats.rows})`,
          evidence,
        });
      }
    }
    return out;
  }

  override async explain(target: ExplainTarget, analyze: boolean): Promise<ExplainResult> {
    // MySQL has no generic plan: it plans for the values, and they are taken out of the answer afterwards.
    const analyzed = analyze && this.system === 'mariadb';
    const [r] = await this.run<Record<string, unknown>>(`${analyzed ? 'ANALYZE' : 'EXPLAIN'} FORMAT=JSON ${target.sql}`, [...(target.parameters ?? [])]);
    const plan: unknown = r ? JSON.parse(String(Object.values(r)[0])) : null;
    return { format: 'mysql-json', plan: target.showValues ? plan : redactPlan(plan, this.system, target.parameters), analyzed };
  }
}
