import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { redactMessage } from '../bound-values-redactor';
import { DatabaseDiagnosticsService } from '../diagnostics/database-diagnostics.service';
import type { DatabaseSource } from '../../core/ports/data-source.port';
import type { DatabaseDiagnostics } from '../diagnostics/database-diagnostics';
import { QueryStats } from '../query-stats.service';

/** One piece of advice read from a plan node. */
export interface PlanAdvice {
  /** seq-scan, rows-removed-by-filter, sort-on-disk, nested-loop, estimate-off, temp-sort. */
  readonly kind: string;
  readonly severity: 'info' | 'warning';
  readonly message: string;
  readonly relation: string | null;
}

/** The answer of the plan endpoint. */
export interface PlanReport {
  readonly database: string;
  readonly fingerprint: string;
  /** With literals replaced by `?`. */
  readonly statement: string;
  readonly analyzed: boolean;
  readonly format: string;
  readonly plan: unknown;
  readonly advice: readonly PlanAdvice[];
}

interface PgNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Sort Space Type'?: string;
  'Sort Method'?: string;
  Filter?: string;
  Plans?: PgNode[];
}

/** Thrown when the plan cannot be made: the statement kind, or no example. */
export class PlanUnavailableError extends Error {}

/**
 * Runs EXPLAIN (FORMAT JSON; ANALYZE only with `database.explainAnalyze`, and
 * only for SELECT) on a fingerprint's last statement and turns plan nodes into
 * advice: Seq Scan on a large table, rows removed by a filter, a sort spilling
 * to disk, a nested loop over a large outer side, estimates far from actuals.
 *
 * Unless `database.logParameters` is on, no bound value reaches the plan or
 * the advice: PostgreSQL plans generically (`$1` in conditions), MySQL,
 * MariaDB and SQLite plans have their literals replaced by `?`, and so do
 * the database's error messages.
 */
@Injectable()
export class PlanAdvisor {
  private readonly analyze: boolean;
  private readonly minRows: number;
  private readonly showValues: boolean;

  constructor(
    @Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions,
    private readonly stats: QueryStats,
    private readonly diagnostics: DatabaseDiagnosticsService,
  ) {
    this.analyze = options.database.explainAnalyze;
    this.minRows = options.database.indexMinRows;
    this.showValues = options.database.logParameters;
  }

  /** Explains a fingerprint observed on `source`. Undefined when the fingerprint is unknown there. */
  async explain(source: DatabaseSource, fingerprint: string): Promise<PlanReport | undefined> {
    const entry = this.stats.get(fingerprint);
    const example = this.stats.example(fingerprint);
    if (!entry || !example || example.database !== source.name) return undefined;
    if (entry.operation === 'OTHER') throw new PlanUnavailableError('only SELECT, INSERT, UPDATE and DELETE statements can be explained');
    const analyze = this.analyze && entry.operation === 'SELECT';
    const d = this.diagnostics.for(source);
    const target = { fingerprint, sql: example.sql, parameters: example.parameters, showValues: this.showValues };
    let result: Awaited<ReturnType<DatabaseDiagnostics['explain']>>;
    try {
      result = await d.explain(target, analyze);
    } catch (error) {
      // The database's message can quote the statement's values back.
      const message = error instanceof Error ? error.message : String(error);
      throw new PlanUnavailableError(`the database could not explain it: ${this.showValues ? message : redactMessage(message, example.parameters)}`);
    }
    if ('unsupported' in result) throw new PlanUnavailableError(result.unsupported);
    const advice =
      result.format === 'postgresql-json'
        ? await this.postgresAdvice(d, (result.plan as { Plan: PgNode }[])[0]?.Plan)
        : result.format === 'mysql-json'
          ? await this.mysqlAdvice(d, result.plan)
          : await this.sqliteAdvice(d, result.plan as { detail: string }[]);
    return { database: source.name, fingerprint, statement: entry.statement, analyzed: analyze, format: result.format, plan: result.plan, advice };
  }

