import { hash } from 'node:crypto';

/** Argument keys longer than this are replaced by their hash, so keys stay short. */
const MAX_ARGS_KEY = 200;

/**
 * Serializes method arguments the same way whatever the order of object
 * keys: `{ b: 1, a: 2 }` and `{ a: 2, b: 1 }` give one key. Dates, bigints,
 * Maps and Sets have their own forms; functions, symbols and cycles throw
 * (give `@Cached` a `key` function for such arguments).
 */
export function stableArgsKey(args: readonly unknown[]): string {
  const text = stable(args, new Set());
  return text.length > MAX_ARGS_KEY ? `#${hash('sha1', text, 'base64url')}` : text;
}

function stable(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
    case 'boolean':
      return String(value);
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `${value}n`;
    case 'function':
    case 'symbol':
      throw new TypeError(`a ${typeof value} argument has no stable key`);
  }
  if (value === null) return 'null';
  const object = value as object;
  if (object instanceof Date) return `Date(${Number.isNaN(object.getTime()) ? 'NaN' : object.toISOString()})`;
  if (seen.has(object)) throw new TypeError('a circular argument has no stable key');
  seen.add(object);
  try {
    if (Array.isArray(object)) return `[${object.map((v) => stable(v, seen)).join(',')}]`;
    if (object instanceof Map) {
      const entries = [...object].map(([k, v]) => `${stable(k, seen)}=>${stable(v, seen)}`).sort();
      return `Map{${entries.join(',')}}`;
    }
    if (object instanceof Set) return `Set{${[...object].map((v) => stable(v, seen)).sort().join(',')}}`;
    const keys = Object.keys(object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((object as Record<string, unknown>)[k], seen)}`).join(',')}}`;
  } finally {
    seen.delete(object);
  }
}
