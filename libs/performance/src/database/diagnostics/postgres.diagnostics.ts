import { redactPlan } from '../bound-values-redactor';
import { INTERNAL_QUERY_MARK } from '../../core/ports/data-source.port';
import { listedStatement, normalizeSql } from '../sql-fingerprint';
import {
  BaseDiagnostics,
  type ColumnSelectivity,
  type Diagnostic,
  type ExplainResult,
  type ExplainTarget,
  type IndexInfo,
  type MaintenanceNeed,
  INTERNAL_MARK_LIKE,
  ok,
} from './database-diagnostics';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : v == null ? null : String(v));

/** PostgreSQL: pg_stat_statements, pg_stat_user_tables, pg_statio, pg_stat_activity, pg_stats, EXPLAIN (FORMAT JSON). */
export class PostgresDiagnostics extends BaseDiagnostics {
  override async topStatements(limit: number): Promise<Diagnostic> {
    const loaded = await this.run<{ n: string }>(`SELECT count(*) AS n FROM pg_extension WHERE extname = 'pg_stat_statements'`);
    if (Number(loaded[0]?.n) === 0) {
      return {
        status: 'unsupported',
        reason: 'pg_stat_statements is not installed (CREATE EXTENSION pg_stat_statements; it must be in shared_preload_libraries)',
      };
    }
    const rows = await this.run<Record<string, unknown>>(
      `SELECT query, calls, total_exec_time, mean_exec_time, rows, shared_blks_hit, shared_blks_read
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE $1
        ORDER BY total_exec_time DESC LIMIT $2`,
      [INTERNAL_MARK_LIKE, limit],
    );
    return ok(
      rows.map((r) => {
        const hit = Number(r.shared_blks_hit);
        const read = Number(r.shared_blks_read);
        return {
          statement: listedStatement(normalizeSql(String(r.query), 'postgresql')),
          calls: Number(r.calls),
          totalMs: round(Number(r.total_exec_time)),
          meanMs: round(Number(r.mean_exec_time)),
          rows: Number(r.rows),
          cacheHitPercent: hit + read > 0 ? round((hit / (hit + read)) * 100) : null,
        };
      }),
      'from pg_stat_statements (whole database, since its last reset)',
    );
  }

