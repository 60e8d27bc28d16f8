import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import type { DatabaseInstrumentation } from '../../database/database-instrumentation.service';
import type { DatabaseDiagnosticsService } from '../../database/diagnostics/database-diagnostics.service';
import type { MaintenanceNeed } from '../../database/diagnostics/database-diagnostics';
import type { Recommendation, RecommendationAction } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

const ACTIONS: Record<MaintenanceNeed['action'], { type: RecommendationAction['type']; title: string; why: string }> = {
  vacuum: {
    type: 'vacuum-table',
    title: 'Vacuum',
    why: 'VACUUM makes the space of dead rows reusable and ANALYZE refreshes the planner statistics; it runs beside reads and writes (no lock against them)',
  },
  analyze: {
    type: 'analyze-table',
    title: 'Analyze',
    why: 'ANALYZE refreshes the statistics the planner chooses indexes and join orders by; it reads a sample of the table and blocks no reads or writes',
  },
  optimize: {
    type: 'optimize-table',
    title: 'Optimize',
    why: 'OPTIMIZE TABLE rebuilds the table and gives its free space back; InnoDB rebuilds online, but the rebuild reads and writes the whole table: run it off-peak',
  },
};

/**
 * `vacuum-table`, `analyze-table`, `optimize-table` (medium; optimize low):
 * a table of at least `database.indexMinRows` rows whose statistics call for
 * maintenance (dead rows, stale or missing planner statistics, free space),
 * read from the database's own statistics. Applied by `optimize/:id` only
 * with `database.allowSchemaChanges`.
 */
export class TableMaintenanceRule implements AdvisorRule {
  readonly name = 'table-maintenance';

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly instrumentation: DatabaseInstrumentation,
    private readonly diagnostics: DatabaseDiagnosticsService,
  ) {}

  async evaluate(failed: (subject: string | null, error: unknown) => void): Promise<Recommendation[]> {
    const allow = this.options.database.allowSchemaChanges;
    const out: Recommendation[] = [];
    for (const source of this.instrumentation.sources()) {
      let needs: MaintenanceNeed[];
      try {
        needs = await this.diagnostics.for(source).maintenance(this.options.database.indexMinRows);
      } catch (error) {
        failed(source.name, error);
        continue;
      }
      for (const need of needs) {
        const { type, title, why } = ACTIONS[need.action];
        out.push({
          id: recommendationId(type, source.name, need.table),
          category: 'database',
          severity: need.action === 'optimize' ? 'low' : 'medium',
          title: `${title} table ${need.table}`,
          description: need.reason,
          evidence: { database: source.name, table: need.table, ...need.evidence },
          action: {
            type,
            automatic: allow,
            summary: allow ? `optimize runs ${need.sql}` : `run ${need.sql} (schema changes from optimize are off)`,
            steps: [`Run: ${need.sql}`, why],
            sql: need.sql,
          },
        });
      }
    }
    return out;
  }
}
