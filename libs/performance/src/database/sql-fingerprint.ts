import { createHash } from 'node:crypto';
import type { DatabaseSystem } from '../core/ports/data-source.port';

/** A statement reduced to its shape: what the statistics, logs and admin API show. */
export interface SqlFingerprint {
  /** The statement with literals and placeholders replaced by `?`, value lists collapsed to one item and a count, whitespace folded. */
  readonly statement: string;
  /** 16 hex characters identifying {@link statement} without its list counts (stable across processes and restarts). */
  readonly fingerprint: string;
  /** Statement kind: SELECT, INSERT, UPDATE, DELETE, or OTHER. */
  readonly operation: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'OTHER';
}

type Dialect = 'postgresql' | 'mysql' | 'sqlite' | 'generic';

function dialectOf(system: DatabaseSystem | undefined): Dialect {
  if (system === 'postgresql') return 'postgresql';
  if (system === 'mysql' || system === 'mariadb') return 'mysql';
  if (system === 'sqlite') return 'sqlite';
  return 'generic';
}

// An unterminated literal or comment runs to the end of the text: what follows it is never shown.
const STANDARD_STRING = String.raw`'(?:[^']|'')*(?:'|$)`;
const BACKSLASH_STRING = String.raw`'(?:[^'\\]|''|\\[\s\S])*(?:'|$)`;
// PostgreSQL: E'…' (backslash escapes) and dollar quoting, $$…$$ or $tag$…$tag$ (not $1, not inside an identifier).
const ESCAPE_STRING = String.raw`(?<![\w$])[Ee]'(?:[^'\\]|''|\\[\s\S])*(?:'|$)`;
const DOLLAR_STRING = String.raw`(?<![\w$])\$(?<tag>[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$[\s\S]*?(?:\$\k<tag>\$|$)`;
// MySQL: double quotes delimit strings (unless ANSI_QUOTES), with backslash escapes.
const MYSQL_DOUBLE_STRING = String.raw`"(?:[^"\\]|""|\\[\s\S])*(?:"|$)`;
const DOUBLE_IDENTIFIER = String.raw`"(?:[^"]|"")*"`;
const BACKTICK_IDENTIFIER = String.raw`\x60(?:[^\x60]|\x60\x60)*\x60`;
const BRACKET_IDENTIFIER = String.raw`\[[^\]]*\]`;
const PLACEHOLDER = String.raw`\$\d+|(?<![:\w]):[A-Za-z_]\w*|\?`;
const NUMBER = String.raw`(?<![\w.$])-?(?:0[xX][0-9A-Fa-f]+|0[bB][01]+|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?![\w$])`;
const COMMENT = String.raw`\/\*[\s\S]*?(?:\*\/|$)|--[^\n]*`;

const LEXICON: Record<Dialect, { literal: string[]; identifier: string[]; comment: string[] }> = {
  postgresql: { literal: [ESCAPE_STRING, STANDARD_STRING, DOLLAR_STRING], identifier: [DOUBLE_IDENTIFIER], comment: [COMMENT] },
  mysql: { literal: [BACKSLASH_STRING, MYSQL_DOUBLE_STRING], identifier: [BACKTICK_IDENTIFIER], comment: [COMMENT, '#[^\\n]*'] },
  sqlite: { literal: [STANDARD_STRING], identifier: [DOUBLE_IDENTIFIER, BACKTICK_IDENTIFIER, BRACKET_IDENTIFIER], comment: [COMMENT] },
  generic: { literal: [BACKSLASH_STRING, DOLLAR_STRING], identifier: [DOUBLE_IDENTIFIER, BACKTICK_IDENTIFIER], comment: [COMMENT] },
};

// One pass over the text: string literals, quoted identifiers (kept), placeholders, numbers, comments, whitespace.
const TOKENS = Object.fromEntries(
  Object.entries(LEXICON).map(([dialect, l]) => [
    dialect,
    new RegExp(
      `(?<literal>${l.literal.join('|')})|(?<identifier>${l.identifier.join('|')})|(?<placeholder>${PLACEHOLDER})|(?<number>${NUMBER})` +
        `|(?<comment>${l.comment.join('|')})|(?<space>\\s+)`,
      'g',
    ),
  ]),
) as Record<Dialect, RegExp>;

interface TokenGroups {
  literal?: string;
  identifier?: string;
  placeholder?: string;
  number?: string;
  comment?: string;
  space?: string;
}

