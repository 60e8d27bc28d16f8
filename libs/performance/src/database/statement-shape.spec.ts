import { describe, expect, it } from 'vitest';
import { statementShape } from './statement-shape';

describe('statementShape', () => {
  it.each([
    [
      'SELECT "d"."id" AS "d_id", "d"."views" AS "d_views" FROM "documents" "d" WHERE "d"."category" = ? AND "d"."status" = ? ORDER BY "d"."views" DESC LIMIT ?',
      { table: 'documents', equality: ['category', 'status'], range: [], orderBy: 'views' },
    ],
    [
      'SELECT `d`.`id` AS `d_id` FROM `documents` `d` WHERE `d`.`views` >= ? ORDER BY `d`.`views` DESC LIMIT ?',
      { table: 'documents', equality: [], range: ['views'], orderBy: 'views' },
    ],
    [
      'SELECT "Document"."id" AS "Document_id" FROM "documents" "Document" WHERE (("Document"."id" = ?)) LIMIT ?',
      { table: 'documents', equality: ['id'], range: [], orderBy: undefined },
    ],
    [
      'SELECT "d"."id" AS "d_id", "d"."views" AS "d_views" FROM "documents" "d" WHERE "d"."status" = ? ORDER BY "d_views" DESC LIMIT ?',
      { table: 'documents', equality: ['status'], range: [], orderBy: 'views' },
    ],
    ['SELECT * FROM users WHERE email IN (?) AND created_at BETWEEN ? AND ?', { table: 'users', equality: ['email'], range: ['created_at'], orderBy: undefined }],
  ])('%s', (statement, expected) => {
    expect(statementShape(statement)).toEqual(expected);
  });

  it.each([
    ['INSERT INTO t (a) VALUES (?)', 'not a SELECT'],
    ['SELECT * FROM t WHERE a = ? OR b = ?', 'OR conditions are not analyzed'],
    ['SELECT * FROM "d" LEFT JOIN "u" ON "u"."id" = "d"."authorId"', 'joins are not analyzed (only single-table statements)'],
    ['SELECT * FROM t WHERE lower(a) = ?', 'condition "lower a  = ?" is not a plain column comparison'],
    ['SELECT count(*) FROM t', 'no WHERE or ORDER BY column'],
  ])('refuses %s', (statement, refused) => {
    expect(statementShape(statement)).toEqual({ refused });
  });
});
