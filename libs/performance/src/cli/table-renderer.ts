/** A value as one table cell: numbers with at most 2 decimals, `-` for nothing. */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(2);
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value.replace(/\s+/g, ' ');
  const json = JSON.stringify(value);
  return json.length > 60 ? `${json.slice(0, 57)}...` : json;
}

/** A column: its heading and how to read it from a row. */
export interface Column<R> {
  readonly heading: string;
  readonly value: (row: R) => unknown;
  /** Longest cell before it is cut with `...`. @default 60 */
  readonly max?: number;
}

/** Renders rows as an aligned text table with a heading line. */
export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) =>
    columns.map((c) => {
      const text = cell(c.value(row));
      const max = c.max ?? 60;
      return text.length > max ? `${text.slice(0, max - 3)}...` : text;
    }),
  );
  const widths = columns.map((c, i) => Math.max(c.heading.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.heading.toUpperCase())), ...cells.map(line)].join('\n');
}

/** Renders `label  value` lines, labels aligned. */
export function renderPairs(pairs: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(0, ...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${cell(value)}`).join('\n');
}

/** Columns for rows of unknown shape: the first keys whose values are scalars. */
export function scalarColumns(rows: readonly unknown[], limit = 7): Column<unknown>[] {
  const keys: string[] = [];
  for (const row of rows) {
    if (!row || typeof row !== 'object') continue;
    for (const [key, value] of Object.entries(row)) {
      if (keys.length >= limit) break;
      if (!keys.includes(key) && (value === null || typeof value !== 'object')) keys.push(key);
    }
  }
  return keys.map((key) => ({ heading: key, value: (row: unknown) => field(row, key) }));
}

/** `row[key]` of an object of unknown shape. */
export function field(row: unknown, key: string): unknown {
  return row && typeof row === 'object' ? (row as Record<string, unknown>)[key] : undefined;
}

/** The array in a body: the body itself, or its first array under one of `keys`. */
export function listIn(body: unknown, ...keys: string[]): unknown[] {
  if (Array.isArray(body)) return body;
  for (const key of keys) {
    const value = field(body, key);
    if (Array.isArray(value)) return value;
  }
  return [];
}
