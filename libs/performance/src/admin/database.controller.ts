import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { DatabaseDiagnosticsService, type DatabaseStatsReport } from '../database/diagnostics/database-diagnostics.service';
import { DatabaseInstrumentation } from '../database/database-instrumentation.service';
import type { DatabaseSource } from '../core/ports/data-source.port';
import { IndexAdvisor, type IndexAdvice } from '../database/advisor/index-advisor.service';
import { N1Detector, type N1Finding } from '../database/n1-detector.service';
import { PlanAdvisor, type PlanReport, PlanUnavailableError } from '../database/advisor/plan-advisor.service';
import { PoolMonitor, type PoolUsage } from '../database/pool-monitor.service';
import { QueryStats, type QueryStatsEntry, type QueryTotals } from '../database/query-stats.service';
import { SlowQueryLog, type SlowQuery } from '../database/slow-query-log.service';
import type { AppliedOptimization } from '../advisor/optimization-log';
import { PerformanceAdvisor } from '../advisor/performance-advisor.service';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminOperation, type AdminParameter } from './admin-operation.decorator';
import { ADMIN_NAME_PATTERN, integerParam, nameParam } from './admin-query';

/** Body of `GET query-performance`. */
export interface QueryPerformanceBody {
  readonly totals: QueryTotals;
  readonly statements: readonly QueryStatsEntry[];
  readonly slowQueries: { readonly thresholdMs: number; readonly count: number; readonly recent: readonly SlowQuery[] };
  readonly n1: { readonly threshold: number; readonly count: number; readonly recent: readonly N1Finding[] };
}

const FINGERPRINT = /^[0-9a-f]{16}$/;
const DATABASE_SCHEMA = { type: 'string', pattern: ADMIN_NAME_PATTERN.source } as const;
const DATABASE_PARAMETER: AdminParameter = { name: 'database', description: 'Name of an instrumented DataSource; all when absent', schema: DATABASE_SCHEMA };

/**
 * The database part of the admin API: query-performance, database-stats,
 * connection-pool, suggest-indexes, query-plan and optimizations.
 */
@Controller()
@UseGuards(AdminAuthGuard)
export class DatabaseAdminController {
  constructor(
    private readonly instrumentation: DatabaseInstrumentation,
    private readonly stats: QueryStats,
    private readonly slowLog: SlowQueryLog,
    private readonly n1: N1Detector,
    private readonly pools: PoolMonitor,
    private readonly diagnostics: DatabaseDiagnosticsService,
    private readonly indexes: IndexAdvisor,
    private readonly plans: PlanAdvisor,
    private readonly advisor: PerformanceAdvisor,
  ) {}

  /** Statement statistics (most total time first), recent slow statements and N+1 findings. */
  @Get('query-performance')
  @AdminOperation({
    summary: 'Statement statistics (most total time first), recent slow statements and N+1 findings',
    query: [
      DATABASE_PARAMETER,
      {
        name: 'limit',
        description: 'Statements and findings listed, 1 to 1000, default 50',
        schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
      },
      {
        name: 'fingerprint',
        description: 'Only this statement, with its whole text (lists cut statements to 500 characters); 16 hexadecimal characters',
        schema: { type: 'string', pattern: FINGERPRINT.source },
      },
    ],
    responses: { 400: 'limit out of range, database unknown, or fingerprint malformed or not observed' },
  })
  queryPerformance(
    @Query('limit') limitRaw?: unknown,
    @Query('database') databaseRaw?: unknown,
    @Query('fingerprint') fingerprintRaw?: unknown,
  ): QueryPerformanceBody {
    const limit = integerParam('limit', limitRaw, { min: 1, max: 1000, default: 50 });
    const database = this.sourcesFor(databaseRaw)?.[0]?.name;
    const fingerprint = this.fingerprintOf(fingerprintRaw, false);
    const statements = fingerprint !== undefined ? [this.stats.get(fingerprint)!] : this.stats.list();
    return {
      totals: this.stats.totals(),
      statements: statements.filter((e) => database === undefined || e.database === database).slice(0, limit),
      slowQueries: { thresholdMs: this.slowLog.thresholdMs, count: this.slowLog.count, recent: this.slowLog.list(limit) },
      n1: { threshold: this.n1.threshold, count: this.n1.count, recent: this.n1.list(limit) },
    };
  }