  private async postgresAdvice(d: DatabaseDiagnostics, root: PgNode | undefined): Promise<PlanAdvice[]> {
    const advice: PlanAdvice[] = [];
    const walk = async (node: PgNode): Promise<void> => {
      const type = node['Node Type'];
      const relation = node['Relation Name'] ?? null;
      if (type === 'Seq Scan' && relation) {
        const rows = (await d.rowEstimate(relation)) ?? 0;
        if (rows >= this.minRows) {
          advice.push({
            kind: 'seq-scan',
            severity: 'warning',
            relation,
            message: `Seq Scan on ${relation} (about ${Math.round(rows)} rows)${node.Filter ? ` filtering ${node.Filter}` : ''}: an index on the filtered columns avoids reading the whole table (see suggest-indexes)`,
          });
        }
      }
      const removed = node['Rows Removed by Filter'];
      const actual = node['Actual Rows'];
      if (removed !== undefined && actual !== undefined && removed > 1000 && removed > 10 * actual) {
        advice.push({ kind: 'rows-removed-by-filter', severity: 'warning', relation, message: `${removed} rows were read and discarded by the filter to keep ${actual}` });
      }
      if (node['Sort Space Type'] === 'Disk') {
        advice.push({ kind: 'sort-on-disk', severity: 'warning', relation, message: `the sort spilled to disk (${node['Sort Method'] ?? 'external'}): raise work_mem or sort on an indexed column` });
      }
      if (type === 'Nested Loop' && node.Plans?.[0]) {
        const outer = node.Plans[0]['Actual Rows'] ?? node.Plans[0]['Plan Rows'] ?? 0;
        if (outer > 1000) {
          advice.push({ kind: 'nested-loop', severity: 'warning', relation, message: `nested loop over ${outer} outer rows: the inner side runs once per row; check the join column's index or a hash join` });
        }
      }
      const planned = node['Plan Rows'];
      if (actual !== undefined && planned !== undefined && Math.max(actual, planned) >= 100) {
        const ratio = Math.max(actual, 1) / Math.max(planned, 1);
        if (ratio > 10 || ratio < 0.1) {
          advice.push({ kind: 'estimate-off', severity: 'info', relation, message: `the planner expected ${planned} rows and got ${actual}: run ANALYZE${relation ? ` ${relation}` : ''} or raise the statistics target` });
        }
      }
      for (const child of node.Plans ?? []) await walk(child);
    };
    if (root) await walk(root);
    return advice;
  }

  private async mysqlAdvice(d: DatabaseDiagnostics, plan: unknown): Promise<PlanAdvice[]> {
    const advice: PlanAdvice[] = [];
    const tables: { table_name?: string; access_type?: string; attached_condition?: string }[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (key === 'table' && child && typeof child === 'object') tables.push(child as (typeof tables)[number]);
          walk(child);
        }
      }
    };
    walk(plan);
    for (const t of tables) {
      if (t.access_type !== 'ALL' || !t.table_name) continue;
      const rows = (await this.rowEstimate(d, t.table_name)) ?? 0;
      if (rows >= this.minRows) {
        advice.push({ kind: 'seq-scan', severity: 'warning', relation: t.table_name, message: `full table scan of ${t.table_name} (about ${rows} rows): an index on the filtered columns avoids it (see suggest-indexes)` });
      }
    }
    return advice;
  }

  /**
   * Rows of a relation a MySQL or SQLite plan names, or null. Those plans name
   * the alias (`SCAN m`) or a pseudo-table (`SCAN 500-ROW VALUES CLAUSE`), not
   * always a table: no count then, and the plan is still answered.
   */
  private async rowEstimate(d: DatabaseDiagnostics, relation: string): Promise<number | null> {
    try {
      return await d.rowEstimate(relation);
    } catch {
      return null;
    }
  }

  private async sqliteAdvice(d: DatabaseDiagnostics, plan: { detail: string }[]): Promise<PlanAdvice[]> {
    const advice: PlanAdvice[] = [];
    for (const { detail } of plan) {
      const scan = /^SCAN (?:TABLE )?(\S+)(.*)$/.exec(detail);
      if (scan && !/USING (?:COVERING )?INDEX/.test(scan[2]!)) {
        const rows = (await this.rowEstimate(d, scan[1]!)) ?? 0;
        if (rows >= this.minRows) {
          advice.push({ kind: 'seq-scan', severity: 'warning', relation: scan[1]!, message: `full scan of ${scan[1]} (${rows} rows): an index on the filtered columns avoids it (see suggest-indexes)` });
        }
      }
      if (/USE TEMP B-TREE FOR ORDER BY/.test(detail)) {
        advice.push({ kind: 'temp-sort', severity: 'info', relation: null, message: 'the result is sorted in a temporary b-tree: an index on the ORDER BY column avoids it' });
      }
    }
    return advice;
  }
}
