import { describe, expect, it } from 'vitest';
import { stableArgsKey } from './method-cache-key';

describe('method cache argument keys', () => {
  it('ignores the order of object keys', () => {
    expect(stableArgsKey([{ b: 1, a: { d: [1, 2], c: null } }])).toBe(stableArgsKey([{ a: { c: null, d: [1, 2] }, b: 1 }]));
    expect(stableArgsKey([new Set([2, 1])])).toBe(stableArgsKey([new Set([1, 2])]));
  });

  it('gives each of these arguments its own key: no string spells another value', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const values: unknown[][] = [
      [],
      [undefined],
      [null],
      ['null'],
      ['undefined'],
      [1],
      ['1'],
      [1n],
      ['1n'],
      [-0],
      [0],
      [NaN],
      ['NaN'],
      ['"NaN"'],
      [Infinity],
      ['Infinity'],
      [-Infinity],
      [true],
      ['true'],
      ['a', 'b'],
      ['a,"b"'],
      ['a","b'],
      [['a', 'b']],
      ['["a","b"]'],
      [{ a: 'b' }],
      ['{"a":"b"}'],
      [{ 'a":"b': '' }],
      [new Date(0)],
      ['Date(1970-01-01T00:00:00.000Z)'],
      [/a/g],
      [/a/],
      ['RegExp("/a/g")'],
      [new Map([['a', 1]])],
      [new Map([['a=>1', 1]])],
      [new Set(['a'])],
      [new Set(['a,b'])],
      [new Set(['a', 'b'])],
      [Buffer.from('ab')],
      [Buffer.from('ac')],
      [new Uint8Array([1])],
      [new URL('http://a.example/')],
      [new URL('http://b.example/')],
      ['toJSON("http://a.example/")'],
      [new Point(1, 2)],
      [{ x: 1, y: 3 }],
      ['x', { ')': '(' }],
      ['x)(', {}],
    ];
    const keys = values.map((v) => stableArgsKey(v));
    const byKey = new Map<string, unknown[]>();
    keys.forEach((k, i) => {
      if (byKey.has(k)) expect.fail(`${String(byKey.get(k))} and ${String(values[i])} share the key ${k}`);
      byKey.set(k, values[i]!);
    });
  });

  it('refuses arguments it cannot tell apart: functions, symbols, cycles, instances without own properties', () => {
    class Opaque {
      readonly #secret: number;
      constructor(secret: number) {
        this.#secret = secret;
      }
      get secret() {
        return this.#secret;
      }
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const arg of [() => 1, Symbol('s'), cycle, new Opaque(1), Promise.resolve(1)]) {
      expect(() => stableArgsKey([arg])).toThrow(TypeError);
    }
  });

  it('hashes long argument lists (sha256) and keeps them distinct', () => {
    const a = stableArgsKey(['x'.repeat(300)]);
    const b = stableArgsKey(['x'.repeat(299) + 'y']);
    expect(a).toMatch(/^#[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
  });

  it('gives distinct random nested arguments of delimiter characters distinct keys', () => {
    const seed = Number(process.env.CACHE_KEY_FUZZ_SEED ?? Date.now() % 100_000);
    let s = seed;
    const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
    const chars = ['"', '\\', ',', ':', '(', ')', '[', ']', '{', '}', '=>', 'a', '1', 'n', '#', 'u'];
    const text = () => Array.from({ length: Math.floor(rand() * 4) }, () => chars[Math.floor(rand() * chars.length)]).join('');
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 2 || r < 0.4) return text();
      if (r < 0.5) return Math.floor(rand() * 3);
      if (r < 0.55) return null;
      if (r < 0.7) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1));
      if (r < 0.85) return Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, () => [text(), value(depth + 1)]));
      return new Map(Array.from({ length: Math.floor(rand() * 3) }, () => [text(), value(depth + 1)] as const));
    };
    // A canonical form to compare arguments by value: JSON with sorted keys, Maps as sorted entry lists.
    const canonical = (v: unknown): unknown =>
      v instanceof Map
        ? { map: [...v].map(([k, x]) => [k, canonical(x)]).sort((p, q) => (String(p[0]) < String(q[0]) ? -1 : 1)) }
        : Array.isArray(v)
          ? v.map(canonical)
          : v !== null && typeof v === 'object'
            ? Object.fromEntries(
                Object.keys(v)
                  .sort()
                  .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
              )
            : v;
    const seen = new Map<string, string>();
    for (let i = 0; i < 5_000; i++) {
      const args = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => value(0));
      const id = JSON.stringify(canonical(args));
      const key = stableArgsKey(args);
      const before = seen.get(key);
      if (before !== undefined && before !== id) expect.fail(`seed ${seed}: ${before} and ${id} share the key ${key}`);
      seen.set(key, id);
    }
    expect(seen.size).toBeGreaterThan(2_000);
  });
});
