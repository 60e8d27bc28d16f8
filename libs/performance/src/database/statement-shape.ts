import type { DatabaseSystem } from '../core/ports/data-source.port';
import { INTERNAL_QUERY_MARK } from '../core/ports/data-source.port';

/** How one statement reads one table (one entry per occurrence: a self-join gives two). */
export interface TableAccess {
  readonly table: string;
  /** The schema (or database) the statement names for it, null when unqualified. */
  readonly schema: string | null;
  /** The alias the statement gives it, null when none. */
  readonly alias: string | null;
  /** Columns compared with a value by `=`, `IN` or `IS NULL`, in statement order. */
  readonly equality: readonly string[];
  /** Columns compared with a value by `<`, `>`, `BETWEEN` or `LIKE`. */
  readonly range: readonly string[];
  /** The first ORDER BY column when it belongs to this table. */
  readonly orderBy: string | undefined;
  /** GROUP BY columns of this table. */
  readonly groupBy: readonly string[];
  /** Columns compared with another table's column (`ON d.authorId = u.id`). */
  readonly joinColumns: readonly string[];
  /** Brought in by a JOIN (or a later FROM item): the side a join looks rows up in. */
  readonly joined: boolean;
}

/** What the advisors read from a statement, parsed with the grammar of its database. */
export interface StatementShape {
  readonly operation: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'OTHER';
  /** Every table read, subqueries and joins included (CTE names excluded). */
  readonly tables: readonly TableAccess[];
  /** Alias (or table name) to table, as the statement uses them: plans name the alias. */
  readonly names: Readonly<Record<string, string>>;
  /**
   * Why the application did not write this statement, when it did not: the
   * module's own diagnostics, catalog lookups (information_schema,
   * pg_catalog, sqlite_master...), TypeORM's bookkeeping tables.
   */
  readonly notWrittenByApp?: string;
}

/** Why a statement gives no shape; `unparsed` when the grammar did not accept it. */
export type ShapeRefusal = { readonly refused: string; readonly unparsed?: true };

/** Schemas of the databases' own catalogs, lower-cased. */
const CATALOG_SCHEMAS = new Set(['information_schema', 'pg_catalog', 'pg_toast', 'performance_schema', 'mysql', 'sys']);
/** Tables of TypeORM's own bookkeeping (the migrations table is read from the DataSource options). */
const TYPEORM_TABLES = new Set(['typeorm_metadata', 'query-result-cache']);

type Node = Record<string, unknown>;
type ParserModule = { Parser: new () => { astify(sql: string, options?: { database?: string }): unknown } };

const GRAMMARS: Record<string, string> = { postgresql: 'postgresql', mysql: 'mysql', mariadb: 'mariadb', sqlite: 'sqlite' };
const parsers = new Map<string, { astify(sql: string, options?: { database?: string }): unknown }>();

/** The node-sql-parser of one grammar, loaded on first use (each grammar is a few hundred kB). */
function parserFor(grammar: string): { astify(sql: string, options?: { database?: string }): unknown } {
  let parser = parsers.get(grammar);
  if (!parser) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- one dialect's grammar, loaded on first use (each is large)
    const { Parser } = require(`node-sql-parser/build/${grammar}`) as ParserModule;
    parser = new Parser();
    parsers.set(grammar, parser);
  }
  return parser;
}

/** SQLite's grammar here takes `:name` parameters, not `?`: number them, leaving quoted text alone. */
function namedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|\?\d*/g, (m) => (m.startsWith('?') ? `:p${++n}` : m));
}

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The text of a name node: `"d"`, `{ type: 'backticks_quote_string', value: 'd' }`, `{ expr: { value: 'id' } }`. */
function nameOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (!isNode(value)) return null;
  if (typeof value.value === 'string') return value.value;
  if (isNode(value.expr)) return nameOf(value.expr);
  return null;
}

const VALUE_TYPES = new Set([
  'var',
  'param',
  'origin',
  'number',
  'bigint',
  'string',
  'single_quote_string',
  'double_quote_string',
  'natural_string',
  'hex_string',
  'bit_string',
  'full_hex_string',
  'bool',
  'boolean',
  'null',
  'date',
  'datetime',
  'time',
  'timestamp',
]);

/** A bound value, a literal, a list of them, or a cast of one: what an index can look up. */
function isValue(node: unknown): boolean {
  if (!isNode(node)) return false;
  const type = node.type as string | undefined;
  if (type && VALUE_TYPES.has(type)) return true;
  if (type === 'expr_list' && Array.isArray(node.value)) return node.value.every(isValue);
  if (type === 'cast') return isValue(node.expr);
  // TypeORM's SQLite dates: datetime(?) is still one value.
  if (type === 'function' && isNode(node.args) && Array.isArray(node.args.value)) return node.args.value.every(isValue);
  return false;
}

