import { createHash } from 'node:crypto';
import type { DatabaseSystem } from '../core/ports/data-source.port';

/** A statement reduced to its shape: what the statistics, logs and admin API show. */
export interface SqlFingerprint {
  /** The statement with literals, placeholders and value lists replaced by `?`, whitespace folded. */
  readonly statement: string;
  /** 16 hex characters identifying {@link statement} (stable across processes and restarts). */
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

const VALUE_LIST = /\(\s*\?(?:\s*,\s*\?)+\s*\)/g;
const ROW_LIST = /\(\?\)(?:\s*,\s*\(\?\))+/g;

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

/**
 * Normalizes a SQL statement: string and number literals, bound placeholders
 * (`$1`, `?`, `:name`) and `IN (…)`/`VALUES (…), (…)` lists become `?`,
 * comments go, whitespace is folded. Quoted identifiers are kept.
 *
 * `system` chooses the quoting rules: on PostgreSQL `E'…'`, `$$…$$` and
 * `$tag$…$tag$` are strings; on MySQL and MariaDB `"…"` is a string too
 * (backslashes escape); on PostgreSQL and SQLite `"…"` is an identifier.
 * Without it, single-quoted and dollar-quoted texts are strings and
 * double-quoted ones identifiers.
 *
 * @example
 * normalizeSql(`SELECT * FROM "users" WHERE id IN ($1, $2, $3) AND name = 'x'`)
 * // 'SELECT * FROM "users" WHERE id IN (?) AND name = ?'
 * normalizeSql('SELECT * FROM `users` WHERE name = "x"', 'mysql')
 * // 'SELECT * FROM `users` WHERE name = ?'
 */
export function normalizeSql(sql: string, system?: DatabaseSystem): string {
  return sql
    .replace(TOKENS[dialectOf(system)], normalizeToken)
    .replace(VALUE_LIST, '(?)')
    .replace(ROW_LIST, '(?)')
    .replace(/\s+/g, ' ')
    .trim();
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
      fingerprint: createHash('sha1').update(statement).digest('hex').slice(0, 16),
      operation: operationOf(statement),
    };
    if (this.cache.size >= this.capacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(sql, result);
    return result;
  }
}
