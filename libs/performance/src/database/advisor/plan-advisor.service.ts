import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { redactMessage } from '../bound-values-redactor';
import { DatabaseDiagnosticsService } from '../diagnostics/database-diagnostics.service';
import type { DatabaseSource } from '../../core/ports/data-source.port';
import type { DatabaseDiagnostics } from '../diagnostics/database-diagnostics';
import { QueryStats } from '../query-stats.service';
import { migrationsTableOf, type StatementShape, StatementShapes } from '../statement-shape';

/** One piece of advice read from a plan node. */
export interface PlanAdvice {
  /**
   * `seq-scan` (the whole table is read), `join-scan` (a join reads the whole
   * inner table, or builds a temporary index on it, on every run), `sort` (the
   * rows are sorted for ORDER BY), `sort-on-disk`, `temp-table` (rows are
   * grouped or made distinct in a temporary table, hash table or b-tree),
   * `rows-removed-by-filter`, `nested-loop`, `estimate-off`.
   */
  readonly kind: string;
  readonly severity: 'info' | 'warning';
  readonly message: string;
  /** The table (aliases in the plan are resolved to their table), null when the node has none. */
  readonly relation: string | null;
  /** Estimated rows of {@link relation}, for scans. */
  readonly rows?: number;
}

/** The answer of the plan endpoint. */
export interface PlanReport {
  readonly database: string;
  readonly fingerprint: string;
  /** With literals replaced by `?`. */
  readonly statement: string;
  /** True only when the statement ran to measure the plan (EXPLAIN ANALYZE, MariaDB's ANALYZE). */
  readonly analyzed: boolean;
  readonly format: string;
  readonly plan: unknown;
  readonly advice: readonly PlanAdvice[];
}

interface PgNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  Alias?: string;
  Schema?: string;
  Strategy?: string;
  'Plan Rows'?: number;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Sort Space Type'?: string;
  'Sort Method'?: string;
  'Sort Key'?: string[];
  'Hash Cond'?: string;
  'Group Key'?: string[];
  Filter?: string;
  Plans?: PgNode[];
}

/** Thrown when the plan cannot be made: the statement kind, or no example. */
export class PlanUnavailableError extends Error {}

/** Finds a relation's rows; aliases resolved through the statement, unknown names give null. */
type Rows = (name: string) => Promise<{ table: string; rows: number | null }>;

/**
 * The join column a plan's relation (alias or table) is looked up by, when
 * the statement joins it on one that no index of the table starts with;
 * undefined otherwise (then a whole read of it is a plain scan).
 */
type UnindexedJoin = (name: string) => Promise<string | undefined>;

/** What the advice of one plan reads besides the plan. */
interface PlanContext {
  readonly rowsOf: Rows;
  readonly unindexedJoin: UnindexedJoin;
}

/** PostgreSQL nodes between a join and the scan it reads. */
const PASS_THROUGH = new Set(['Hash', 'Materialize', 'Memoize', 'Sort', 'Incremental Sort', 'Gather', 'Gather Merge']);
const JOINS = new Set(['Hash Join', 'Merge Join', 'Nested Loop']);

