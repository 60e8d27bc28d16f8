import { INTERNAL_QUERY_MARK, type DatabaseSource, type DatabaseSystem } from '../../core/ports/data-source.port';

/** A value in a diagnostics row. */
export type DiagnosticValue = string | number | boolean | null | readonly string[];
/** One row of a diagnostics section. */
export type DiagnosticRow = Readonly<Record<string, DiagnosticValue>>;

/**
 * The answer of one diagnostic: its rows, or why this database cannot give
 * them (`unsupported`), or the error it raised (`error`: the others still run).
 */
export type Diagnostic =
  | { readonly status: 'ok'; readonly rows: readonly DiagnosticRow[]; readonly note?: string }
  | { readonly status: 'unsupported'; readonly reason: string }
  | { readonly status: 'error'; readonly message: string };

/** An index of a table, columns in index order. */
export interface IndexInfo {
  readonly table: string;
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique: boolean;
  readonly primary: boolean;
}

/** What the planner knows of a column's values (PostgreSQL's pg_stats). */
export interface ColumnSelectivity {
  /** Distinct values: positive = count, negative = fraction of rows (pg_stats convention). */
  readonly nDistinct: number | null;
  readonly nullFraction: number | null;
}

/** A statement to explain: raw text with its bound parameters. */
export interface ExplainTarget {
  readonly fingerprint: string;
  readonly sql: string;
  readonly parameters: readonly unknown[] | undefined;
  /**
   * Plan for these very values and leave them in the plan (what
   * `database.logParameters: true` allows). Otherwise no bound value is in
   * the answer: PostgreSQL makes a generic plan (conditions show `$1`), and
   * every plan has its literals replaced by `?`.
   * @default false
   */
  readonly showValues?: boolean;
}

/**
 * Database-specific diagnostics. Each method answers for one database; a
 * database that has no equivalent answers `unsupported` with the reason.
 */
export interface DatabaseDiagnostics {
  readonly system: DatabaseSystem;
  topStatements(limit: number): Promise<Diagnostic>;
  tableStats(): Promise<Diagnostic>;
  cacheHitRatio(): Promise<Diagnostic>;
  unusedIndexes(): Promise<Diagnostic>;
  duplicateIndexes(): Promise<Diagnostic>;
  longRunningQueries(minSeconds: number): Promise<Diagnostic>;
  connectionStates(): Promise<Diagnostic>;
  tableSizes(): Promise<Diagnostic>;
  queryPlans(targets: readonly ExplainTarget[]): Promise<Diagnostic>;
  /** Indexes of one table, or of every table when `table` is omitted. */
  indexes(table?: string): Promise<IndexInfo[]>;
  /**
   * Estimated rows of a table (of the current schema unless `schema` names
   * one), null when there is no such table. Read from the database's own
   * statistics (PostgreSQL `reltuples`, MySQL/MariaDB `information_schema.TABLES`,
   * SQLite `sqlite_stat1` once ANALYZE ran) and kept for a minute; only a
   * table the database keeps no estimate for is counted, and that count is
   * kept for ten minutes.
   */
  rowEstimate(table: string, schema?: string | null): Promise<number | null>;
  /** Drops the kept estimates (after ANALYZE or a schema change). */
  forgetEstimates(): void;
  /**
   * Tables of at least `minRows` rows whose statistics call for maintenance,
   * with the statement that does it: VACUUM (ANALYZE) for dead rows and
   * ANALYZE for stale planner statistics on PostgreSQL, OPTIMIZE TABLE for
   * reclaimable space and ANALYZE TABLE for stale statistics on MySQL and
   * MariaDB, ANALYZE for indexed tables never analyzed on SQLite.
   */
  maintenance(minRows: number): Promise<MaintenanceNeed[]>;
  /** Planner statistics of a column, null when the database keeps none. */
  columnSelectivity(table: string, column: string): Promise<ColumnSelectivity | null>;
  /**
   * The plan of a statement as the database's JSON, or why not. `analyzed`
   * says whether the statement ran (EXPLAIN ANALYZE, MariaDB's ANALYZE): it
   * is false where the database only plans, whatever was asked.
   */
  explain(target: ExplainTarget, analyze: boolean): Promise<ExplainResult | { unsupported: string }>;
}

/** One table that needs maintenance, and the statement that does it. */
export interface MaintenanceNeed {
  readonly table: string;
  /** `vacuum` (PostgreSQL: dead rows), `optimize` (MySQL/MariaDB: reclaimable space), `analyze` (stale or missing statistics). */
  readonly action: 'vacuum' | 'optimize' | 'analyze';
  /** The statement, quoted for the database. */
  readonly sql: string;
  /** Why, in the figures of the statistics. */
  readonly reason: string;
  readonly evidence: Readonly<Record<string, string | number | null>>;
}

/** A plan as the database wrote it. */
export interface ExplainResult {
  readonly format: string;
  readonly plan: unknown;
  /** True when the statement ran to measure the plan (actual rows and times in it). */
  readonly analyzed: boolean;
}

/** How long an estimate read from the database's statistics is kept, in ms. */
const ESTIMATE_TTL_MS = 60_000;
/** How long an exact count (a table the database keeps no estimate for) is kept, in ms. */
const COUNT_TTL_MS = 600_000;
/** Tables whose figures are kept at most, per database. */
const MAX_KEPT_TABLES = 1000;

