import { describe, expect, it } from 'vitest';
import { LISTED_STATEMENT_CHARS, listedStatement, normalizeSql, redactSqlLiterals, SqlFingerprinter } from './sql-fingerprint';

describe('normalizeSql', () => {
  it.each([
    [`SELECT * FROM "users" WHERE id IN ($1, $2, $3) AND name = 'x'`, 'SELECT * FROM "users" WHERE id IN (? /* 3 values */) AND name = ?'],
    ['SELECT `a`.`id` FROM `t` `a` WHERE `a`.`n` = ? LIMIT 20', 'SELECT `a`.`id` FROM `t` `a` WHERE `a`.`n` = ? LIMIT ?'],
    [`INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)`, 'INSERT INTO t (a, b) VALUES (?, ?) /* 3 rows */'],
    [`INSERT INTO t (a, b) VALUES ($1, $2)`, 'INSERT INTO t (a, b) VALUES (?, ?)'],
    [
      `INSERT INTO "d"("id", "t", "at") VALUES (NULL, ?, datetime(?)), (NULL, ?, datetime(?)), (NULL, 'x', datetime('now'))`,
      'INSERT INTO "d"("id", "t", "at") VALUES (NULL, ?, datetime(?)) /* 3 rows */',
    ],
    [
      `SELECT * FROM t WHERE a IN (1) AND b NOT IN ('x', 'y') AND c IN (SELECT id FROM u WHERE k IN ($1, $2))`,
      'SELECT * FROM t WHERE a IN (?) AND b NOT IN (? /* 2 values */) AND c IN (SELECT id FROM u WHERE k IN (? /* 2 values */))',
    ],
    [`SELECT coalesce(a, 1, 2) FROM "t(1" WHERE (a, b) IN ((1, 2), (3, 4))`, 'SELECT coalesce(a, ?, ?) FROM "t(1" WHERE (a, b) IN ((?, ?) /* 2 values */)'],
    [`select  *\n  from t1 where x = -12.5e3 -- why\n and y='it''s'`, 'select * from t1 where x = ? and y=?'],
    [`SELECT "Document_id" FROM "documents" /* c */ WHERE "views" > 10`, 'SELECT "Document_id" FROM "documents" WHERE "views" > ?'],
    ['UPDATE t SET a = :value WHERE id = 7', 'UPDATE t SET a = ? WHERE id = ?'],
  ])('%s', (sql, expected) => {
    expect(normalizeSql(sql)).toBe(expected);
  });

  it.each([
    // PostgreSQL: dollar quoting (empty and tagged, nested, multi-line), E'' strings; "…" stays an identifier, $1 a placeholder.
    ['postgresql', `SELECT $$SECRET it's$$, $fn$SECRET $$ inner $$ SECRET$fn$ FROM "t" WHERE a = $1`, 'SELECT ?, ? FROM "t" WHERE a = ?'],
    ['postgresql', `DO $body$\nBEGIN PERFORM 'SECRET'; END\n$body$`, 'DO ?'],
    [
      'postgresql',
      `SELECT E'SECRET\\' x' AS e, 'C:\\' AS path, "Col$1" FROM t WHERE n = x::text`,
      'SELECT ? AS e, ? AS path, "Col$1" FROM t WHERE n = x::text',
    ],
    ['postgresql', `SELECT "a$b$c" FROM t WHERE b = 0x1F AND c = .5`, 'SELECT "a$b$c" FROM t WHERE b = ? AND c = ?'],
    // MySQL and MariaDB: double quotes delimit strings, backslash escapes, # comments.
    ['mysql', `SELECT \`a\` FROM \`t\` WHERE b = "SECRET \\" still" AND c = 'SECRET \\' still' # SECRET`, 'SELECT `a` FROM `t` WHERE b = ? AND c = ?'],
    ['mariadb', `UPDATE t SET v = "SECRET", w = X'53454352' WHERE id IN (1, 2)`, 'UPDATE t SET v = ?, w = X? WHERE id IN (? /* 2 values */)'],
    // SQLite: "…", `…` and […] are identifiers.
    ['sqlite', `SELECT "a", [b c], \`d\` FROM t WHERE e = 'SECRET'`, 'SELECT "a", [b c], `d` FROM t WHERE e = ?'],
    // Unknown systems: dollar quotes are strings, double quotes identifiers.
    [undefined, `SELECT $$SECRET$$, "Id" FROM t`, 'SELECT ?, "Id" FROM t'],
    // An unterminated string or comment hides the rest of the text.
    ['postgresql', `SELECT 'SECRET`, 'SELECT ?'],
    ['mysql', `SELECT "SECRET`, 'SELECT ?'],
    ['postgresql', `SELECT 1 /* SECRET`, 'SELECT ?'],
  ] as const)('on %s: %s', (system, sql, expected) => {
    expect(normalizeSql(sql, system)).toBe(expected);
    expect(normalizeSql(sql, system)).not.toContain('SECRET');
  });

  it('keeps double-quoted text as an identifier on PostgreSQL and SQLite, and as a string on MySQL', () => {
    const sql = 'SELECT * FROM t WHERE "name" = 1';
    expect(normalizeSql(sql, 'postgresql')).toBe('SELECT * FROM t WHERE "name" = ?');
    expect(normalizeSql(sql, 'sqlite')).toBe('SELECT * FROM t WHERE "name" = ?');
    expect(normalizeSql(sql, 'mysql')).toBe('SELECT * FROM t WHERE ? = ?');
  });
});