/**
 * Runs EXPLAIN (FORMAT JSON; ANALYZE only with `database.explainAnalyze`, and
 * only for SELECT) on a fingerprint's last statement and turns plan nodes into
 * advice, the same kinds on every database: full scans of large tables (with
 * their estimated rows), joins that read a whole table or build a temporary
 * index, sorts and temporary tables, plus PostgreSQL's rows removed by a
 * filter, sorts on disk, nested loops over many rows and estimates far from
 * the actual rows. MySQL, MariaDB and SQLite plans name a table by its alias
 * (`SCAN d`): the alias is resolved through the statement.
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
  private readonly shapes = new StatementShapes();

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
    const shape = this.shapes.of(fingerprint, example.sql, source.system, migrationsTableOf(source.dataSource.options));
    const context = PlanAdvisor.context(d, 'names' in shape ? shape : undefined);
    const advice =
      result.format === 'postgresql-json'
        ? await this.postgresAdvice(context, (result.plan as { Plan: PgNode }[])[0]?.Plan)
        : result.format === 'mysql-json'
          ? await this.mysqlAdvice(context, result.plan)
          : await this.sqliteAdvice(context, result.plan as { id: number; parent: number; detail: string }[]);
    return { database: source.name, fingerprint, statement: entry.statement, analyzed: result.analyzed, format: result.format, plan: result.plan, advice };
  }

  /** Resolves the plan's names through the statement: tables, their rows, their unindexed join columns. */
  private static context(d: DatabaseDiagnostics, shape: StatementShape | undefined): PlanContext {
    const names = shape?.names ?? {};
    const rowsOf: Rows = async (name) => {
      const table = names[name] ?? name;
      try {
        return { table, rows: await d.rowEstimate(table) };
      } catch {
        // A pseudo-table (`SCAN 500-ROW VALUES CLAUSE`, a derived table): no count, the plan is still answered.
        return { table, rows: null };
      }
    };
    const unindexedJoin: UnindexedJoin = async (name) => {
      const access = shape?.tables.find((t) => (t.alias ?? t.table) === name) ?? shape?.tables.find((t) => t.table === (names[name] ?? name));
      if (!access?.joinColumns.length) return undefined;
      try {
        const indexes = await d.indexes(access.table);
        return access.joinColumns.find((c) => !indexes.some((i) => i.columns[0]?.toLowerCase() === c.toLowerCase()));
      } catch {
        return undefined;
      }
    };
    return { rowsOf, unindexedJoin };
  }

  /**
   * A whole read of a relation: a join scan when the statement joins it on an
   * unindexed column (`joinHow` says how, given the table), else a plain scan.
   */
  private async wholeRead(context: PlanContext, name: string, how: string, joinHow: (table: string) => string, detail = ''): Promise<PlanAdvice | undefined> {
    const { table, rows } = await context.rowsOf(name);
    const column = await context.unindexedJoin(name);
    return column !== undefined ? this.joinScan(table, rows, joinHow(table), column) : this.scan(table, rows, how, detail);
  }

  private async plainScan(context: PlanContext, name: string, how: string, detail = ''): Promise<PlanAdvice | undefined> {
    const { table, rows } = await context.rowsOf(name);
    return this.scan(table, rows, how, detail);
  }

  private scan(table: string, rows: number | null, how: string, detail = ''): PlanAdvice | undefined {
    if (rows === null || rows < this.minRows) return undefined;
    return {
      kind: 'seq-scan',
      severity: 'warning',
      relation: table,
      rows,
      message: `${how} of ${table} (about ${rows} rows)${detail}: an index on the filtered columns avoids reading the whole table (see suggest-indexes)`,
    };
  }

  private joinScan(table: string, rows: number | null, how: string, column?: string): PlanAdvice | undefined {
    if (rows === null || rows < this.minRows) return undefined;
    const on = column ? `${table} (${column})` : `the join column of ${table}`;
    return {
      kind: 'join-scan',
      severity: 'warning',
      relation: table,
      rows,
      message: `${how}: the join reads all ${rows} rows of ${table} on every run; an index on ${on} lets it look up only the matching rows (see suggest-indexes)`,
    };
  }

  private static sort(relation: string | null, how: string): PlanAdvice {
    return {
      kind: 'sort',
      severity: 'info',
      relation,
      message: `${how}: an index whose columns follow the ORDER BY returns the rows in order, without the sort`,
    };
  }

  private static tempTable(relation: string | null, how: string): PlanAdvice {
    return {
      kind: 'temp-table',
      severity: 'info',
      relation,
      message: `${how}: an index on the GROUP BY (or DISTINCT) columns lets the rows be read already grouped`,
    };
  }

  private async postgresAdvice(context: PlanContext, root: PgNode | undefined): Promise<PlanAdvice[]> {
    const advice: PlanAdvice[] = [];
    const push = (a: PlanAdvice | undefined) => a && advice.push(a);
    /** `join` is the nearest join above the node, through hashes, sorts and materializations. */
    const walk = async (node: PgNode, parent: PgNode | undefined, join: PgNode | undefined): Promise<void> => {
      const type = node['Node Type'];
      const relation = node['Relation Name'] ?? null;
      if (type === 'Seq Scan' && relation) {
        const detail = node.Filter ? ` filtering ${node.Filter}` : '';
        const joinHow = (table: string) =>
          `${join?.['Node Type'] ?? 'the join'}${join?.['Hash Cond'] ? ` on ${join['Hash Cond']}` : ''} reads ${table} with a Seq Scan`;
        push(
          join
            ? await this.wholeRead(context, node.Alias ?? relation, 'Seq Scan', joinHow, detail)
            : await this.plainScan(context, relation, 'Seq Scan', detail),
        );
      }
      const removed = node['Rows Removed by Filter'];
      const actual = node['Actual Rows'];
      if (removed !== undefined && actual !== undefined && removed > 1000 && removed > 10 * actual) {
        advice.push({
          kind: 'rows-removed-by-filter',
          severity: 'warning',
          relation,
          message: `${removed} rows were read and discarded by the filter to keep ${actual}`,
        });
      }
      if (type === 'Sort') {
        const grouping = ['Aggregate', 'Group', 'Unique', 'SetOp'].includes(parent?.['Node Type'] ?? '');
        const keys = (node['Sort Key'] ?? []).join(', ');
        if (node['Sort Space Type'] === 'Disk') {
          advice.push({
            kind: 'sort-on-disk',
            severity: 'warning',
            relation,
            message: `the sort spilled to disk (${node['Sort Method'] ?? 'external'}): raise work_mem or sort on an indexed column`,
          });
        }
        advice.push(
          grouping ? PlanAdvisor.tempTable(null, `the rows are sorted by ${keys} to be grouped`) : PlanAdvisor.sort(null, `the rows are sorted by ${keys}`),
        );
      }
      if ((type === 'Aggregate' && node.Strategy === 'Hashed') || type === 'HashAggregate') {
        advice.push(PlanAdvisor.tempTable(null, `the rows are grouped in a hash table (HashAggregate on ${(node['Group Key'] ?? []).join(', ')})`));
      }
      if (type === 'Nested Loop' && node.Plans?.[0]) {
        const outer = node.Plans[0]['Actual Rows'] ?? node.Plans[0]['Plan Rows'] ?? 0;
        if (outer > 1000) {
          advice.push({
            kind: 'nested-loop',
            severity: 'warning',
            relation,
            message: `nested loop over ${outer} outer rows: the inner side runs once per row; check the join column's index or a hash join`,
          });
        }
      }
      const planned = node['Plan Rows'];
      if (actual !== undefined && planned !== undefined && Math.max(actual, planned) >= 100) {
        const ratio = Math.max(actual, 1) / Math.max(planned, 1);
        if (ratio > 10 || ratio < 0.1) {
          advice.push({
            kind: 'estimate-off',
            severity: 'info',
            relation,
            message: `the planner expected ${planned} rows and got ${actual}: run ANALYZE${relation ? ` ${relation}` : ''} or raise the statistics target`,
          });
        }
      }
      const below = JOINS.has(type ?? '') ? node : PASS_THROUGH.has(type ?? '') ? join : undefined;
      for (const child of node.Plans ?? []) await walk(child, node, below);
    };
    if (root) await walk(root, undefined, undefined);
    return advice;
  }

  /**
   * MySQL's and MariaDB's JSON plans: `table` nodes (access_type ALL is a
   * full scan), join buffers (MySQL's `using_join_buffer`, MariaDB's
   * `block-nl-join`), filesorts and temporary tables, which the two write in
   * different places: any node carrying them counts.
   */
  private async mysqlAdvice(context: PlanContext, plan: unknown): Promise<PlanAdvice[]> {
    type TableNode = { table_name?: string; access_type?: string; using_join_buffer?: string; attached_condition?: string };
    const scans: { node: TableNode; joinBuffer: boolean }[] = [];
    let sorted = false;
    let temporary = false;
    const walk = (value: unknown, inJoinBuffer: boolean): void => {
      if (Array.isArray(value)) return value.forEach((v) => walk(v, inJoinBuffer));
      if (!value || typeof value !== 'object') return;
      for (const [key, child] of Object.entries(value)) {
        if (key === 'table' && child && typeof child === 'object' && !Array.isArray(child)) {
          const node = child as TableNode;
          scans.push({ node, joinBuffer: inJoinBuffer || node.using_join_buffer !== undefined });
        }
        if ((key === 'using_filesort' && child === true) || key === 'filesort' || key === 'read_sorted_file') sorted = true;
        if ((key === 'using_temporary_table' && child === true) || key === 'temporary_table') temporary = true;
        walk(child, inJoinBuffer || key === 'block-nl-join' || key === 'hash-join');
      }
    };
    walk(plan, false);
    const advice: PlanAdvice[] = [];
    for (const [n, { node, joinBuffer }] of scans.entries()) {
      if (node.access_type !== 'ALL' || !node.table_name) continue;
      // A later table of a nested loop is read once per row of the earlier ones.
      const how = joinBuffer ? 'full scan into a join buffer' : 'full table scan';
      const found =
        n > 0 || joinBuffer
          ? await this.wholeRead(context, node.table_name, how, (table) => `a ${how} of ${table}`)
          : await this.plainScan(context, node.table_name, how);
      if (found) advice.push(found);
    }
    if (sorted) advice.push(PlanAdvisor.sort(null, 'the rows are sorted in a filesort'));
    if (temporary) advice.push(PlanAdvisor.tempTable(null, 'the rows go through a temporary table'));
    return advice;
  }

  private async sqliteAdvice(context: PlanContext, plan: { id: number; parent: number; detail: string }[]): Promise<PlanAdvice[]> {
    const advice: PlanAdvice[] = [];
    /** Loops seen per parent: a later loop runs once per row of the earlier ones. */
    const loops = new Map<number, number>();
    for (const { parent, detail } of plan) {
      const loop = /^(?:SCAN|SEARCH) /.test(detail) ? (loops.get(parent) ?? 0) : -1;
      if (loop >= 0) loops.set(parent, loop + 1);
      // `SCAN d`, `SCAN TABLE documents AS d` (before 3.36), `SCAN d USING COVERING INDEX ...` (reads an index, not the table).
      const scan = /^SCAN (?:TABLE )?(\S+)(?: AS (\S+))?(.*)$/.exec(detail);
      if (scan && !/USING (?:COVERING )?INDEX/.test(scan[3]!)) {
        const name = scan[2] ?? scan[1]!;
        const found =
          loop > 0
            ? await this.wholeRead(context, name, 'full scan', (table) => `a full scan of ${table} for each row of the join`)
            : await this.plainScan(context, name, 'full scan');
        if (found) advice.push(found);
      }
      const automatic = /^SEARCH (?:TABLE )?(\S+)(?: AS (\S+))? USING AUTOMATIC (?:COVERING |PARTIAL )*INDEX \((\w+)/.exec(detail);
      if (automatic) {
        const { table, rows } = await context.rowsOf(automatic[2] ?? automatic[1]!);
        const found = this.joinScan(table, rows, `an automatic index on ${table} (${automatic[3]}) is built for the join`, automatic[3]);
        if (found) advice.push(found);
      }
      if (/USE TEMP B-TREE FOR (?:RIGHT PART OF |LAST TERM OF |LAST \d+ TERMS OF )?ORDER BY/.test(detail)) {
        advice.push(PlanAdvisor.sort(null, 'the rows are sorted in a temporary b-tree'));
      }
      if (/USE TEMP B-TREE FOR (?:GROUP BY|DISTINCT)/.test(detail)) {
        advice.push(PlanAdvisor.tempTable(null, 'the rows are grouped in a temporary b-tree'));
      }
    }
    return advice;
  }
}