interface MutableAccess {
  table: string;
  schema: string | null;
  alias: string | null;
  equality: string[];
  range: string[];
  orderBy: string | undefined;
  groupBy: string[];
  joinColumns: string[];
  joined: boolean;
  /** Position in the text: of two joined tables, the later one is looked up. */
  order: number;
}

const push = (list: string[], column: string) => {
  if (!list.includes(column)) list.push(column);
};

/** The tables one SELECT (or UPDATE/DELETE) can name, and its parent for correlated subqueries. */
class Scope {
  readonly byName = new Map<string, MutableAccess>();
  readonly accesses: MutableAccess[] = [];
  constructor(readonly parent: Scope | undefined) {}

  add(access: MutableAccess): void {
    this.accesses.push(access);
    this.byName.set((access.alias ?? access.table).toLowerCase(), access);
    if (access.alias === null) this.byName.set(access.table.toLowerCase(), access);
  }

  /** The access a column reference belongs to; an unqualified one only when one table is in scope. */
  resolve(qualifier: string | null): MutableAccess | undefined {
    if (qualifier === null) return this.accesses.length === 1 ? this.accesses[0] : undefined;
    return this.byName.get(qualifier.toLowerCase()) ?? this.parent?.resolve(qualifier);
  }
}

class ShapeReader {
  readonly accesses: MutableAccess[] = [];
  readonly names: Record<string, string> = {};
  private readonly ctes = new Set<string>();

  statement(ast: Node, parent?: Scope): void {
    for (const cte of (Array.isArray(ast.with) ? ast.with : []) as Node[]) {
      const name = nameOf(cte.name);
      if (name) this.ctes.add(name.toLowerCase());
      const stmt = isNode(cte.stmt) ? ((cte.stmt.ast as Node | undefined) ?? cte.stmt) : undefined;
      if (stmt) this.statement(stmt, parent);
    }
    const scope = new Scope(parent);
    const from = (Array.isArray(ast.from) ? ast.from : Array.isArray(ast.table) ? ast.table : []) as Node[];
    from.forEach((item, i) => this.fromItem(item, i > 0, scope));
    for (const item of from) if (item.on) this.conditions(item.on, scope);
    for (const item of from) {
      // JOIN ... USING (col): the column of the joined table.
      const using = Array.isArray(item.using) ? item.using : [];
      const access = typeof item.table === 'string' ? scope.resolve(nameOf(item.as) ?? item.table) : undefined;
      if (access)
        for (const u of using) {
          const c = nameOf(u);
          if (c) push(access.joinColumns, c);
        }
    }
    if (ast.where) this.conditions(ast.where, scope);
    if (ast.having) this.walkExpressions(ast.having, scope);
    for (const column of (Array.isArray(ast.columns) ? ast.columns : []) as Node[]) this.walkExpressions(column.expr, scope);
    const groupBy = isNode(ast.groupby) ? (ast.groupby.columns as unknown) : ast.groupby;
    for (const g of (Array.isArray(groupBy) ? groupBy : []) as Node[]) {
      const ref = this.columnOf(g, scope);
      if (ref) push(ref.access.groupBy, ref.column);
    }
    const orderBy = (Array.isArray(ast.orderby) ? ast.orderby : []) as Node[];
    if (orderBy[0]) {
      // An output column's name comes first in ORDER BY (SQL's rule), then a table's column.
      const alias = this.selectAlias(ast, orderBy[0].expr, scope);
      const ref = alias === undefined ? this.columnOf(orderBy[0].expr, scope) : alias;
      if (ref && ref.access.orderBy === undefined) ref.access.orderBy = ref.column;
    }
    if (isNode(ast._next)) this.statement(ast._next, parent);
  }

  private fromItem(item: Node, later: boolean, scope: Scope): void {
    const table = typeof item.table === 'string' ? item.table : nameOf(item.table);
    if (table && !(item.db === null && this.ctes.has(table.toLowerCase()))) {
      const schema = nameOf(item.db) ?? nameOf(item.schema);
      const alias = nameOf(item.as);
      const access: MutableAccess = {
        table,
        schema,
        alias,
        equality: [],
        range: [],
        orderBy: undefined,
        groupBy: [],
        joinColumns: [],
        joined: later,
        order: this.accesses.length,
      };
      scope.add(access);
      this.accesses.push(access);
      this.names[alias ?? table] = table;
      if (!(table in this.names)) this.names[table] = table;
      return;
    }
    // A derived table: (SELECT ...) AS x.
    const inner = isNode(item.expr) ? ((item.expr.ast as Node | undefined) ?? item.expr) : undefined;
    if (inner && (inner.type === 'select' || inner.from)) this.statement(inner, scope);
  }

