import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import type { DatabaseInstrumentation } from '../../database/database-instrumentation.service';
import type { IndexAdvisor } from '../../database/advisor/index-advisor.service';
import type { Recommendation } from '../advice';
import { type AdvisorRule, recommendationId } from '../advisor-rule';

/**
 * `missing-index` (high from 1 s of total time, else medium): an index the
 * index advisor suggests, with the statement to run, a migration and the
 * `@Index` line. Applied by `optimize/:id` only with `database.allowSchemaChanges`.
 * A table the advisor could not read is a failure of this rule, named.
 */
export class MissingIndexRule implements AdvisorRule {
  readonly name = 'missing-index';

  constructor(
    private readonly options: ResolvedPerformanceOptions,
    private readonly instrumentation: DatabaseInstrumentation,
    private readonly indexes: IndexAdvisor,
  ) {}

  async evaluate(failed: (subject: string | null, error: unknown) => void): Promise<Recommendation[]> {
    const allow = this.options.database.allowSchemaChanges;
    const out: Recommendation[] = [];
    for (const source of this.instrumentation.sources()) {
      const advice = await this.indexes.advise(source);
      for (const f of advice.failures) failed(`${source.name}${f.table ? `.${f.table}` : ''}`, f.error);
      for (const s of advice.suggestions) {
        out.push({
          id: recommendationId('missing-index', s.database, s.table, ...s.columns),
          category: 'database',
          severity: s.totalMs >= 1000 ? 'high' : 'medium',
          title: `Add an index on ${s.table} (${s.columns.join(', ')})`,
          description: s.reason,
          evidence: {
            database: s.database,
            table: s.table,
            columns: s.columns.join(', '),
            kind: s.kind,
            calls: s.calls,
            totalMs: s.totalMs,
            rowEstimate: s.rowEstimate,
            fingerprints: s.statements.map((x) => x.fingerprint).join(','),
          },
          action: {
            type: 'create-index',
            automatic: allow,
            summary: allow ? `optimize runs ${s.createIndex}` : 'create the index in a migration (schema changes from optimize are off)',
            steps: [`Run: ${s.createIndex}`, `or add the migration:\n${s.migration}`, `or put ${s.decorator} on the entity${s.entity ? ` ${s.entity}` : ''}`],
            sql: s.createIndex,
            revertSql: s.dropIndex,
          },
        });
      }
    }
    return out;
  }
}