  override async tableStats(): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT relname, n_live_tup, n_dead_tup, last_vacuum, last_autovacuum, last_analyze, last_autoanalyze
         FROM pg_stat_user_tables ORDER BY n_dead_tup DESC, relname LIMIT 200`,
    );
    return ok(
      rows.map((r) => {
        const live = Number(r.n_live_tup);
        const dead = Number(r.n_dead_tup);
        return {
          table: String(r.relname),
          liveTuples: live,
          deadTuples: dead,
          deadRatioPercent: live + dead > 0 ? round((dead / (live + dead)) * 100) : 0,
          lastVacuum: iso(r.last_vacuum ?? r.last_autovacuum),
          lastAnalyze: iso(r.last_analyze ?? r.last_autoanalyze),
          // autovacuum's own trigger: 50 + 20% of the live tuples
          needsVacuum: dead > 50 + 0.2 * live,
        };
      }),
    );
  }

  override async cacheHitRatio(): Promise<Diagnostic> {
    const [r] = await this.run<Record<string, unknown>>(
      `SELECT sum(heap_blks_hit) AS th, sum(heap_blks_read) AS tr, sum(idx_blks_hit) AS ih, sum(idx_blks_read) AS ir FROM pg_statio_user_tables`,
    );
    const ratio = (hit: unknown, read: unknown) => {
      const h = Number(hit ?? 0);
      const d = Number(read ?? 0);
      return h + d > 0 ? round((h / (h + d)) * 100) : null;
    };
    return ok([{ tablePercent: ratio(r?.th, r?.tr), indexPercent: ratio(r?.ih, r?.ir) }]);
  }

  override async unusedIndexes(): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT s.relname, s.indexrelname, s.idx_scan, pg_relation_size(s.indexrelid) AS bytes,
              coalesce(t.seq_scan, 0) + coalesce(t.idx_scan, 0) AS table_scans
         FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
         JOIN pg_stat_user_tables t ON t.relid = s.relid
        WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AND s.schemaname = current_schema()
        ORDER BY bytes DESC LIMIT 200`,
    );
    return ok(
      rows.map((r) => ({
        table: String(r.relname),
        index: String(r.indexrelname),
        scans: Number(r.idx_scan),
        sizeBytes: Number(r.bytes),
        tableScans: Number(r.table_scans),
      })),
      'indexes never scanned since statistics were last reset',
    );
  }

  override async longRunningQueries(minSeconds: number): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT pid, state, EXTRACT(EPOCH FROM (now() - query_start)) AS seconds, query
         FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'
          AND query_start < now() - make_interval(secs => $1)
        ORDER BY query_start LIMIT 100`,
      [minSeconds],
    );
    return ok(
      rows.map((r) => ({
        pid: Number(r.pid),
        state: String(r.state),
        seconds: round(Number(r.seconds)),
        statement: listedStatement(normalizeSql(String(r.query), 'postgresql')),
      })),
    );
  }

  override async connectionStates(): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT coalesce(state, 'unknown') AS state, count(*) AS n FROM pg_stat_activity WHERE datname = current_database() GROUP BY 1 ORDER BY 1`,
    );
    return ok(rows.map((r) => ({ state: String(r.state), connections: Number(r.n) })));
  }

  override async tableSizes(): Promise<Diagnostic> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT c.relname, c.reltuples, pg_total_relation_size(c.oid) AS bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY bytes DESC LIMIT 200`,
    );
    return ok(rows.map((r) => ({ table: String(r.relname), rowEstimate: Math.max(0, Number(r.reltuples)), totalBytes: Number(r.bytes) })));
  }

  async indexes(table?: string): Promise<IndexInfo[]> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT t.relname AS tbl, i.relname AS idx, ix.indisunique AS uniq, ix.indisprimary AS prim,
              array_to_json(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)) AS cols,
              ix.indpred IS NOT NULL AS partial, ix.indexprs IS NOT NULL AS expr
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema() AND ($1::text IS NULL OR t.relname = $1)
        ORDER BY t.relname, i.relname`,
      [table ?? null],
    );
    return rows
      .filter((r) => !r.partial && !r.expr)
      .map((r) => ({
        table: String(r.tbl),
        name: String(r.idx),
        columns: (typeof r.cols === 'string' ? JSON.parse(r.cols) : r.cols) as string[],
        unique: Boolean(r.uniq),
        primary: Boolean(r.prim),
      }));
  }

  protected override async estimateRows(table: string, schema: string | null): Promise<number | null | undefined> {
    const [r] = await this.run<{ reltuples: unknown }>(
      `SELECT c.reltuples FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND n.nspname = coalesce($2, current_schema()) AND c.relkind IN ('r', 'p', 'm')`,
      [table, schema],
    );
    if (!r) return null;
    // -1 (0 before PostgreSQL 14): never vacuumed or analyzed, so no estimate yet.
    const estimate = Number(r.reltuples);
    return estimate > 0 ? Math.round(estimate) : undefined;
  }

  /**
   * From pg_stat_user_tables, with autovacuum's own triggers: dead rows above
   * 50 + 20 % of the live ones call for VACUUM (ANALYZE); rows changed since
   * the last ANALYZE above 50 + 10 % (or never analyzed) call for ANALYZE.
   */
  override async maintenance(minRows: number): Promise<MaintenanceNeed[]> {
    const rows = await this.run<Record<string, unknown>>(
      `SELECT relname, n_live_tup, n_dead_tup, n_mod_since_analyze, coalesce(last_analyze, last_autoanalyze) AS analyzed,
              coalesce(last_vacuum, last_autovacuum) AS vacuumed
         FROM pg_stat_user_tables WHERE schemaname = current_schema() AND n_live_tup + n_dead_tup >= $1 ORDER BY relname LIMIT 200`,
      [minRows],
    );
    const out: MaintenanceNeed[] = [];
    for (const r of rows) {
      const table = String(r.relname);
      const live = Number(r.n_live_tup);
      const dead = Number(r.n_dead_tup);
      const changed = Number(r.n_mod_since_analyze);
      const evidence = { liveRows: live, deadRows: dead, changedSinceAnalyze: changed, lastAnalyze: iso(r.analyzed), lastVacuum: iso(r.vacuumed) };
      if (dead > 50 + 0.2 * live) {
        const percent = Math.round((dead / Math.max(1, live + dead)) * 100);
        out.push({
          table,
          action: 'vacuum',
          sql: `VACUUM (ANALYZE) ${this.quote(table)}`,
          reason: `${dead} dead rows (${percent}% of the table) wait for VACUUM`,
          evidence,
        });
      } else if (r.analyzed == null || changed > 50 + 0.1 * live) {
        const reason =
          r.analyzed == null ? 'the table was never analyzed: the planner guesses its rows' : `${changed} rows changed since the last ANALYZE (of ${live})`;
        out.push({ table, action: 'analyze', sql: `ANALYZE ${this.quote(table)}`, reason, evidence });
      }
    }
    return out;
  }

  override async columnSelectivity(table: string, column: string): Promise<ColumnSelectivity | null> {
    const [r] = await this.run<{ n_distinct: unknown; null_frac: unknown }>(
      `SELECT n_distinct, null_frac FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1 AND attname = $2`,
      [table, column],
    );
    return r ? { nDistinct: num(r.n_distinct), nullFraction: num(r.null_frac) } : null;
  }

  override async explain(target: ExplainTarget, analyze: boolean): Promise<ExplainResult | { unsupported: string }> {
    const options = analyze ? 'ANALYZE, BUFFERS, FORMAT JSON' : 'FORMAT JSON';
    if (target.showValues) {
      const rows = await this.run<{ 'QUERY PLAN': unknown }>(`EXPLAIN (${options}) ${target.sql}`, [...(target.parameters ?? [])]);
      return { format: 'postgresql-json', plan: planOf(rows), analyzed: analyze };
    }
    const open = this.source.dataSource.createQueryRunner;
    if (typeof open !== 'function') return { unsupported: 'a generic plan needs a DataSource with createQueryRunner()' };
    const plan = planOf(await this.genericPlan(open.call(this.source.dataSource), target, options));
    return { format: 'postgresql-json', plan: redactPlan(plan, 'postgresql', target.parameters), analyzed: analyze };
  }

  /**
   * EXPLAIN of the plan PostgreSQL makes for any values (a generic plan: its
   * conditions show `$1`, not the values). On one connection, in a transaction
   * rolled back at the end: `plan_cache_mode = force_generic_plan`, PREPARE,
   * then EXPLAIN EXECUTE. EXECUTE takes no bound parameters, so for ANALYZE the
   * values travel as bound parameters into transaction-local settings and the
   * EXECUTE reads them back with `current_setting()`: no value is ever written
   * into a statement's text (which pg_stat_statements and pg_stat_activity
   * keep). Works from PostgreSQL 12 on (EXPLAIN (GENERIC_PLAN) needs 16).
   */
  private async genericPlan(
    runner: { query(sql: string, parameters?: unknown[]): Promise<unknown>; release(): Promise<void> },
    target: ExplainTarget,
    options: string,
  ): Promise<unknown[]> {
    const run = async <T>(sql: string, parameters?: unknown[]) => (await runner.query(`${INTERNAL_QUERY_MARK} ${sql}`, parameters)) as T[];
    const name = `nestjs_performance_plan_${++planCounter}`;
    let prepared = false;
    try {
      await run('BEGIN');
      await run('SET LOCAL plan_cache_mode = force_generic_plan');
      await run(`PREPARE ${name} AS ${target.sql}`);
      prepared = true;
      const [statement] = await run<{ types: string[] | string }>('SELECT parameter_types::text[] AS types FROM pg_prepared_statements WHERE name = $1', [
        name,
      ]);
      const types = typeof statement?.types === 'string' ? parseTextArray(statement.types) : (statement?.types ?? []);
      const values = target.parameters ?? [];
      const bound: unknown[] = [];
      const args = types.map((type, i) => {
        const value = values[i];
        if (value === null || value === undefined) return `NULL::${type}`;
        bound.push(ArrayBuffer.isView(value) ? `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}` : value);
        return `current_setting('nestjs_performance.plan_${bound.length}')::${type}`;
      });
      if (bound.length) {
        await run(`SELECT ${bound.map((_, i) => `set_config('nestjs_performance.plan_${i + 1}', $${i + 1}, true)`).join(', ')}`, bound);
      }
      return await run(`EXPLAIN (${options}) EXECUTE ${name}${args.length ? `(${args.join(', ')})` : ''}`);
    } finally {
      await run('ROLLBACK').catch(() => undefined);
      // A prepared statement outlives the transaction: free it before the connection goes back to the pool.
      if (prepared) await run(`DEALLOCATE ${name}`).catch(() => undefined);
      await runner.release();
    }
  }
}

let planCounter = 0;

function planOf(rows: readonly unknown[]): unknown {
  const raw = (rows[0] as { 'QUERY PLAN'?: unknown } | undefined)?.['QUERY PLAN'];
  return typeof raw === 'string' ? JSON.parse(raw) : raw;
}

/** A text[] in PostgreSQL's text form, for drivers that do not parse arrays: `{text,"timestamp with time zone"}`. */
function parseTextArray(text: string): string[] {
  return [...text.slice(1, -1).matchAll(/"((?:[^"\\]|\\.)*)"|([^,]+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!));
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
