import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { DatabaseDiagnosticsService } from '../diagnostics/database-diagnostics.service';
import type { DatabaseSource } from '../../core/ports/data-source.port';
import type { IndexInfo } from '../diagnostics/database-diagnostics';
import { QueryStats, round } from '../query-stats.service';
import { migrationsTableOf, StatementShapes } from '../statement-shape';

/** A statement an index would help. */
export interface AdvisedStatement {
  readonly fingerprint: string;
  /** With literals replaced by `?`. */
  readonly statement: string;
  readonly calls: number;
  readonly totalMs: number;
}

/** One index to create, with the SQL and the TypeORM forms of it. */
export interface IndexSuggestion {
  readonly database: string;
  readonly table: string;
  /** The entity mapped to the table, when TypeORM knows one. */
  readonly entity: string | null;
  /** Column names, in index order (at most two). */
  readonly columns: readonly string[];
  /**
   * `join` when its first column is a join column (the rows a join looks up
   * for each row of the other table), `filter` for WHERE and ORDER BY columns.
   */
  readonly kind: 'filter' | 'join';
  readonly statements: readonly AdvisedStatement[];
  /** Summed over {@link statements}. */
  readonly calls: number;
  readonly totalMs: number;
  /** The database's estimate of the table's rows. */
  readonly rowEstimate: number;
  /** Why these columns, in this order. */
  readonly reason: string;
  /** The statement to run (CONCURRENTLY on PostgreSQL: no table lock). */
  readonly createIndex: string;
  /** The statement that removes it again. */
  readonly dropIndex: string;
  /** A TypeORM migration class that creates (and drops) the index. */
  readonly migration: string;
  /** The decorator to put on the entity class instead. */
  readonly decorator: string;
}

/** An index the advisor considered and did not suggest, and why. */
export interface IndexRefusal {
  readonly database: string;
  readonly table: string | null;
  readonly columns: readonly string[];
  readonly fingerprints: readonly string[];
  readonly reason: string;
}

/** Something the advisor could not examine; the rest of its answer stands. */
export interface IndexFailure {
  /** The table it was reading, null for a statement. */
  readonly table: string | null;
  readonly fingerprints: readonly string[];
  /** The error, as the database (or the advisor) said it. */
  readonly error: string;
}

/** The answer of `suggest-indexes` for one DataSource. */
export interface IndexAdvice {
  readonly database: string;
  readonly system: string;
  readonly suggestions: readonly IndexSuggestion[];
  readonly refusals: readonly IndexRefusal[];
  /**
   * Statements not examined, counted: `notWrittenByApp` are the catalog
   * lookups of TypeORM and drivers (information_schema, pg_catalog,
   * sqlite_master), TypeORM's own tables and this module's diagnostics;
   * `unparsed` are statements the database's grammar (node-sql-parser) did
   * not accept.
   */
  readonly skipped: { readonly notWrittenByApp: number; readonly unparsed: number };
  /** What failed; when not empty the answer is partial (see {@link partial}). */
  readonly failures: readonly IndexFailure[];
  /** True when something could not be examined (listed in {@link failures}). */
  readonly partial: boolean;
}

interface Candidate {
  table: string;
  columns: string[];
  kind: 'filter' | 'join';
  reason: string;
  rows: number;
  statements: AdvisedStatement[];
}

/** What one statement asks of one table. */
interface Want {
  equality: string[];
  range: string[];
  orderBy: string | undefined;
  /** Join columns: the key of each lookup, so they come first. */
  join: string[];
  s: AdvisedStatement;
}

/** Rows expected per value of a column, from pg_stats; undefined when unknown. */
function rowsPerValue(rows: number, nDistinct: number | null, nullFraction: number | null): number | undefined {
  if (nDistinct === null || nDistinct === 0) return undefined;
  const distinct = nDistinct > 0 ? nDistinct : -nDistinct * rows;
  return (rows * (1 - (nullFraction ?? 0))) / Math.max(1, distinct);
}

