import { redactMessage, redactPlan } from '../bound-values-redactor';
import { BaseDiagnostics, type Diagnostic, type ExplainTarget, type IndexInfo, ok } from './database-diagnostics';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** SQLite: table sizes (row counts), indexes from PRAGMA, EXPLAIN QUERY PLAN. The rest is unsupported. */
export class SqliteDiagnostics extends BaseDiagnostics {
  private async tables(): Promise<string[]> {
    const rows = await this.run<{ name: string }>(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name LIMIT 200`,
    );
    return rows.map((r) => r.name);
  }

  override async tableSizes(): Promise<Diagnostic> {
    const rows = [];
    for (const table of await this.tables()) {
      const [r] = await this.run<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
      rows.push({ table, rows: Number(r?.n ?? 0) });
    }
    return ok(rows, 'exact row counts; SQLite keeps the whole database in one file');
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

  override async rowEstimate(table: string): Promise<number | null> {
    const [r] = await this.run<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
    return r ? Number(r.n) : null;
  }

  override async explain(target: ExplainTarget): Promise<{ format: string; plan: unknown }> {
    const rows = await this.run<{ id: number; parent: number; detail: string }>(`EXPLAIN QUERY PLAN ${target.sql}`, [...(target.parameters ?? [])]);
    const plan = rows.map((r) => ({ id: r.id, parent: r.parent, detail: r.detail }));
    return { format: 'sqlite-query-plan', plan: target.showValues ? plan : redactPlan(plan, 'sqlite', target.parameters) };
  }
}
