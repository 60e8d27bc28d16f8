import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { PerformanceEvents } from '../core/context/performance-events.service';
import { AppDiscovery } from '../core/discovery/app-discovery.service';
import { RequestContext } from '../core/context/request-context';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import { type DatabaseSource, INTERNAL_QUERY_MARK, type InstrumentableDataSource, systemOf } from '../core/ports/data-source.port';
import { N1Detector } from './n1-detector.service';
import { QueryStats } from './query-stats.service';
import { SlowQueryLog } from './slow-query-log.service';
import { listedStatement, SqlFingerprinter } from './sql-fingerprint';

/** The fields of TypeORM 1.x's BeforeQueryEvent / AfterQueryEvent that are read. */
interface QueryHookEvent {
  readonly query: string;
  readonly parameters?: unknown;
  readonly queryRunner?: object;
  readonly success?: boolean;
  readonly executionTime?: number;
  readonly rawResults?: unknown;
}

/** Start times of the statements in flight on one query runner, oldest first. */
const STARTS = Symbol('nestjs-performance.query-starts');
type Timed = { [STARTS]?: number[] };
const MAX_IN_FLIGHT = 64;

function rowsOf(raw: unknown): number | undefined {
  if (Array.isArray(raw)) return raw.length;
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as { rowCount?: unknown; affectedRows?: unknown; changes?: unknown };
  const n = r.rowCount ?? r.affectedRows ?? r.changes;
  return typeof n === 'number' ? n : undefined;
}

/**
 * Counts and times every SQL statement of every TypeORM DataSource of the app.
 *
 * At start-up it finds the DataSources among the app's providers and adds a
 * TypeORM subscriber to each (`beforeQuery`/`afterQuery`, next to the app's
 * own subscribers and logger, which stay untouched). Each finished statement
 * is charged to the current request (`RequestContext.recordQuery`, hence
 * X-DB-Queries, X-DB-Time and Server-Timing), or counted globally outside
 * requests; then it feeds {@link QueryStats}, {@link SlowQueryLog},
 * {@link N1Detector} and `PerformanceEvents.emitQuery`.
 *
 * A DataSource the app creates by hand is instrumented with {@link attach}.
 *
 * @example
 * const reporting = await new DataSource({...}).initialize();
 * app.get(DatabaseInstrumentation).attach(reporting, 'reporting');
 */