function quoteFor(system: string): (name: string) => string {
  return system === 'mysql' || system === 'mariadb' ? (n) => `\`${n.replace(/`/g, '``')}\`` : (n) => `"${n.replace(/"/g, '""')}"`;
}

function pascal(text: string): string {
  return text.replace(/(^|[^A-Za-z0-9])([A-Za-z0-9])/g, (_m, _s, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * Suggests indexes from the observed statements, pghero-style, for the
 * statements the app wrote (catalog lookups, TypeORM's bookkeeping and this
 * module's own statements are skipped and counted). Each SELECT is parsed
 * with its database's grammar; for every table it reads, the AND-ed columns
 * compared with values (most selective first, pg_stats on PostgreSQL), the
 * ORDER BY column, and the join columns of a joined table (the rows a join
 * looks up), at most two columns. It refuses, with the reason, when the
 * table is small, the column is not selective, or an existing index already
 * starts with the same columns. One table that cannot be read makes the
 * answer partial, never a failure.
 */
@Injectable()
export class IndexAdvisor {
  private readonly minRows: number;
  private readonly shapes = new StatementShapes();

  constructor(
    @Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions,
    private readonly stats: QueryStats,
    private readonly diagnostics: DatabaseDiagnosticsService,
  ) {
    this.minRows = options.database.indexMinRows;
  }

  /** Suggestions and refusals for one DataSource; never throws (failures are in the answer). */
  async advise(source: DatabaseSource): Promise<IndexAdvice> {
    const d = this.diagnostics.for(source);
    const refusals: IndexRefusal[] = [];
    const failures: IndexFailure[] = [];
    const skipped = { notWrittenByApp: 0, unparsed: 0 };
    const refuse = (table: string | null, columns: string[], fingerprints: string[], reason: string) =>
      refusals.push({ database: source.name, table, columns, fingerprints, reason });
    const migrations = migrationsTableOf(source.dataSource.options);
    const byTable = new Map<string, { table: string; schema: string | null; wants: Want[] }>();
    for (const entry of this.stats.list()) {
      if (entry.database !== source.name || entry.operation !== 'SELECT') continue;
      const example = this.stats.example(entry.fingerprint);
      if (!example) continue;
      const s = { fingerprint: entry.fingerprint, statement: entry.statement, calls: entry.calls, totalMs: entry.totalMs };
      const shape = this.shapes.of(entry.fingerprint, example.sql, source.system, migrations);
      if ('refused' in shape) {
        if (shape.unparsed) skipped.unparsed++;
        else refuse(null, [], [entry.fingerprint], shape.refused);
        continue;
      }
      if (shape.notWrittenByApp !== undefined) {
        skipped.notWrittenByApp++;
        continue;
      }
      let wanted = false;
      for (const t of shape.tables) {
        const join = [...t.joinColumns];
        const want: Want = { equality: t.equality.filter((c) => !join.includes(c)), range: [...t.range], orderBy: t.joined ? undefined : t.orderBy, join, s };
        if (!want.join.length && !want.equality.length && !want.range.length && want.orderBy === undefined) continue;
        wanted = true;
        const key = `${t.schema ?? ''}\u0000${t.table}`;
        const group = byTable.get(key) ?? { table: t.table, schema: t.schema, wants: [] };
        group.wants.push(want);
        byTable.set(key, group);
      }
      if (!wanted) refuse(null, [], [entry.fingerprint], 'no WHERE, JOIN or ORDER BY column');
    }

    const candidates = new Map<string, Candidate>();
    for (const { table, schema, wants } of byTable.values()) {
      const fingerprints = [...new Set(wants.map((w) => w.s.fingerprint))];
      try {
        const rows = await d.rowEstimate(table, schema);
        if (rows === null) {
          refuse(
            table,
            [],
            fingerprints,
            `no table ${schema ? `${schema}.` : ''}${table} in the database (a view, a temporary table, or a name the advisor cannot resolve)`,
          );
          continue;
        }
        if (rows < this.minRows) {
          refuse(table, [], fingerprints, `table too small: about ${Math.round(rows)} rows, under ${this.minRows} (a scan is cheap)`);
          continue;
        }
        const selectivity = new Map<string, number | undefined>();
        const perValue = async (column: string) => {
          if (!selectivity.has(column)) {
            const s = await d.columnSelectivity(table, column);
            selectivity.set(column, s ? rowsPerValue(rows, s.nDistinct, s.nullFraction) : undefined);
          }
          return selectivity.get(column);
        };
        for (const want of wants) {
          const picked = await this.pickColumns(rows, want, perValue);
          if ('refused' in picked) {
            refuse(table, picked.columns, [want.s.fingerprint], picked.refused);
            continue;
          }
          const key = `${table}\u0000${picked.columns.join('\u0000')}`;
          const kind = want.join.length && picked.columns[0] === want.join[0] ? 'join' : 'filter';
          const candidate = candidates.get(key) ?? { table, columns: picked.columns, kind, reason: picked.reason, rows, statements: [] };
          if (!candidate.statements.some((s) => s.fingerprint === want.s.fingerprint)) candidate.statements.push(want.s);
          candidates.set(key, candidate);
        }
      } catch (error) {
        // One table that cannot be read (dropped since, no privilege) leaves the advice of the others.
        failures.push({ table, fingerprints, error: messageOf(error) });
      }
    }

    const suggestions: IndexSuggestion[] = [];
    const indexCache = new Map<string, IndexInfo[]>();
    const same = source.system === 'postgresql' ? (a: string, b: string) => a === b : (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    const all = [...candidates.values()];
    for (const c of all) {
      // An index on (a, b) serves the lookups on (a) too: one index, not two.
      const wider = all.find(
        (o) => o !== c && o.table === c.table && o.columns.length > c.columns.length && c.columns.every((col, n) => same(o.columns[n]!, col)),
      );
      if (wider) {
        for (const s of c.statements) if (!wider.statements.some((w) => w.fingerprint === s.fingerprint)) wider.statements.push(s);
        continue;
      }
      try {
        const indexes = indexCache.get(c.table) ?? (await d.indexes(c.table));
        indexCache.set(c.table, indexes);
        const cover = indexes.find((i) => c.columns.every((col, n) => i.columns[n] !== undefined && same(i.columns[n]!, col)));
        if (cover) {
          refuse(
            c.table,
            c.columns,
            c.statements.map((s) => s.fingerprint),
            `already covered by index ${cover.name} (${cover.columns.join(', ')})`,
          );
          continue;
        }
        suggestions.push(this.suggestion(source, c));
      } catch (error) {
        failures.push({ table: c.table, fingerprints: c.statements.map((s) => s.fingerprint), error: messageOf(error) });
      }
    }
    suggestions.sort((a, b) => b.totalMs - a.totalMs);
    return { database: source.name, system: source.system, suggestions, refusals, skipped, failures, partial: failures.length > 0 };
  }

  private async pickColumns(
    rows: number,
    shape: Want,
    perValue: (column: string) => Promise<number | undefined>,
  ): Promise<{ columns: string[]; reason: string } | { refused: string; columns: string[] }> {
    const known = new Map<string, number | undefined>();
    for (const c of shape.equality) known.set(c, await perValue(c));
    const columns: string[] = [];
    let left = rows;
    const reasons: string[] = [];
    // A join looks its rows up by the join column, whatever else filters them: it leads.
    for (const c of shape.join.slice(0, 2)) {
      columns.push(c);
      reasons.push(`joined on ${c}: without an index on it, the join reads the whole table to find the rows of each ${c}`);
    }
    // Most selective equality column first; unknown selectivity keeps statement order.
    const equality = [...shape.equality].sort((a, b) => (known.get(a) ?? Infinity) - (known.get(b) ?? Infinity));
    if (columns.length) {
      if (columns.length < 2 && equality[0] !== undefined) {
        columns.push(equality[0]);
        reasons.push(`${equality[0]} = ? narrows the rows of each lookup`);
      }
      return { columns, reason: reasons.join('; ') };
    }
    for (const c of equality) {
      if (columns.length === 2) break;
      const per = known.get(c);
      if (per !== undefined && per > rows * 0.5 && columns.length === 0 && equality.length === 1) {
        return { refused: `column ${c} is not selective: about ${Math.round(per)} of ${Math.round(rows)} rows per value`, columns: [c] };
      }
      // A second column only when the first still leaves many rows (pghero's 50).
      if (columns.length === 1 && left <= 50) break;
      columns.push(c);
      left = per !== undefined ? (left * per) / rows : left;
      reasons.push(per !== undefined ? `${c} = ? keeps about ${Math.round(per)} rows per value` : `${c} = ? (selectivity unknown)`);
    }
    if (columns.length < 2 && shape.range.length && columns.length === equality.length) {
      columns.push(shape.range[0]!);
      reasons.push(`${shape.range[0]} is filtered by range`);
    } else if (
      columns.length < 2 &&
      shape.orderBy !== undefined &&
      !shape.range.length &&
      columns.length === equality.length &&
      !columns.includes(shape.orderBy)
    ) {
      columns.push(shape.orderBy);
      reasons.push(`${shape.orderBy} orders the result, so the index also avoids the sort`);
    }
    if (!columns.length) return { refused: 'no usable column', columns: [] };
    if (left > rows * 0.5 && columns.length === equality.length && !shape.range.length && !shape.orderBy && known.get(columns[0]!) !== undefined) {
      return { refused: `columns ${columns.join(', ')} are not selective: about ${Math.round(left)} of ${Math.round(rows)} rows remain`, columns };
    }
    return { columns, reason: reasons.join('; ') };
  }

  private suggestion(source: DatabaseSource, c: Candidate): IndexSuggestion {
    const q = quoteFor(source.system);
    const name = `idx_${c.table}_${c.columns.join('_')}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 63);
    const concurrently = source.system === 'postgresql' ? 'CONCURRENTLY ' : '';
    const createIndex = `CREATE INDEX ${concurrently}${q(name)} ON ${q(c.table)} (${c.columns.map(q).join(', ')})`;
    const dropIndex =
      source.system === 'mysql' || source.system === 'mariadb' ? `DROP INDEX ${q(name)} ON ${q(c.table)}` : `DROP INDEX ${concurrently}${q(name)}`;
    const metadata = source.dataSource.entityMetadatas.find((m) => m.tableName === c.table);
    const properties = c.columns.map((col) => metadata?.columns.find((m) => m.databaseName === col)?.propertyName ?? col);
    // TypeORM reads the timestamp from the last 13 digits of a migration class name.
    const className = `Add${pascal(name)}${Date.now()}`;
    const migration = [
      `import type { MigrationInterface, QueryRunner } from 'typeorm';`,
      ``,
      `export class ${className} implements MigrationInterface {`,
      ...(concurrently ? [`  // CREATE INDEX CONCURRENTLY cannot run inside a transaction.`, `  transaction = false;`, ``] : []),
      `  async up(queryRunner: QueryRunner): Promise<void> {`,
      `    await queryRunner.query(${JSON.stringify(createIndex)});`,
      `  }`,
      ``,
      `  async down(queryRunner: QueryRunner): Promise<void> {`,
      `    await queryRunner.query(${JSON.stringify(dropIndex)});`,
      `  }`,
      `}`,
    ].join('\n');
    const calls = c.statements.reduce((n, s) => n + s.calls, 0);
    return {
      database: source.name,
      table: c.table,
      entity: metadata?.name ?? null,
      columns: c.columns,
      kind: c.kind,
      statements: c.statements,
      calls,
      totalMs: round(c.statements.reduce((n, s) => n + s.totalMs, 0)),
      rowEstimate: Math.round(c.rows),
      reason: c.reason,
      createIndex,
      dropIndex,
      migration,
      decorator: `@Index(${JSON.stringify(name)}, [${properties.map((p) => `'${p}'`).join(', ')}])`,
    };
  }
}
