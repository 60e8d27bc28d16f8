import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { DatabaseDiagnosticsService } from '../diagnostics/database-diagnostics.service';
import type { DatabaseSource } from '../../core/ports/data-source.port';
import type { IndexInfo } from '../diagnostics/database-diagnostics';
import { QueryStats, round } from '../query-stats.service';
import { statementShape } from '../statement-shape';

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
  readonly statements: readonly AdvisedStatement[];
  /** Summed over {@link statements}. */
  readonly calls: number;
  readonly totalMs: number;
  readonly rowEstimate: number;
  /** Why these columns, in this order. */
  readonly reason: string;
  /** The statement to run (CONCURRENTLY on PostgreSQL: no table lock). */
  readonly createIndex: string;
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

/** The answer of `suggest-indexes` for one DataSource. */
export interface IndexAdvice {
  readonly database: string;
  readonly system: string;
  readonly suggestions: readonly IndexSuggestion[];
  readonly refusals: readonly IndexRefusal[];
}

interface Candidate {
  table: string;
  columns: string[];
  reason: string;
  statements: AdvisedStatement[];
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

/**
 * Suggests indexes from the observed statements, pghero-style: the WHERE
 * (AND only) and ORDER BY columns of single-table SELECTs, most selective
 * column first (pg_stats on PostgreSQL), at most two columns. It refuses,
 * with the reason, when the table is small, the column is not selective, or
 * an existing index already starts with the same columns.
 */
@Injectable()
export class IndexAdvisor {
  private readonly minRows: number;

  constructor(
    @Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions,
    private readonly stats: QueryStats,
    private readonly diagnostics: DatabaseDiagnosticsService,
  ) {
    this.minRows = options.database.indexMinRows;
  }

  /** Suggestions and refusals for one DataSource. */
  async advise(source: DatabaseSource): Promise<IndexAdvice> {
    const d = this.diagnostics.for(source);
    const refusals: IndexRefusal[] = [];
    const byTable = new Map<string, { equality: string[]; range: string[]; orderBy: string | undefined; s: AdvisedStatement }[]>();
    for (const entry of this.stats.list()) {
      if (entry.database !== source.name || entry.operation !== 'SELECT') continue;
      const shape = statementShape(entry.statement);
      const s = { fingerprint: entry.fingerprint, statement: entry.statement, calls: entry.calls, totalMs: entry.totalMs };
      if ('refused' in shape) {
        if (shape.refused !== 'not a SELECT') refusals.push({ database: source.name, table: null, columns: [], fingerprints: [entry.fingerprint], reason: shape.refused });
        continue;
      }
      const list = byTable.get(shape.table) ?? [];
      list.push({ equality: [...shape.equality], range: [...shape.range], orderBy: shape.orderBy, s });
      byTable.set(shape.table, list);
    }

    const candidates = new Map<string, Candidate>();
    for (const [table, shapes] of byTable) {
      let rows: number;
      try {
        rows = (await d.rowEstimate(table)) ?? 0;
      } catch (error) {
        // A table of another schema (an ORM's information_schema lookups) or one dropped since: advice for the others still comes.
        const reason = `table statistics could not be read: ${error instanceof Error ? error.message : String(error)}`;
        refusals.push({ database: source.name, table, columns: [], fingerprints: shapes.map((x) => x.s.fingerprint), reason });
        continue;
      }
      if (rows < this.minRows) {
        refusals.push({
          database: source.name,
          table,
          columns: [],
          fingerprints: shapes.map((x) => x.s.fingerprint),
          reason: `table too small: about ${Math.round(rows)} rows, under ${this.minRows} (a scan is cheap)`,
        });
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
      for (const shape of shapes) {
        const picked = await this.pickColumns(rows, shape, perValue);
        if ('refused' in picked) {
          refusals.push({ database: source.name, table, columns: picked.columns, fingerprints: [shape.s.fingerprint], reason: picked.refused });
          continue;
        }
        const key = `${table}\u0000${picked.columns.join('\u0000')}`;
        const candidate = candidates.get(key) ?? { table, columns: picked.columns, reason: picked.reason, statements: [] };
        candidate.statements.push(shape.s);
        candidates.set(key, candidate);
      }
    }

    const suggestions: IndexSuggestion[] = [];
    const indexCache = new Map<string, IndexInfo[]>();
    for (const c of candidates.values()) {
      const indexes = indexCache.get(c.table) ?? (await d.indexes(c.table));
      indexCache.set(c.table, indexes);
      const cover = indexes.find((i) => c.columns.every((col, n) => i.columns[n] === col));
      if (cover) {
        refusals.push({
          database: source.name,
          table: c.table,
          columns: c.columns,
          fingerprints: c.statements.map((s) => s.fingerprint),
          reason: `already covered by index ${cover.name} (${cover.columns.join(', ')})`,
        });
        continue;
      }
      suggestions.push(this.suggestion(source, c, (await d.rowEstimate(c.table)) ?? 0));
    }
    suggestions.sort((a, b) => b.totalMs - a.totalMs);
    return { database: source.name, system: source.system, suggestions, refusals };
  }

  private async pickColumns(
    rows: number,
    shape: { equality: string[]; range: string[]; orderBy: string | undefined },
    perValue: (column: string) => Promise<number | undefined>,
  ): Promise<{ columns: string[]; reason: string } | { refused: string; columns: string[] }> {
    const known = new Map<string, number | undefined>();
    for (const c of shape.equality) known.set(c, await perValue(c));
    // Most selective equality column first; unknown selectivity keeps statement order.
    const equality = [...shape.equality].sort((a, b) => (known.get(a) ?? Infinity) - (known.get(b) ?? Infinity));
    const columns: string[] = [];
    let left = rows;
    const reasons: string[] = [];
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
    } else if (columns.length < 2 && shape.orderBy !== undefined && !shape.range.length && columns.length === equality.length && !columns.includes(shape.orderBy)) {
      columns.push(shape.orderBy);
      reasons.push(`${shape.orderBy} orders the result, so the index also avoids the sort`);
    }
    if (!columns.length) return { refused: 'no usable column', columns: [] };
    if (left > rows * 0.5 && columns.length === equality.length && !shape.range.length && !shape.orderBy && known.get(columns[0]!) !== undefined) {
      return { refused: `columns ${columns.join(', ')} are not selective: about ${Math.round(left)} of ${Math.round(rows)} rows remain`, columns };
    }
    return { columns, reason: reasons.join('; ') };
  }

  private suggestion(source: DatabaseSource, c: Candidate, rows: number): IndexSuggestion {
    const q = quoteFor(source.system);
    const name = `idx_${c.table}_${c.columns.join('_')}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 63);
    const concurrently = source.system === 'postgresql' ? 'CONCURRENTLY ' : '';
    const createIndex = `CREATE INDEX ${concurrently}${q(name)} ON ${q(c.table)} (${c.columns.map(q).join(', ')})`;
    const dropIndex =
      source.system === 'mysql' || source.system === 'mariadb'
        ? `DROP INDEX ${q(name)} ON ${q(c.table)}`
        : `DROP INDEX ${concurrently}${q(name)}`;
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
      statements: c.statements,
      calls,
      totalMs: round(c.statements.reduce((n, s) => n + s.totalMs, 0)),
      rowEstimate: Math.round(rows),
      reason: c.reason,
      createIndex,
      migration,
      decorator: `@Index(${JSON.stringify(name)}, [${properties.map((p) => `'${p}'`).join(', ')}])`,
    };
  }
}
