import { Inject, Injectable } from '@nestjs/common';
import type { ResolvedPerformanceOptions } from '../../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../../core/options/options-token';
import { DatabaseInstrumentation } from '../database-instrumentation.service';
import type { DatabaseSource } from '../../core/ports/data-source.port';
import { attempt, BaseDiagnostics, type DatabaseDiagnostics, type Diagnostic, type IndexInfo } from './database-diagnostics';
import { MysqlDiagnostics } from './mysql.diagnostics';
import { PostgresDiagnostics } from './postgres.diagnostics';
import { SqliteDiagnostics } from './sqlite.diagnostics';
import { QueryStats } from '../query-stats.service';

/** What `database-stats` shows for one DataSource. */
export interface DatabaseStatsReport {
  readonly database: string;
  readonly system: string;
  readonly topStatements: Diagnostic;
  readonly tableStats: Diagnostic;
  readonly cacheHitRatio: Diagnostic;
  readonly unusedIndexes: Diagnostic;
  readonly duplicateIndexes: Diagnostic;
  readonly longRunningQueries: Diagnostic;
  readonly connectionStates: Diagnostic;
  readonly tableSizes: Diagnostic;
  readonly queryPlans: Diagnostic;
}

/** Databases without diagnostics here: every section answers `unsupported`. */
class UnsupportedDiagnostics extends BaseDiagnostics {
  async indexes(): Promise<IndexInfo[]> {
    return [];
  }
}

/** Chooses the diagnostics of each DataSource's database and assembles their reports. */
@Injectable()
export class DatabaseDiagnosticsService {
  private readonly cache = new WeakMap<object, DatabaseDiagnostics>();
  private readonly showValues: boolean;

  constructor(
    @Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions,
    private readonly instrumentation: DatabaseInstrumentation,
    private readonly stats: QueryStats,
  ) {
    // Plans in the report show bound values only where parameter logging allows it.
    this.showValues = options.database.logParameters;
  }

  /** The diagnostics of a DataSource's database. */
  for(source: DatabaseSource): DatabaseDiagnostics {
    let diagnostics = this.cache.get(source.dataSource);
    if (!diagnostics) {
      diagnostics =
        source.system === 'postgresql'
          ? new PostgresDiagnostics(source)
          : source.system === 'mysql' || source.system === 'mariadb'
            ? new MysqlDiagnostics(source)
            : source.system === 'sqlite'
              ? new SqliteDiagnostics(source)
              : new UnsupportedDiagnostics(source);
      this.cache.set(source.dataSource, diagnostics);
    }
    return diagnostics;
  }

  /** Runs every diagnostic of one DataSource; one failing diagnostic does not stop the others. */
  async report(source: DatabaseSource, limit: number): Promise<DatabaseStatsReport> {
    const d = this.for(source);
    const slow = this.stats
      .list()
      .filter((e) => e.database === source.name && e.operation === 'SELECT' && e.errors < e.calls)
      .slice(0, 5)
      .flatMap((e) => {
        const example = this.stats.example(e.fingerprint);
        return example ? [{ fingerprint: e.fingerprint, sql: example.sql, parameters: example.parameters, showValues: this.showValues }] : [];
      });
    let topStatements = await attempt(() => d.topStatements(limit));
    if (topStatements.status !== 'ok') {
      const reason = topStatements.status === 'unsupported' ? topStatements.reason : topStatements.message;
      topStatements = {
        status: 'ok',
        rows: this.stats
          .list(limit)
          .filter((e) => e.database === source.name)
          .map((e) => ({ statement: e.statement, calls: e.calls, totalMs: e.totalMs, meanMs: e.meanMs, rows: e.rows, cacheHitPercent: null })),
        note: `in-process statistics of this instance (${reason})`,
      };
    }
    return {
      database: source.name,
      system: source.system,
      topStatements,
      tableStats: await attempt(() => d.tableStats()),
      cacheHitRatio: await attempt(() => d.cacheHitRatio()),
      unusedIndexes: await attempt(() => d.unusedIndexes()),
      duplicateIndexes: await attempt(() => d.duplicateIndexes()),
      longRunningQueries: await attempt(() => d.longRunningQueries(5)),
      connectionStates: await attempt(() => d.connectionStates()),
      tableSizes: await attempt(() => d.tableSizes()),
      queryPlans: await attempt(() => d.queryPlans(slow)),
    };
  }

  /** Reports of every instrumented DataSource. */
  async reports(limit: number): Promise<DatabaseStatsReport[]> {
    const out: DatabaseStatsReport[] = [];
    for (const source of this.instrumentation.sources()) out.push(await this.report(source, limit));
    return out;
  }
}