  /** A column reference of a table in scope. */
  private columnOf(node: unknown, scope: Scope): { access: MutableAccess; column: string } | undefined {
    if (!isNode(node) || node.type !== 'column_ref') return undefined;
    const column = nameOf(node.column);
    if (!column || column === '*') return undefined;
    const access = scope.resolve(nameOf(node.table));
    return access ? { access, column } : undefined;
  }

  /**
   * ORDER BY "d_views" where the select list says "d"."views" AS "d_views"
   * (TypeORM's aliases); null when the name is an output column that is no
   * table column (`COUNT(*) AS n`), undefined when it is no output column.
   */
  private selectAlias(ast: Node, node: unknown, scope: Scope): { access: MutableAccess; column: string } | null | undefined {
    if (!isNode(node) || node.type !== 'column_ref' || nameOf(node.table) !== null) return undefined;
    const name = nameOf(node.column);
    const selected = ((Array.isArray(ast.columns) ? ast.columns : []) as Node[]).find((c) => nameOf(c.as) === name);
    return selected ? (this.columnOf(selected.expr, scope) ?? null) : undefined;
  }

  /**
   * The conditions of a WHERE or ON. The grammars read `a OR b AND c` as
   * `(a OR b) AND c` (node-sql-parser gives AND and OR one precedence): an
   * OR without parentheses under an AND leaves the grouping unknown, so such
   * a condition gives no column (its subqueries are still read).
   */
  private conditions(node: unknown, scope: Scope): void {
    if (misgrouped(node)) this.walkExpressions(node, scope);
    else this.condition(node, scope);
  }

  /** AND-ed conditions; OR branches and functions of columns are not index lookups. */
  private condition(node: unknown, scope: Scope): void {
    if (!isNode(node)) return;
    if (node.type === 'binary_expr' && String(node.operator).toUpperCase() === 'AND') {
      this.condition(node.left, scope);
      this.condition(node.right, scope);
      return;
    }
    if (node.type === 'binary_expr') {
      const op = String(node.operator).toUpperCase();
      const left = this.columnOf(node.left, scope);
      const right = this.columnOf(node.right, scope);
      if (left && right && op === '=' && left.access !== right.access) {
        // A join (or a correlated subquery): the table named later is the one looked up for each row of the other.
        const inner = left.access.order > right.access.order ? left : right;
        push(inner.access.joinColumns, inner.column);
        return;
      }
      const column = left && isValue(node.right) ? left : right && isValue(node.left) && op === '=' ? right : undefined;
      if (column) {
        if (op === '=' || op === 'IN' || (op === 'IS' && isNode(node.right) && node.right.type === 'null')) push(column.access.equality, column.column);
        else if (['<', '>', '<=', '>=', 'BETWEEN', 'LIKE', 'ILIKE'].includes(op)) push(column.access.range, column.column);
        return;
      }
    }
    this.walkExpressions(node, scope);
  }

  /** Finds subqueries inside expressions (EXISTS, IN (SELECT ...), scalar subqueries). */
  private walkExpressions(node: unknown, scope: Scope, depth = 0): void {
    if (depth > 50) return;
    if (Array.isArray(node)) {
      for (const child of node) this.walkExpressions(child, scope, depth + 1);
      return;
    }
    if (!isNode(node)) return;
    if (isNode(node.ast) && (node.ast.type === 'select' || node.ast.from)) {
      this.statement(node.ast, scope);
      return;
    }
    if (node.type === 'select' && node.from) {
      this.statement(node, scope);
      return;
    }
    for (const [key, child] of Object.entries(node)) {
      if (key !== 'type' && typeof child === 'object') this.walkExpressions(child, scope, depth + 1);
    }
  }
}

const isOperator = (node: unknown, operator: string): node is Node =>
  isNode(node) && node.type === 'binary_expr' && String(node.operator).toUpperCase() === operator;

/** An OR without parentheses directly under an AND (see {@link ShapeReader.conditions}). */
function misgrouped(node: unknown): boolean {
  if (!isOperator(node, 'AND')) return false;
  return [node.left, node.right].some((side) => (isOperator(side, 'OR') && !side.parentheses) || misgrouped(side));
}

