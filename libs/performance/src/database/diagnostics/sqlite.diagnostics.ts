import { redactMessage, redactPlan } from '../bound-values-redactor';
import { BaseDiagnostics, type Diagnostic, type ExplainResult, type ExplainTarget, type IndexInfo, type MaintenanceNeed, ok } from './database-diagnostics';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** SQLite: table sizes (row counts), indexes from PRAGMA, EXPLAIN QUERY PLAN. The rest is unsupported. */
export class SqliteDiagnostics extends BaseDiagnostics {
  private async tables(): Promise<string[]> {
    const rows = await this.run<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 200`);
    return rows.map((r) => r.name);
  }

  override async tableSizes(): Promise<Diagnostic> {
    const rows = [];
    for (const table of await this.tables()) rows.push({ table, rowEstimate: await this.rowEstimate(table) });
    return ok(rows, 'rows from sqlite_stat1 where ANALYZE ran, else counted (kept ten minutes); SQLite keeps the whole database in one file');
  }

  override async queryPlans(targets: readonly ExplainTarget[]): Promise<Diagnostic> {
    const rows = [];
    for (const target of targets) {
      try {
        const plan = await this.explain(target);
        rows.push({ fingerprint: target.fingerprint, plan: (plan.plan as { detail: string }[]).map((p) => p.detail), error: null });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        rows.push({ fingerprint: target.fingerprint, plan: [], error: target.showValues ? message : redactMessage(message, target.parameters) });
      }
    }
    return ok(rows, 'EXPLAIN QUERY PLAN of the slowest observed statements');
  }

  /**
   * ANALYZE for a table with indexes that ANALYZE never ran on (no
   * sqlite_stat1 row): without it SQLite assumes every index narrows a
   * lookup to about ten rows, whatever the data.
   */
  override async maintenance(minRows: number): Promise<MaintenanceNeed[]> {
    const [stat] = await this.run<{ n: number }>(`SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'`);
    const analyzed = new Set(Number(stat?.n) > 0 ? (await this.run<{ tbl: string }>('SELECT DISTINCT tbl FROM sqlite_stat1')).map((r) => r.tbl) : []);
    const out: MaintenanceNeed[] = [];
    for (const table of await this.tables()) {
      if (analyzed.has(table)) continue;
      const indexes = (await this.indexes(table)).filter((i) => !i.name.endsWith(' (rowid)'));
      if (!indexes.length) continue;
      const rows = await this.rowEstimate(table);
      if (rows === null || rows < minRows) continue;
      out.push({
        table,
        action: 'analyze',
        sql: `ANALYZE ${quote(table)}`,
        reason: `ANALYZE never ran on it: SQLite picks among its ${indexes.length} index${indexes.length > 1 ? 'es' : ''} without knowing their selectivity`,
        evidence: { rows, indexes: indexes.length },
      });
    }
    return out;
  }

  async indexes(table?: string): Promise<IndexInfo[]> {
    const out: IndexInfo[] = [];
    for (const t of table ? [table] : await this.tables()) {
      // An INTEGER PRIMARY KEY is the rowid itself: SQLite lists no index for it, yet it is the fastest one.
      const pk = (await this.run<{ name: string; type: string; pk: number }>(`PRAGMA table_info(${quote(t)})`)).filter((c) => c.pk > 0);
      if (pk.length === 1 && pk[0]!.type.toUpperCase() === 'INTEGER') {
        out.push({ table: t, name: `${t} (rowid)`, columns: [pk[0]!.name], unique: true, primary: true });
      }
      const list = await this.run<{ name: string; unique: number; origin: string; partial: number }>(`PRAGMA index_list(${quote(t)})`);
      for (const index of list) {
        if (index.partial) continue;
        const cols = await this.run<{ seqno: number; name: string | null }>(`PRAGMA index_info(${quote(index.name)})`);
        if (cols.some((c) => c.name === null)) continue;
        out.push({
          table: t,
          name: index.name,
          columns: cols.sort((a, b) => a.seqno - b.seqno).map((c) => c.name!),
          unique: Boolean(index.unique),
          primary: index.origin === 'pk',
        });
      }
    }
    return out;
  }

  /** The row count ANALYZE wrote into sqlite_stat1 (the first figure of each row of the table); undefined before ANALYZE. */
  protected override async estimateRows(table: string): Promise<number | null | undefined> {
    const [exists] = await this.run<{ stat1: number; n: number }>(
      `SELECT (SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1') AS stat1,
              (SELECT COUNT(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?) AS n`,
      [table],
    );
    if (!exists || Number(exists.n) === 0) return null;
    if (Number(exists.stat1) === 0) return undefined;
    const [row] = await this.run<{ stat: string }>('SELECT stat FROM sqlite_stat1 WHERE tbl = ? LIMIT 1', [table]);
    const rows = row ? Number.parseInt(String(row.stat), 10) : Number.NaN;
    return Number.isFinite(rows) ? rows : undefined;
  }

  /** EXPLAIN QUERY PLAN: SQLite plans only (it has no EXPLAIN ANALYZE). */
  override async explain(target: ExplainTarget): Promise<ExplainResult> {
    const rows = await this.run<{ id: number; parent: number; detail: string }>(`EXPLAIN QUERY PLAN ${target.sql}`, [...(target.parameters ?? [])]);
    const plan = rows.map((r) => ({ id: r.id, parent: r.parent, detail: r.detail }));
    return { format: 'sqlite-query-plan', plan: target.showValues ? plan : redactPlan(plan, 'sqlite', target.parameters), analyzed: false };
  }
}
