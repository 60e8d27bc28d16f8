import { hash } from 'node:crypto';

/** Argument keys longer than this are replaced by their hash, so keys stay short. */
const MAX_ARGS_KEY = 200;

/**
 * Serializes method arguments the same way whatever the order of object
 * keys: `{ b: 1, a: 2 }` and `{ a: 2, b: 1 }` give one key. The form is
 * unambiguous: strings are JSON-quoted, so no string argument can spell a
 * number, `null`, another argument list or another method's key. Dates,
 * bigints, NaN, ±Infinity, -0, RegExps, typed arrays, Maps and Sets have
 * their own forms; an instance with `toJSON()` (a URL) is keyed by what it
 * returns, other objects by their own enumerable properties. Functions,
 * symbols, cycles and class instances without own properties or `toJSON()`
 * (nothing to tell two of them apart) throw: give `@Cached` a `key` function
 * for such arguments.
 */
export function stableArgsKey(args: readonly unknown[]): string {
  const text = stable(args, new Set());
  return text.length > MAX_ARGS_KEY ? `#${hash('sha256', text, 'base64url')}` : text;
}

function stable(value: unknown, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // String(NaN) and String(Infinity) are unquoted, unlike any string argument; -0 is its own value.
      return Object.is(value, -0) ? '-0' : String(value);
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
  if (object instanceof RegExp) return `RegExp(${JSON.stringify(String(object))})`;
  if (ArrayBuffer.isView(object)) {
    return `${object.constructor.name}(${Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64')})`;
  }
  if (seen.has(object)) throw new TypeError('a circular argument has no stable key');
  seen.add(object);
  try {
    if (Array.isArray(object)) return `[${object.map((v) => stable(v, seen)).join(',')}]`;
    if (object instanceof Map) {
      const entries = [...object].map(([k, v]) => `${stable(k, seen)}=>${stable(v, seen)}`).sort();
      return `Map{${entries.join(',')}}`;
    }
    if (object instanceof Set)
      return `Set{${[...object]
        .map((v) => stable(v, seen))
        .sort()
        .join(',')}}`;
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const toJSON = (object as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return `toJSON(${stable(toJSON.call(object), seen)})`;
      if (Object.keys(object).length === 0) {
        throw new TypeError(`a ${object.constructor?.name || 'class'} argument without own properties or toJSON() has no stable key`);
      }
    }
    const keys = Object.keys(object).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stable((object as Record<string, unknown>)[k], seen)}`).join(',')}}`;
  } finally {
    seen.delete(object);
  }
}
