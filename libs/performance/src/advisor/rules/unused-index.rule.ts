import type { DatabaseInstrumentation } from '../../database/database-instrumentation.service';
import type { DatabaseDiagnosticsService } from '../../database/diagnostics/database-diagnostics.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/** The table must have been read this often since the statistics were reset before an index of it counts as unused. */
const MIN_TABLE_SCANS = 100;

/**
 * `unused-index` (low): a non-unique index never scanned since the
 * statistics were reset while its table was read at least 100 times
 * (PostgreSQL), or never used by performance_schema's count (MySQL and
 * MariaDB with performance_schema on). It costs every write and its space;
 * dropping it is left to a person (replicas and rare jobs may use it).
 */
export class UnusedIndexRule implements AdvisorRule {
  readonly name = 'unused-index';

  constructor(
    private readonly instrumentation: DatabaseInstrumentation,
    private readonly diagnostics: DatabaseDiagnosticsService,
  ) {}

  async evaluate(failed: (subject: string | null, error: unknown) => void): Promise<Recommendation[]> {
    const out: Recommendation[] = [];
    for (const source of this.instrumentation.sources()) {
      const unused = await this.diagnostics.for(source).unusedIndexes();
      if (unused.status === 'error') failed(source.name, unused.message);
      if (unused.status !== 'ok') continue;
      const mysql = source.system === 'mysql' || source.system === 'mariadb';
      for (const row of unused.rows) {
        const table = String(row.table);
        const index = String(row.index);
        const tableScans = typeof row.tableScans === 'number' ? row.tableScans : null;
        if (tableScans !== null && tableScans < MIN_TABLE_SCANS) continue;
        const drop = mysql
          ? `DROP INDEX \`${index.replace(/`/g, '``')}\` ON \`${table.replace(/`/g, '``')}\``
          : `DROP INDEX CONCURRENTLY "${index.replace(/"/g, '""')}"`;
        out.push({
          id: recommendationId('unused-index', source.name, table, index),
          category: 'database',
          severity: 'low',
          title: `Index ${index} on ${table} is never used`,
          description:
            `no statement used it since the statistics were last reset${tableScans !== null ? `, while the table was read ${tableScans} times` : ''}: ` +
            'it slows every write and takes space',
          evidence: { database: source.name, table, index, sizeBytes: typeof row.sizeBytes === 'number' ? row.sizeBytes : null, tableScans },
          action: {
            type: 'manual',
            automatic: false,
            summary: 'drop the index in a migration once nothing needs it',
            steps: [
              'Check that no replica, report or rare job uses it: the statistics count only this server since their last reset',
              `Drop it in a migration: ${drop}`,
              'Remove its @Index() from the entity, or synchronize will create it again',
            ],
          },
        });
      }
    }
    return out;
  }
}