@Injectable()
export class DatabaseInstrumentation implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger('nestjs-performance');
  private readonly attached = new Map<InstrumentableDataSource, DatabaseSource & { subscriber: object }>();
  private readonly failures = new Set<string>();
  private readonly slowThresholdMs: number;
  private readonly logParameters: boolean;
  private readonly enabled: boolean;

  /** @internal */
  constructor(
    @Inject(PERFORMANCE_OPTIONS) options: ResolvedPerformanceOptions,
    private readonly discovery: AppDiscovery,
    private readonly events: PerformanceEvents,
    private readonly stats: QueryStats,
    private readonly slowLog: SlowQueryLog,
    private readonly n1: N1Detector,
  ) {
    this.enabled = options.enabled && options.database.enabled;
    this.slowThresholdMs = options.database.slowQueryThresholdMs;
    this.logParameters = options.database.logParameters;
  }

  /** The instrumented DataSources, in the order they were found. @internal */
  sources(): DatabaseSource[] {
    return [...this.attached.values()].map(({ name, system, dataSource }) => ({ name, system, dataSource }));
  }

  /** The instrumented DataSource of that name, or undefined. @internal */
  source(name: string): DatabaseSource | undefined {
    return this.sources().find((s) => s.name === name);
  }

  onModuleInit(): void {
    if (this.enabled) this.discover();
  }

  /**
   * TypeORM replaces `subscribers` when a DataSource initializes; one the app
   * initializes late is (re)attached here, before the first request.
   */
  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.discover();
    for (const entry of this.attached.values()) {
      if (!entry.dataSource.subscribers.includes(entry.subscriber)) {
        (entry.dataSource.subscribers as object[]).push(entry.subscriber);
      }
    }
  }

  /**
   * Instruments a DataSource that is not a Nest provider (call it after
   * `initialize()`). Attaching the same DataSource twice does nothing.
   */
  attach(dataSource: InstrumentableDataSource, name = 'default'): void {
    if (!this.enabled || this.attached.has(dataSource)) return;
    const source = { name, system: systemOf(dataSource), dataSource };
    const subscriber = this.createSubscriber(source);
    (dataSource.subscribers as object[]).push(subscriber);
    this.attached.set(dataSource, { ...source, subscriber });
    // Statements are counted against the request they run for: requests carry their context from now on.
    RequestContext.enable();
  }

  private discover(): void {
    for (const { name, dataSource } of this.discovery.dataSources()) {
      if (!this.attached.has(dataSource)) this.attach(dataSource, name);
    }
  }

  private createSubscriber(source: DatabaseSource): object {
    // Per DataSource: the quoting rules of its database decide what is a literal.
    const fingerprinter = new SqlFingerprinter(2000, source.system);
    return {
      beforeQuery: (event: QueryHookEvent): void => {
        const runner = event.queryRunner as Timed | undefined;
        if (!runner) return;
        const starts = (runner[STARTS] ??= []);
        // A statement whose afterQuery never came (another subscriber threw) must not leak.
        if (starts.length >= MAX_IN_FLIGHT) starts.length = 0;
        starts.push(performance.now());
      },
      afterQuery: (event: QueryHookEvent): void => {
        try {
          this.afterQuery(source, fingerprinter, event);
        } catch (error) {
          this.failOnce('query instrumentation', error);
        }
      },
    };
  }

  private afterQuery(source: DatabaseSource, fingerprinter: SqlFingerprinter, event: QueryHookEvent): void {
    const end = performance.now();
    // Query runners run their statements one after another, so starts complete in order.
    const start = (event.queryRunner as Timed | undefined)?.[STARTS]?.shift();
    const durationMs = start !== undefined ? end - start : (event.executionTime ?? 0);
    const ctx = RequestContext.current();
    if (ctx !== undefined) ctx.recordQuery(durationMs);
    else this.stats.recordOutsideRequest(durationMs);

    const sql = event.query;
    if (sql.startsWith(INTERNAL_QUERY_MARK)) return;
    const fp = fingerprinter.of(sql);
    const success = event.success !== false;
    const route = ctx?.route;
    const parameters = Array.isArray(event.parameters) ? (event.parameters as unknown[]) : undefined;
    const now = Date.now();
    this.stats.record(fp, durationMs, success, success ? rowsOf(event.rawResults) : undefined, route, { sql, parameters, database: source.name }, now);

    if (durationMs >= this.slowThresholdMs) {
      this.slowLog.add({
        at: new Date(now).toISOString(),
        durationMs: Math.round(durationMs * 100) / 100,
        fingerprint: fp.fingerprint,
        statement: listedStatement(fp.statement),
        database: source.name,
        success,
        route: route ?? null,
        requestId: ctx?.requestId ?? null,
        ...(this.logParameters && parameters ? { parameters: [...parameters] } : {}),
      });
    }
    if (ctx !== undefined && this.n1.observe(ctx, fp) !== undefined) this.stats.recordN1(fp.fingerprint);

    if (this.events.wantsQueries) {
      this.events.emitQuery({
        operation: fp.operation,
        statement: fp.statement,
        fingerprint: fp.fingerprint,
        system: source.system,
        startTime: performance.timeOrigin + (end - durationMs),
        durationMs,
        success,
        request: ctx,
      });
    }
  }

  private failOnce(what: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const key = `${what}: ${message}`;
    if (this.failures.has(key) || this.failures.size >= 100) return;
    this.failures.add(key);
    this.logger.warn(`${what} failed (the statement itself is unaffected): ${message}`);
  }
}
