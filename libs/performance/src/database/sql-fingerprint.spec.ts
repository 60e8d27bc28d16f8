import { describe, expect, it } from 'vitest';
import { normalizeSql, SqlFingerprinter } from './sql-fingerprint';

describe('normalizeSql', () => {
  it.each([
    [`SELECT * FROM "users" WHERE id IN ($1, $2, $3) AND name = 'x'`, 'SELECT * FROM "users" WHERE id IN (?) AND name = ?'],
    ["SELECT `a`.`id` FROM `t` `a` WHERE `a`.`n` = ? LIMIT 20", 'SELECT `a`.`id` FROM `t` `a` WHERE `a`.`n` = ? LIMIT ?'],
    [`INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ($5, $6)`, 'INSERT INTO t (a, b) VALUES (?)'],
    [`select  *\n  from t1 where x = -12.5e3 -- why\n and y='it''s'`, 'select * from t1 where x = ? and y=?'],
    [`SELECT "Document_id" FROM "documents" /* c */ WHERE "views" > 10`, 'SELECT "Document_id" FROM "documents" WHERE "views" > ?'],
    ['UPDATE t SET a = :value WHERE id = 7', 'UPDATE t SET a = ? WHERE id = ?'],
  ])('%s', (sql, expected) => {
    expect(normalizeSql(sql)).toBe(expected);
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

  it('stays bounded', () => {
    const f = new SqlFingerprinter(3);
    for (let i = 0; i < 10; i++) f.of(`SELECT ${'x'.repeat(i)} FROM t`);
    expect((f as unknown as { cache: Map<string, unknown> }).cache.size).toBe(3);
  });
});
