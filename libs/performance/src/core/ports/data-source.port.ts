/**
 * The parts of a TypeORM `DataSource` the database feature reads, written out
 * so the library's public types never import `typeorm` (an optional
 * dependency). A TypeORM 1.x `DataSource` satisfies it.
 */
export interface InstrumentableDataSource {
  readonly options: { readonly type: string; readonly database?: unknown };
  readonly isInitialized: boolean;
  readonly subscribers: readonly object[];
  readonly driver: object;
  readonly entityMetadatas: readonly {
    readonly name: string;
    readonly tableName: string;
    readonly columns: readonly { readonly databaseName: string; readonly propertyName: string }[];
  }[];
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
  /** One connection of the pool, for statements that must run together (PostgreSQL's generic plans). */
  createQueryRunner?(): { query(sql: string, parameters?: unknown[]): Promise<unknown>; release(): Promise<void> };
}

/** Database system in OpenTelemetry terms, or the TypeORM driver type for others. */
export type DatabaseSystem = 'postgresql' | 'mysql' | 'mariadb' | 'sqlite' | (string & {});

/** One instrumented DataSource of the app. */
export interface DatabaseSource {
  /** The DataSource's name in Nest (`default` for the unnamed one). */
  readonly name: string;
  /** Its database system. */
  readonly system: DatabaseSystem;
  /** The DataSource itself. */
  readonly dataSource: InstrumentableDataSource;
}

/** Duck-types a TypeORM DataSource without loading typeorm. */
export function isDataSource(value: unknown): value is InstrumentableDataSource {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<InstrumentableDataSource>;
  return (
    Array.isArray(v.subscribers) &&
    typeof v.query === 'function' &&
    typeof v.options === 'object' &&
    v.options !== null &&
    typeof v.options.type === 'string' &&
    typeof v.driver === 'object' &&
    'isInitialized' in v
  );
}

/** Maps a TypeORM driver type (and the server version, when known) to the system name. */
export function systemOf(dataSource: InstrumentableDataSource): DatabaseSystem {
  const type = dataSource.options.type;
  if (type === 'postgres' || type === 'aurora-postgres' || type === 'cockroachdb') return 'postgresql';
  if (type === 'better-sqlite3' || type === 'sqlite' || type === 'sqljs' || type === 'capacitor') return 'sqlite';
  if (type === 'mariadb') return 'mariadb';
  if (type === 'mysql' || type === 'aurora-mysql') {
    const version = (dataSource.driver as { version?: unknown }).version;
    const options = (dataSource.driver as { options?: { type?: string } }).options;
    if (options?.type === 'mariadb' || (typeof version === 'string' && /mariadb/i.test(version))) return 'mariadb';
    // TypeORM keeps only the number of VERSION(): MySQL is 5.x, 8.x or 9.x, MariaDB 10.x and later.
    return typeof version === 'string' && Number.parseInt(version, 10) >= 10 ? 'mariadb' : 'mysql';
  }
  return type;
}

/** Statements the module runs itself start with this comment and are kept out of the statistics. */
export const INTERNAL_QUERY_MARK = '/* nestjs-performance */';