/** Where a value list starts: `IN (` and `VALUES (`. */
const LIST_START = /\b(IN|VALUES)\s*\(/gi;
/** The count a collapsed list carries; taken out of the text a fingerprint is made of. */
const LIST_COUNT = / \/\* \d+ (?:values|rows) \*\//g;

function groupsOf(args: unknown[]): TokenGroups {
  return args[args.length - 1] as TokenGroups;
}

function normalizeToken(match: string, ...args: unknown[]): string {
  const g = groupsOf(args);
  if (g.literal !== undefined || g.placeholder !== undefined || g.number !== undefined) return '?';
  if (g.identifier !== undefined) return match;
  return ' ';
}

function redactToken(match: string, ...args: unknown[]): string {
  const g = groupsOf(args);
  return g.literal !== undefined || g.number !== undefined ? '?' : match;
}

function operationOf(statement: string): SqlFingerprint['operation'] {
  const head = statement.slice(0, 7).toUpperCase();
  if (head.startsWith('SELECT') || head.startsWith('WITH') || head.startsWith('(SELECT')) return 'SELECT';
  if (head.startsWith('INSERT')) return 'INSERT';
  if (head.startsWith('UPDATE')) return 'UPDATE';
  if (head.startsWith('DELETE')) return 'DELETE';
  return 'OTHER';
}

/** The end of the parenthesized group opening at `open` (quoted identifiers skipped), or -1. */
function groupEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === '`') {
      const close = text.indexOf(c, i + 1);
      if (close < 0) return -1;
      i = close;
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The top-level items of a group's inside: `?, NULL, datetime(?)`. */
function itemsOf(inside: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inside.length; i++) {
    const c = inside[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(inside.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(inside.slice(start).trim());
  return items;
}

/**
 * Collapses value lists to their first item and a count: `IN (?, ?, ?)`
 * becomes `IN (? /* 3 values *\/)` and a multi-row `VALUES (…), (…)` its
 * first row and `/* 500 rows *\/`.
 */
function collapseLists(text: string): string {
  let out = '';
  let from = 0;
  LIST_START.lastIndex = 0;
  for (let m = LIST_START.exec(text); m !== null; m = LIST_START.exec(text)) {
    const open = m.index + m[0].length - 1;
    const close = groupEnd(text, open);
    if (close < 0) break;
    if (m[1]!.toUpperCase() === 'IN') {
      const items = itemsOf(text.slice(open + 1, close));
      // A list of values (not a subquery): all items alike once literals are `?`.
      if (items.length > 1 && items.every((item) => item === items[0]) && !/^select\b/i.test(items[0]!)) {
        out += `${text.slice(from, open + 1)}${items[0]} /* ${items.length} values */)`;
        from = close + 1;
        LIST_START.lastIndex = from;
      }
      continue;
    }
    // VALUES (row), (row), ...: count the rows that follow the first one.
    let rows = 1;
    let end = close;
    for (;;) {
      const next = /^\s*,\s*\(/.exec(text.slice(end + 1));
      if (!next) break;
      const rowEnd = groupEnd(text, end + next[0].length);
      if (rowEnd < 0) break;
      rows++;
      end = rowEnd;
    }
    if (rows > 1) {
      out += `${text.slice(from, close + 1)} /* ${rows} rows */`;
      from = end + 1;
    }
    LIST_START.lastIndex = end + 1;
  }
  return out + text.slice(from);
}

/**
 * Normalizes a SQL statement: string and number literals and bound
 * placeholders (`$1`, `?`, `:name`) become `?`, comments go, whitespace is
 * folded, and value lists are collapsed to one item and a count: `IN (?, ?, ?)`
 * shows as `IN (? /* 3 values *\/)`, a 500-row `VALUES (…), (…)` as its first
 * row and `/* 500 rows *\/`. Quoted identifiers are kept. (The fingerprint
 * leaves the counts out: one statement whatever the length of its lists.)
 *
 * `system` chooses the quoting rules: on PostgreSQL `E'…'`, `$$…$$` and
 * `$tag$…$tag$` are strings; on MySQL and MariaDB `"…"` is a string too
 * (backslashes escape); on PostgreSQL and SQLite `"…"` is an identifier.
 * Without it, single-quoted and dollar-quoted texts are strings and
 * double-quoted ones identifiers.
 *
 * @example
 * normalizeSql(`SELECT * FROM "users" WHERE id IN ($1, $2, $3) AND name = 'x'`)
 * // 'SELECT * FROM "users" WHERE id IN (? /* 3 values *\/) AND name = ?'
 * normalizeSql('SELECT * FROM `users` WHERE name = "x"', 'mysql')
 * // 'SELECT * FROM `users` WHERE name = ?'
 */
export function normalizeSql(sql: string, system?: DatabaseSystem): string {
  return collapseLists(sql.replace(TOKENS[dialectOf(system)], normalizeToken).replace(/\s+/g, ' ').trim());
}

/** Statements in lists (query-performance, slow statements, N+1 findings, advice) are cut to this many characters. */
export const LISTED_STATEMENT_CHARS = 500;

/**
 * A statement as lists show it: cut to {@link LISTED_STATEMENT_CHARS}
 * characters, ending in `… (N characters)` when cut. The whole statement is
 * in `query-performance?fingerprint=` and `query-plan`.
 */
export function listedStatement(statement: string): string {
  if (statement.length <= LISTED_STATEMENT_CHARS) return statement;
  return `${statement.slice(0, LISTED_STATEMENT_CHARS - 1)}… (${statement.length} characters)`;
}

/**
 * Replaces the string and number literals of a SQL fragment (a plan's
 * condition, an error message quoting SQL) with `?` and leaves the rest as
 * it is: identifiers, placeholders (`$1`), casts, layout.
 *
 * @example
 * redactSqlLiterals(`((sku)::text = 'SKU-1'::text) AND (views > 10)`, 'postgresql')
 * // '((sku)::text = ?::text) AND (views > ?)'
 */
export function redactSqlLiterals(text: string, system?: DatabaseSystem): string {
  return text.replace(TOKENS[dialectOf(system)], redactToken);
}

/**
 * Fingerprints statements, remembering the last `capacity` raw texts: an ORM
 * sends the same text with different parameters, so the regex work happens
 * once per distinct text, not once per statement.
 */
export class SqlFingerprinter {
  private readonly cache = new Map<string, SqlFingerprint>();

  /**
   * @param capacity raw texts remembered
   * @param system the database the statements run on (its quoting rules, see {@link normalizeSql})
   */
  constructor(
    private readonly capacity = 2000,
    private readonly system?: DatabaseSystem,
  ) {}

  /** The fingerprint of `sql`. */
  of(sql: string): SqlFingerprint {
    const cached = this.cache.get(sql);
    if (cached !== undefined) return cached;
    const statement = normalizeSql(sql, this.system);
    const result: SqlFingerprint = {
      statement,
      fingerprint: createHash('sha1').update(statement.replace(LIST_COUNT, '')).digest('hex').slice(0, 16),
      operation: operationOf(statement),
    };
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(sql, result);
    return result;
  }
}