  /** Database-side diagnostics of each DataSource (or of `database`). */
  @Get('database-stats')
  @AdminOperation({
    summary: 'Database-side diagnostics per DataSource: table sizes, unused indexes, server statistics',
    query: [
      DATABASE_PARAMETER,
      { name: 'limit', description: 'Rows per list, 1 to 500, default 20', schema: { type: 'integer', minimum: 1, maximum: 500, default: 20 } },
    ],
    responses: { 400: 'limit out of range, or database unknown' },
  })
  async databaseStats(@Query('limit') limitRaw?: unknown, @Query('database') databaseRaw?: unknown): Promise<{ databases: DatabaseStatsReport[] }> {
    const limit = integerParam('limit', limitRaw, { min: 1, max: 500, default: 20 });
    const databases: DatabaseStatsReport[] = [];
    for (const source of this.sourcesFor(databaseRaw) ?? this.instrumentation.sources()) {
      databases.push(await this.diagnostics.report(source, limit));
    }
    return { databases };
  }

  /** Pool usage of each DataSource. */
  @Get('connection-pool')
  @AdminOperation({ summary: 'Connection pool usage of each DataSource (active, idle, waiting, max)' })
  connectionPool(): { pools: PoolUsage[] } {
    return { pools: this.pools.usage() };
  }

  /** Index suggestions (with CREATE INDEX, migration and decorator) and refusals with reasons. */
  @Get('suggest-indexes')
  @AdminOperation({
    summary: 'Index suggestions (CREATE INDEX, migration, decorator) and refusals with reasons',
    query: [DATABASE_PARAMETER],
    responses: { 400: 'database unknown' },
  })
  async suggestIndexes(@Query('database') databaseRaw?: unknown): Promise<{ databases: IndexAdvice[] }> {
    const databases: IndexAdvice[] = [];
    for (const source of this.sourcesFor(databaseRaw) ?? this.instrumentation.sources()) {
      databases.push(await this.indexes.advise(source));
    }
    return { databases };
  }

  /** EXPLAIN of an observed fingerprint, with advice read from the plan. */
  @Get('query-plan')
  @AdminOperation({
    summary: 'EXPLAIN of an observed statement fingerprint, with advice read from the plan',
    query: [
      { name: 'database', description: "Name of an instrumented DataSource; the fingerprint's own when absent", schema: DATABASE_SCHEMA },
      {
        name: 'fingerprint',
        required: true,
        description: '16 hexadecimal characters, as listed by query-performance',
        schema: { type: 'string', pattern: FINGERPRINT.source },
      },
    ],
    responses: { 400: 'fingerprint malformed or not observed, database unknown, or no plan available' },
  })
  async queryPlan(@Query('fingerprint') fingerprintRaw?: unknown, @Query('database') databaseRaw?: unknown): Promise<PlanReport> {
    const fingerprint = this.fingerprintOf(fingerprintRaw, true)!;
    const entry = this.stats.get(fingerprint)!;
    const source = this.sourcesFor(databaseRaw)?.[0] ?? this.instrumentation.source(entry.database);
    if (!source) throw new BadRequestException(`fingerprint ${fingerprint} belongs to no instrumented database`);
    try {
      const report = await this.plans.explain(source, fingerprint);
      if (!report) throw new BadRequestException(`fingerprint ${fingerprint} was not observed on database ${source.name}`);
      return report;
    } catch (error) {
      if (error instanceof PlanUnavailableError) throw new BadRequestException(`fingerprint ${fingerprint}: ${error.message}`);
      throw error;
    }
  }

  /** Every optimization `optimize/:id` applied (or tried) on this instance, newest first. */
  @Get('optimizations')
  @AdminOperation({
    summary:
      'Optimizations optimize/:id applied (and failed) on this instance, newest first: what, when, the SQL, the result, the targeted statements before and since',
  })
  optimizations(): { total: number; optimizations: AppliedOptimization[] } {
    const optimizations = this.advisor.optimizations();
    return { total: optimizations.length, optimizations };
  }

  /** An observed fingerprint, undefined when absent and not required; 400 when malformed or not observed. */
  private fingerprintOf(raw: unknown, required: boolean): string | undefined {
    const fingerprint = nameParam('fingerprint', raw, required);
    if (fingerprint === undefined) return undefined;
    if (!FINGERPRINT.test(fingerprint)) {
      throw new BadRequestException(`fingerprint must be 16 hexadecimal characters as listed by query-performance (got ${JSON.stringify(fingerprint)})`);
    }
    if (!this.stats.get(fingerprint)) throw new BadRequestException(`fingerprint ${fingerprint} has not been observed (or was evicted)`);
    return fingerprint;
  }

  /** The DataSource named by `database`, undefined when absent; 400 when unknown. */
  private sourcesFor(raw: unknown): DatabaseSource[] | undefined {
    const name = nameParam('database', raw, false);
    if (name === undefined) return undefined;
    const source = this.instrumentation.source(name);
    if (!source) {
      const known = this.instrumentation.sources().map((s) => s.name);
      throw new BadRequestException(
        `database must be one of ${known.map((n) => JSON.stringify(n)).join(', ') || '(none instrumented)'} (got ${JSON.stringify(name)})`,
      );
    }
    return [source];
  }
}
