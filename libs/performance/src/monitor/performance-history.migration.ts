/** The parts of a TypeORM `QueryRunner` the migration uses (typed here so the library's types never import typeorm). */
export interface HistoryMigrationRunner {
  hasTable(table: string): Promise<boolean>;
  createTable(table: object, ifNotExists?: boolean): Promise<void>;
  dropTable(table: string, ifExists?: boolean): Promise<void>;
}

/** Table of the sampler's snapshots. */
export const SNAPSHOTS_TABLE = 'performance_snapshots';
/** Table of alerts. */
export const ALERTS_TABLE = 'performance_alerts';

/**
 * The TypeORM migration that creates the history tables of the `typeorm`
 * history store: `performance_snapshots` (instance id, time, snapshot JSON)
 * and `performance_alerts`. The store runs it at start-up unless
 * `monitoring.history.runMigrations` is false; an app that manages its own
 * migrations adds this class to its DataSource's `migrations` instead.
 *
 * @example
 * new DataSource({ ..., migrations: [PerformanceHistoryMigration1767225600000] })
 */
export class PerformanceHistoryMigration1767225600000 {
  /** TypeORM reads the migration's name from here. */
  readonly name = 'PerformanceHistoryMigration1767225600000';

  async up(queryRunner: HistoryMigrationRunner): Promise<void> {
    // typeorm is an optional dependency: loaded only when this store is used.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- typeorm is an optional peer, loaded only when the migration runs
    const { Table } = require('typeorm') as { Table: new (options: object) => object };
    if (!(await queryRunner.hasTable(SNAPSHOTS_TABLE))) {
      await queryRunner.createTable(
        new Table({
          name: SNAPSHOTS_TABLE,
          columns: [
            { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
            { name: 'instance_id', type: 'varchar', length: '128' },
            { name: 'taken_at', type: 'bigint' },
            { name: 'data', type: 'text' },
          ],
          indices: [
            { name: 'IDX_performance_snapshots_taken_at', columnNames: ['taken_at'] },
            { name: 'IDX_performance_snapshots_instance_taken', columnNames: ['instance_id', 'taken_at'] },
          ],
        }),
        true,
      );
    }
    if (!(await queryRunner.hasTable(ALERTS_TABLE))) {
      await queryRunner.createTable(
        new Table({
          name: ALERTS_TABLE,
          columns: [
            { name: 'id', type: 'varchar', length: '64', isPrimary: true },
            { name: 'instance_id', type: 'varchar', length: '128' },
            { name: 'metric', type: 'varchar', length: '64' },
            { name: 'severity', type: 'varchar', length: '16' },
            { name: 'status', type: 'varchar', length: '16' },
            { name: 'first_seen', type: 'bigint' },
            { name: 'last_seen', type: 'bigint' },
            { name: 'data', type: 'text' },
          ],
          indices: [{ name: 'IDX_performance_alerts_instance_last', columnNames: ['instance_id', 'last_seen'] }],
        }),
        true,
      );
    }
  }

  async down(queryRunner: HistoryMigrationRunner): Promise<void> {
    await queryRunner.dropTable(ALERTS_TABLE, true);
    await queryRunner.dropTable(SNAPSHOTS_TABLE, true);
  }
}
