import type { DatabaseSystem } from '../core/ports/data-source.port';
import { redactSqlLiterals } from './sql-fingerprint';

/** Plan fields that name things (node kinds, relations, indexes, aliases, strategies), never values. */
const NAME_FIELDS = new Set([
  // PostgreSQL (FORMAT JSON)
  'Node Type',
  'Relation Name',
  'Schema',
  'Alias',
  'Index Name',
  'Parent Relationship',
  'Subplan Name',
  'CTE Name',
  'Function Name',
  'Join Type',
  'Strategy',
  'Partial Mode',
  'Scan Direction',
  'Sort Method',
  'Sort Space Type',
  'Operation',
  'Command',
  // MySQL and MariaDB (FORMAT=JSON)
  'table_name',
  'access_type',
  'key',
  'possible_keys',
  'used_key_parts',
  'select_type',
]);

/** A figure the database computed (MySQL writes costs as strings): kept unless it equals a bound value. */
const FIGURE = /^-?\d+(?:\.\d+)?$/;
/** Bound values at least this long are taken out wherever they occur; shorter ones only where they are the whole text. */
const MIN_PART = 4;

interface ValueTexts {
  readonly whole: ReadonlySet<string>;
  readonly parts: readonly string[];
}

function textsOf(parameters: readonly unknown[] | undefined): ValueTexts {
  const whole = new Set<string>();
  const add = (value: unknown, depth: number): void => {
    if (typeof value === 'string') whole.add(value);
    else if (typeof value === 'number' || typeof value === 'bigint') whole.add(String(value));
    else if (value instanceof Date) {
      if (!Number.isNaN(value.getTime())) whole.add(value.toISOString());
    } else if (Array.isArray(value) && depth < 3) value.forEach((v) => add(v, depth + 1));
    else if (value !== null && typeof value === 'object' && !ArrayBuffer.isView(value) && depth < 3) {
      whole.add(JSON.stringify(value));
      Object.values(value).forEach((v) => add(v, depth + 1));
    }
  };
  for (const p of parameters ?? []) add(p, 0);
  whole.delete('');
  const parts = [...whole].filter((t) => t.length >= MIN_PART).sort((a, b) => b.length - a.length);
  return { whole, parts };
}

/** Takes bound values out of a text: first, before anything else splits a value into pieces. */
function scrub(text: string, values: ValueTexts): string {
  if (values.whole.has(text)) return '?';
  let out = text;
  for (const part of values.parts) if (out.includes(part)) out = out.split(part).join('?');
  return out;
}

/**
 * A copy of a plan (the database's JSON, or SQLite's rows) with no bound
 * value left in it: string and number literals in its conditions become
 * `?`, and any text equal to a bound value (or containing one of 4
 * characters or more) is replaced too. Names of relations, indexes and node
 * kinds, and the database's own figures, are kept.
 */
export function redactPlan(plan: unknown, system: DatabaseSystem, parameters: readonly unknown[] | undefined): unknown {
  const values = textsOf(parameters);
  const visit = (value: unknown, key: string | undefined): unknown => {
    if (typeof value === 'string') {
      const scrubbed = scrub(value, values);
      const kept = (key !== undefined && NAME_FIELDS.has(key)) || FIGURE.test(scrubbed);
      return kept ? scrubbed : redactSqlLiterals(scrubbed, system);
    }
    if (Array.isArray(value)) return value.map((v) => visit(v, key));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v, k)]));
    }
    return value;
  };
  return visit(plan, undefined);
}

/**
 * An error message with no bound value left in it: single-quoted texts (SQL
 * literals quoted back by the database) become `?`, and so does any bound
 * value, whole or inside a double-quoted text (PostgreSQL quotes a rejected
 * value that way). Identifiers in double quotes stay.
 */
export function redactMessage(message: string, parameters: readonly unknown[] | undefined): string {
  const values = textsOf(parameters);
  return scrub(message, values)
    .replace(/'(?:[^'\\]|''|\\.)*'/g, '?')
    .replace(/"((?:[^"]|"")*)"/g, (quoted, inner: string) => (values.whole.has(inner) ? '"?"' : quoted));
}
