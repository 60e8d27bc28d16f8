import { createHash } from 'node:crypto';

/** A statement reduced to its shape: what the statistics, logs and admin API show. */
export interface SqlFingerprint {
  /** The statement with literals, placeholders and value lists replaced by `?`, whitespace folded. */
  readonly statement: string;
  /** 16 hex characters identifying {@link statement} (stable across processes and restarts). */
  readonly fingerprint: string;
  /** Statement kind: SELECT, INSERT, UPDATE, DELETE, or OTHER. */
  readonly operation: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'OTHER';
}

// One pass over the text: string literals, quoted identifiers (kept), placeholders
// and numbers, comments, whitespace. Identifiers like t1 stay: \b needs a word edge.
const TOKENS =
  /('(?:[^'\\]|''|\\.)*')|("(?:[^"]|"")*"|`(?:[^`]|``)*`)|(\$\d+|:[A-Za-z_]\w*|\?|(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|(\/\*[\s\S]*?\*\/|--[^\n]*)|(\s+)/g;
const VALUE_LIST = /\(\s*\?(?:\s*,\s*\?)+\s*\)/g;
const ROW_LIST = /\(\?\)(?:\s*,\s*\(\?\))+/g;

function replaceToken(match: string, literal?: string, identifier?: string, value?: string, comment?: string): string {
  if (literal !== undefined || value !== undefined) return '?';
  if (identifier !== undefined) return match;
  if (comment !== undefined) return ' ';
  return ' ';
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
 * @example
 * normalizeSql(`SELECT * FROM "users" WHERE id IN ($1, $2, $3) AND name = 'x'`)
 * // 'SELECT * FROM "users" WHERE id IN (?) AND name = ?'
 */
export function normalizeSql(sql: string): string {
  return sql.replace(TOKENS, replaceToken).replace(VALUE_LIST, '(?)').replace(ROW_LIST, '(?)').replace(/\s+/g, ' ').trim();
}

/**
 * Fingerprints statements, remembering the last `capacity` raw texts: an ORM
 * sends the same text with different parameters, so the regex work happens
 * once per distinct text, not once per statement.
 */
export class SqlFingerprinter {
  private readonly cache = new Map<string, SqlFingerprint>();

  constructor(private readonly capacity = 2000) {}

  /** The fingerprint of `sql`. */
  of(sql: string): SqlFingerprint {
    const cached = this.cache.get(sql);
    if (cached !== undefined) return cached;
    const statement = normalizeSql(sql);
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