describe('redactSqlLiterals', () => {
  it.each([
    ['postgresql', `((sku)::text = 'SKU-000123'::text) AND (views > 10) AND (x = $1)`, `((sku)::text = ?::text) AND (views > ?) AND (x = $1)`],
    ['postgresql', `(tags && '{a,b}'::text[]) AND (t1.id = 5)`, `(tags && ?::text[]) AND (t1.id = ?)`],
    [
      'mariadb',
      `tt.sku = 'SECRET-1' and tt.n > 12345 and tt.\`id\` in (3,4) and tt.v = "SECRET-2"`,
      'tt.sku = ? and tt.n > ? and tt.`id` in (?,?) and tt.v = ?',
    ],
    ['sqlite', 'SEARCH d USING INDEX idx_documents_category (category=?)', 'SEARCH d USING INDEX idx_documents_category (category=?)'],
  ] as const)('on %s: %s', (system, text, expected) => {
    expect(redactSqlLiterals(text, system)).toBe(expected);
  });
});

describe('SqlFingerprinter', () => {
  it('gives the same fingerprint to statements that differ only in literals', () => {
    const f = new SqlFingerprinter();
    const a = f.of("SELECT * FROM t WHERE id = 1 AND s = 'a'");
    const b = f.of("SELECT * FROM t WHERE id = 22 AND s = 'bcd'");
    expect(a).toEqual(b);
    expect(a).toEqual({ statement: 'SELECT * FROM t WHERE id = ? AND s = ?', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), operation: 'SELECT' });
    expect(f.of('DELETE FROM t').operation).toBe('DELETE');
    expect(f.of('START TRANSACTION').operation).toBe('OTHER');
  });

  it('gives one fingerprint whatever the length of a value list, and shows the count', () => {
    const f = new SqlFingerprinter(2000, 'postgresql');
    const three = f.of('SELECT * FROM t WHERE id IN ($1, $2, $3)');
    const twenty = f.of(`SELECT * FROM t WHERE id IN (${Array.from({ length: 20 }, (_, i) => `$${i + 1}`).join(', ')})`);
    expect(twenty.fingerprint).toBe(three.fingerprint);
    expect([three.statement, twenty.statement]).toEqual(['SELECT * FROM t WHERE id IN (? /* 3 values */)', 'SELECT * FROM t WHERE id IN (? /* 20 values */)']);
    const rows = (n: number) => f.of(`INSERT INTO t (a) VALUES ${Array.from({ length: n }, (_, i) => `($${i + 1})`).join(', ')}`);
    expect(rows(500).fingerprint).toBe(rows(7).fingerprint);
    expect(rows(500).statement).toBe('INSERT INTO t (a) VALUES (?) /* 500 rows */');
  });

  it('stays bounded', () => {
    const f = new SqlFingerprinter(3);
    for (let i = 0; i < 10; i++) f.of(`SELECT ${'x'.repeat(i)} FROM t`);
    expect((f as unknown as { cache: Map<string, unknown> }).cache.size).toBe(3);
  });
});

describe('listedStatement', () => {
  it('keeps a short statement and cuts a long one, saying how long it was', () => {
    expect(listedStatement('SELECT 1')).toBe('SELECT 1');
    const long = `SELECT ${'"column", '.repeat(200)}1 FROM t`;
    const listed = listedStatement(long);
    expect(listed).toBe(`${long.slice(0, LISTED_STATEMENT_CHARS - 1)}… (${long.length} characters)`);
    expect(listed.length).toBeLessThan(LISTED_STATEMENT_CHARS + 25);
  });
});
