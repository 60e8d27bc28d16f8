import { describe, expect, it } from 'vitest';
import { statementShape, type StatementShape, type TableAccess } from './statement-shape';

const access = (table: string, alias: string | null, fields: Partial<TableAccess> = {}): TableAccess => ({
  table,
  schema: null,
  alias,
  equality: [],
  range: [],
  orderBy: undefined,
  groupBy: [],
  joinColumns: [],
  joined: false,
  ...fields,
});

const tablesOf = (sql: string, system: string) => {
  const shape = statementShape(sql, system);
  return 'refused' in shape ? shape : (shape as StatementShape).tables;
};

describe('statementShape', () => {
  it.each([
    [
      'postgresql',
      'SELECT "d"."id" AS "d_id", "d"."views" AS "d_views" FROM "documents" "d" WHERE "d"."category" = $1 AND "d"."status" = $2 ORDER BY "d_views" DESC LIMIT 20',
      [access('documents', 'd', { equality: ['category', 'status'], orderBy: 'views' })],
    ],
    [
      'mariadb',
      'SELECT `d`.`id` AS `d_id` FROM `documents` `d` WHERE `d`.`views` >= ? ORDER BY `d`.`views` DESC LIMIT ?',
      [access('documents', 'd', { range: ['views'], orderBy: 'views' })],
    ],
    [
      'sqlite',
      'SELECT "Document"."id" AS "Document_id" FROM "documents" "Document" WHERE (("Document"."id" = ?)) LIMIT 1',
      [access('documents', 'Document', { equality: ['id'] })],
    ],
    [
      'mysql',
      'SELECT * FROM users WHERE email IN (?, ?) AND created_at BETWEEN ? AND ? AND deleted_at IS NULL AND name <> ? AND lower(nick) = ?',
      [access('users', null, { equality: ['email', 'deleted_at'], range: ['created_at'] })],
    ],
    [
      'sqlite',
      'SELECT u.id, COUNT(s.id) AS sessions FROM users u LEFT JOIN chat_sessions s ON s.userId = u.id WHERE u.workspaceId = ? GROUP BY u.id ORDER BY sessions DESC',
      [access('users', 'u', { equality: ['workspaceId'], groupBy: ['id'] }), access('chat_sessions', 's', { joinColumns: ['userId'], joined: true })],
    ],
    [
      'postgresql',
      'SELECT d.id FROM documents d WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = d."authorId" AND u.name = $1)',
      [access('documents', 'd'), access('users', 'u', { equality: ['name'], joinColumns: ['id'] })],
    ],
    ['postgresql', 'SELECT * FROM t WHERE (a = $1 OR b = $2) AND c = $3', [access('t', null, { equality: ['c'] })]],
  ])('%s: %s', (system, sql, expected) => {
    expect(tablesOf(sql, system)).toEqual(expected);
  });

  it('takes no column from conditions whose AND/OR grouping the grammar cannot tell', () => {
    // The grammars read `a OR b AND c` as `(a OR b) AND c`; SQL means `a OR (b AND c)`.
    expect(tablesOf('SELECT * FROM t WHERE a = ? OR b = ? AND c = ?', 'mariadb')).toEqual([access('t', null)]);
  });

  it('names the table behind each alias, as plans name them', () => {
    const shape = statementShape('SELECT * FROM `documents` `d` JOIN `users` `u` ON `u`.`id` = `d`.`authorId`', 'mariadb') as StatementShape;
    expect(shape.names).toEqual({ d: 'documents', documents: 'documents', u: 'users', users: 'users' });
  });

  it.each([
    [
      'mariadb',
      "SELECT * FROM `INFORMATION_SCHEMA`.`COLUMNS` WHERE `TABLE_SCHEMA` = 'test' AND `TABLE_NAME` = 'documents'",
      'reads the catalog INFORMATION_SCHEMA',
    ],
    [
      'postgresql',
      `SELECT "ns"."nspname" FROM "pg_catalog"."pg_class" "t" INNER JOIN "pg_catalog"."pg_namespace" "ns" ON "ns"."oid" = "t"."relnamespace"`,
      'reads the catalog pg_catalog',
    ],
    ['sqlite', `SELECT * FROM "sqlite_master" WHERE "type" = 'table' AND "name" = ?`, 'reads the catalog table sqlite_master'],
    ['postgresql', 'SELECT * FROM "migrations" "migrations" ORDER BY "id" DESC', "reads TypeORM's table migrations"],
    ['postgresql', '/* nestjs-performance */ SELECT count(*) FROM documents WHERE id = $1', 'run by this module'],
    ['postgresql', 'SELECT version()', 'reads no table'],
  ])('%s: %s is not written by the app', (system, sql, reason) => {
    expect(statementShape(sql, system)).toMatchObject({ notWrittenByApp: reason });
  });

  it.each([
    ['sqlite', 'PRAGMA table_info("documents")'],
    ['postgresql', "SELECT * FROM documents WHERE created_at > now() - interval '1 day' FOR UPDATE SKIP LOCKED"],
  ])('%s: refuses what its grammar does not accept, without quoting it: %s', (system, sql) => {
    const shape = statementShape(sql, system);
    expect(shape).toMatchObject({ unparsed: true });
    expect(JSON.stringify(shape)).not.toContain('1 day');
  });
});