const OPERATIONS: Record<string, StatementShape['operation']> = { select: 'SELECT', insert: 'INSERT', replace: 'INSERT', update: 'UPDATE', delete: 'DELETE' };

/**
 * Reads what the index and plan advisors need from a statement, with the
 * grammar of its database (node-sql-parser): every table with its alias and
 * schema, the columns compared with values (AND-ed conditions of WHERE and
 * ON; OR branches and functions of columns are not index lookups), join
 * columns, the first ORDER BY column (TypeORM's select aliases resolved) and
 * GROUP BY columns; subqueries, unions and CTEs included.
 *
 * A statement the grammar does not accept is refused with `unparsed`: the
 * advisors skip it and count it.
 *
 * @param migrationsTable TypeORM's migrations table of the DataSource (its statements are not the app's)
 * @example
 * statementShape('SELECT * FROM "documents" "d" WHERE "d"."category" = $1 ORDER BY "d"."views" DESC', 'postgresql')
 * // { operation: 'SELECT', names: { d: 'documents', documents: 'documents' },
 * //   tables: [{ table: 'documents', alias: 'd', equality: ['category'], orderBy: 'views', ... }] }
 */
export function statementShape(sql: string, system: DatabaseSystem, migrationsTable = 'migrations'): StatementShape | ShapeRefusal {
  const grammar = GRAMMARS[system];
  if (!grammar) return { refused: `statements of ${system} are not parsed`, unparsed: true };
  let parsed: unknown;
  try {
    parsed = parserFor(grammar).astify(system === 'sqlite' ? namedPlaceholders(sql) : sql, { database: grammar });
  } catch {
    // The parser's message can quote a literal of the statement: it is not repeated.
    return { refused: `the ${grammar} grammar did not accept the statement`, unparsed: true };
  }
  const statements = (Array.isArray(parsed) ? parsed : [parsed]).filter(isNode);
  if (statements.length !== 1) return { refused: statements.length ? 'several statements in one text' : 'an empty statement' };
  const ast = statements[0]!;
  const operation = OPERATIONS[String(ast.type)] ?? 'OTHER';
  const reader = new ShapeReader();
  if (operation !== 'OTHER') reader.statement(ast);
  const shape: StatementShape = {
    operation,
    tables: reader.accesses.map(({ order: _order, ...a }) => a),
    names: reader.names,
  };
  const notWrittenByApp = foreignReason(sql, shape, migrationsTable);
  return notWrittenByApp ? { ...shape, notWrittenByApp } : shape;
}

/** Why the app did not write a statement: the module's mark, a catalog, TypeORM's own tables. */
function foreignReason(sql: string, shape: StatementShape, migrationsTable: string): string | undefined {
  if (sql.includes(INTERNAL_QUERY_MARK)) return 'run by this module';
  for (const t of shape.tables) {
    const schema = t.schema?.toLowerCase();
    const table = t.table.toLowerCase();
    if (schema !== undefined && CATALOG_SCHEMAS.has(schema)) return `reads the catalog ${t.schema}`;
    if (table.startsWith('pg_') || table.startsWith('sqlite_')) return `reads the catalog table ${t.table}`;
    if (TYPEORM_TABLES.has(table) || table === migrationsTable.toLowerCase()) return `reads TypeORM's table ${t.table}`;
  }
  if (shape.operation !== 'OTHER' && shape.tables.length === 0) return 'reads no table';
  return undefined;
}

/**
 * Shapes of observed statements by fingerprint, parsed once each (parsing
 * takes milliseconds; the advisors ask on every call). Bounded: the oldest
 * shape goes first.
 */
export class StatementShapes {
  private readonly shapes = new Map<string, StatementShape | ShapeRefusal>();

  constructor(private readonly capacity = 2000) {}

  /** The shape of the statement `sql`, observed as `fingerprint` on a `system` database. */
  of(fingerprint: string, sql: string, system: DatabaseSystem, migrationsTable?: string): StatementShape | ShapeRefusal {
    const key = `${system}\u0000${fingerprint}`;
    let shape = this.shapes.get(key);
    if (shape === undefined) {
      shape = statementShape(sql, system, migrationsTable);
      if (this.shapes.size >= this.capacity) this.shapes.delete(this.shapes.keys().next().value as string);
      this.shapes.set(key, shape);
    }
    return shape;
  }
}

/** The migrations table TypeORM keeps for a DataSource. */
export function migrationsTableOf(options: object): string {
  const name = (options as { migrationsTableName?: unknown }).migrationsTableName;
  return typeof name === 'string' ? name : 'migrations';
}
