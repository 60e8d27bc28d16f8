/** What the index advisor reads from a single-table SELECT. */
export interface StatementShape {
  readonly table: string;
  /** Columns compared with `=`, `IN` or `IS NULL`, in statement order. */
  readonly equality: readonly string[];
  /** Columns compared with `<`, `>`, `BETWEEN` or a prefix `LIKE`. */
  readonly range: readonly string[];
  /** The first ORDER BY column of the table, if any. */
  readonly orderBy: string | undefined;
}

/** Why a statement gives no shape. */
export type ShapeRefusal = { readonly refused: string };

const NAME = String.raw`(?:"(?:[^"]|"")+"|\x60(?:[^\x60]|\x60\x60)+\x60|[A-Za-z_][\w$]*)`;
const FROM = new RegExp(String.raw`^SELECT\s.+?\sFROM\s+(${NAME}(?:\.${NAME})?)(?:\s+(?:AS\s+)?(?!WHERE\b|ORDER\b|LIMIT\b|GROUP\b|OFFSET\b|FOR\b)(${NAME}))?(.*)$`, 'is');
const CONDITION = new RegExp(String.raw`^(?:(${NAME})\.)?(${NAME})\s*(=|<>|!=|<=|>=|<|>|\bIN\b|\bLIKE\b|\bBETWEEN\b|\bIS\s+NOT\s+NULL\b|\bIS\s+NULL\b)\s*(.*)$`, 'is');
const ORDER = new RegExp(String.raw`^(?:(${NAME})\.)?(${NAME})`, 'i');

/** Removes identifier quotes: `"documents"` and \`documents\` give `documents`. */
export function unquote(name: string): string {
  if (name.startsWith('"')) return name.slice(1, -1).replace(/""/g, '"');
  if (name.startsWith('`')) return name.slice(1, -1).replace(/``/g, '`');
  return name;
}

/**
 * Reads the shape of a normalized single-table SELECT (pghero's scope:
 * AND-only WHERE, plus ORDER BY). Joins, OR, subqueries and functions on
 * columns are refused with the reason.
 *
 * @example
 * statementShape('SELECT * FROM "documents" "d" WHERE "d"."category" = ? ORDER BY "d"."views" DESC LIMIT ?')
 * // { table: 'documents', equality: ['category'], range: [], orderBy: 'views' }
 */
export function statementShape(statement: string): StatementShape | ShapeRefusal {
  if (!/^SELECT\s/i.test(statement)) return { refused: 'not a SELECT' };
  if ((statement.match(/\bSELECT\b/gi) ?? []).length > 1) return { refused: 'subqueries and unions are not analyzed' };
  if (/\bJOIN\b/i.test(statement)) return { refused: 'joins are not analyzed (only single-table statements)' };
  const from = FROM.exec(statement);
  if (!from) return { refused: 'no single table in FROM' };
  const tableParts = from[1]!.split('.');
  const table = unquote(tableParts[tableParts.length - 1]!);
  if (/,/.test(from[3]!.split(/\bWHERE\b/i)[0]!)) return { refused: 'several tables in FROM' };
  const alias = from[2] ? unquote(from[2]) : table;
  const rest = from[3]!;

  const whereMatch = /\bWHERE\b(.*?)(?=\bGROUP\s+BY\b|\bORDER\s+BY\b|\bLIMIT\b|\bOFFSET\b|\bFOR\s+UPDATE\b|$)/is.exec(rest);
  const orderMatch = /\bORDER\s+BY\b(.*?)(?=\bLIMIT\b|\bOFFSET\b|\bFOR\s+UPDATE\b|$)/is.exec(rest);
  const equality: string[] = [];
  const range: string[] = [];
  const own = (qualifier: string | undefined) => qualifier === undefined || unquote(qualifier) === alias || unquote(qualifier) === table;

  if (whereMatch) {
    const where = whereMatch[1]!
      .replace(/\bIN\s*\(\s*\?\s*\)/gi, 'IN ?')
      .replace(/\bBETWEEN\s+\?\s+AND\s+\?/gi, 'BETWEEN ?')
      .replace(/[()]/g, ' ')
      .trim();
    if (/\bOR\b/i.test(where)) return { refused: 'OR conditions are not analyzed' };
    for (const part of where.split(/\s+AND\s+/i)) {
      const condition = CONDITION.exec(part.trim());
      if (!condition) return { refused: `condition "${part.trim()}" is not a plain column comparison` };
      if (!own(condition[1])) continue;
      const column = unquote(condition[2]!);
      const op = condition[3]!.toUpperCase().replace(/\s+/g, ' ');
      if (op === '=' || op === 'IN' || op === 'IS NULL') {
        if (!equality.includes(column)) equality.push(column);
      } else if (op === 'LIKE') {
        // Only a bound or literal pattern can be a prefix; it is '?' after normalization.
        if (condition[4]!.trim() === '?' && !range.includes(column)) range.push(column);
      } else if (op !== '<>' && op !== '!=' && op !== 'IS NOT NULL') {
        if (!range.includes(column)) range.push(column);
      }
    }
  }
  let orderBy: string | undefined;
  if (orderMatch) {
    const first = ORDER.exec(orderMatch[1]!.trim());
    if (first && own(first[1])) {
      orderBy = unquote(first[2]!);
      // TypeORM orders by the select alias ("d_views"): map it back to the column.
      if (first[1] === undefined) {
        const selected = new RegExp(String.raw`(?:(${NAME})\.)?(${NAME})\s+AS\s+(${NAME})`, 'gi');
        for (const m of statement.slice(0, from.index + statement.indexOf(from[1]!)).matchAll(selected)) {
          if (unquote(m[3]!) === orderBy && own(m[1])) orderBy = unquote(m[2]!);
        }
      }
    }
  }
  if (!equality.length && !range.length && orderBy === undefined) return { refused: 'no WHERE or ORDER BY column' };
  return { table, equality, range, orderBy };
}