/** Runs a diagnostic, turning a thrown error into an `error` answer. */
export async function attempt(run: () => Promise<Diagnostic>): Promise<Diagnostic> {
  try {
    return await run();
  } catch (error) {
    return { status: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}

export const unsupported = (reason: string): Diagnostic => ({ status: 'unsupported', reason });
export const ok = (rows: readonly DiagnosticRow[], note?: string): Diagnostic => (note ? { status: 'ok', rows, note } : { status: 'ok', rows });

/**
 * Base of every diagnostics class: runs the module's own statements marked
 * with {@link INTERNAL_QUERY_MARK} (kept out of the statistics), answers
 * `unsupported` for what a subclass does not override, and finds duplicate
 * indexes (one whose columns lead another index of the same table) from
 * {@link indexes}.
 */
export abstract class BaseDiagnostics implements DatabaseDiagnostics {
  constructor(protected readonly source: DatabaseSource) {}

  get system(): DatabaseSystem {
    return this.source.system;
  }

  /** Runs one of the module's own statements. */
  protected async run<T = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<T[]> {
    return (await this.source.dataSource.query(`${INTERNAL_QUERY_MARK} ${sql}`, parameters)) as T[];
  }

  async topStatements(_limit: number): Promise<Diagnostic> {
    return unsupported(`${this.system} keeps no statement statistics`);
  }
  async tableStats(): Promise<Diagnostic> {
    return unsupported(`${this.system} keeps no table statistics`);
  }
  async cacheHitRatio(): Promise<Diagnostic> {
    return unsupported(`${this.system} reports no buffer cache hit ratio`);
  }
  async unusedIndexes(): Promise<Diagnostic> {
    return unsupported(`${this.system} does not count index scans`);
  }
  async longRunningQueries(_minSeconds: number): Promise<Diagnostic> {
    return unsupported(`${this.system} does not list running statements`);
  }
  async connectionStates(): Promise<Diagnostic> {
    return unsupported(`${this.system} does not list connections`);
  }
  async tableSizes(): Promise<Diagnostic> {
    return unsupported(`table sizes are not read for ${this.system}`);
  }
  async queryPlans(_targets: readonly ExplainTarget[]): Promise<Diagnostic> {
    return unsupported(`use the plan endpoint for ${this.system}`);
  }
  async columnSelectivity(_table: string, _column: string): Promise<ColumnSelectivity | null> {
    return null;
  }
  async maintenance(_minRows: number): Promise<MaintenanceNeed[]> {
    return [];
  }
  async explain(_target: ExplainTarget, _analyze: boolean): Promise<ExplainResult | { unsupported: string }> {
    return { unsupported: `EXPLAIN is not read for ${this.system}` };
  }

  abstract indexes(table?: string): Promise<IndexInfo[]>;

  private readonly estimates = new Map<string, { rows: number | null; until: number }>();

  async rowEstimate(table: string, schema: string | null = null): Promise<number | null> {
    const key = `${schema ?? ''}\u0000${table}`;
    const now = Date.now();
    const kept = this.estimates.get(key);
    if (kept && kept.until > now) return kept.rows;
    const estimate = await this.estimateRows(table, schema);
    const rows = estimate === undefined ? await this.countRows(table, schema) : estimate;
    if (this.estimates.size >= MAX_KEPT_TABLES) this.estimates.delete(this.estimates.keys().next().value as string);
    this.estimates.set(key, { rows, until: now + (estimate === undefined ? COUNT_TTL_MS : ESTIMATE_TTL_MS) });
    return rows;
  }

  forgetEstimates(): void {
    this.estimates.clear();
  }

  /**
   * Rows of a table from the database's statistics: undefined when it keeps
   * none for it (never analyzed), null when there is no such table.
   */
  protected async estimateRows(_table: string, _schema: string | null): Promise<number | null | undefined> {
    return undefined;
  }

  /** An exact count, for a table the database keeps no estimate for (kept ten minutes by {@link rowEstimate}). */
  protected async countRows(table: string, schema: string | null): Promise<number | null> {
    const [r] = await this.run<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${schema ? `${this.quote(schema)}.` : ''}${this.quote(table)}`);
    return r ? Number(r.n) : null;
  }

  /** Quotes an identifier for this database. */
  protected quote(name: string): string {
    return `"${name.replace(/"/g, '""')}"`;
  }

  async duplicateIndexes(): Promise<Diagnostic> {
    const all = await this.indexes();
    const rows: DiagnosticRow[] = [];
    for (const index of all) {
      if (index.primary || index.unique) continue;
      const cover = all.find(
        (other) =>
          other !== index &&
          other.table === index.table &&
          other.columns.length >= index.columns.length &&
          index.columns.every((c, i) => other.columns[i] === c) &&
          (other.columns.length > index.columns.length || other.name < index.name),
      );
      if (cover) {
        rows.push({ table: index.table, index: index.name, columns: index.columns, coveredBy: cover.name, coveredByColumns: cover.columns });
      }
    }
    return ok(rows);
  }
}

/** LIKE pattern that matches the module's own statements. */
export const INTERNAL_MARK_LIKE = `${INTERNAL_QUERY_MARK.replace(/[%_]/g, '\\$&')}%`;
