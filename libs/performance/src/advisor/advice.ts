/** Area a recommendation or bottleneck belongs to. */
export type AdvisorCategory = 'database' | 'cache' | 'memory' | 'cpu' | 'api';
/** How much a recommendation matters. */
export type RecommendationSeverity = 'critical' | 'high' | 'medium' | 'low';

/** What `optimize/:id` would do for a recommendation. */
export interface RecommendationAction {
  /**
   * `create-index`, `analyze-table` (ANALYZE, ANALYZE TABLE), `vacuum-table`
   * (PostgreSQL's VACUUM (ANALYZE)) and `optimize-table` (MySQL's OPTIMIZE
   * TABLE) run a statement on the database, only with
   * `database.allowSchemaChanges`; `cache-ttl` sets a namespace's TTL and
   * `clear-namespace` empties it (both through the response cache, both safe
   * to apply); `manual` is never applied by the module.
   */
  readonly type: 'create-index' | 'analyze-table' | 'vacuum-table' | 'optimize-table' | 'cache-ttl' | 'clear-namespace' | 'manual';
  /** True when `optimize/:id` can apply it now (schema changes need `database.allowSchemaChanges`). */
  readonly automatic: boolean;
  readonly summary: string;
  /** What a person does to apply it (also the body of a 409). */
  readonly steps: readonly string[];
  /** The statement `optimize/:id` runs, for schema actions. */
  readonly sql?: string;
  /** The statement that undoes it. */
  readonly revertSql?: string;
  /** The cache namespace of `cache-ttl` and `clear-namespace`. */
  readonly namespace?: string;
  /** The TTL in seconds `cache-ttl` sets. */
  readonly ttlSeconds?: number;
}

/**
 * One thing to change, with the numbers behind it. The id is derived from
 * what it is about (table and columns, route and statement, namespace), so it
 * stays the same across calls and restarts while the evidence holds.
 */
export interface Recommendation {
  readonly id: string;
  readonly category: AdvisorCategory;
  readonly severity: RecommendationSeverity;
  readonly title: string;
  readonly description: string;
  readonly evidence: Readonly<Record<string, string | number | boolean | null>>;
  readonly action: RecommendationAction;
}

/** A part of the system that limits performance now. */
export interface Bottleneck {
  readonly type: 'database' | 'cache' | 'memory' | 'cpu' | 'event-loop' | 'api';
  readonly severity: 'high' | 'medium' | 'low';
  readonly description: string;
  readonly evidence: Readonly<Record<string, number | string | null>>;
  readonly recommendation: string;
}

/** The body of `bottlenecks`. */
export interface BottleneckReport {
  /** Time of the snapshot analysed; null before the first one. */
  readonly snapshotAt: string | null;
  readonly bottlenecks: readonly Bottleneck[];
}

/** The forecast of one metric in `capacity`. */
export interface CapacityForecast {
  readonly metric: string;
  readonly unit: string;
  /** Mean over the last hour of history (or the last value). */
  readonly current: number | null;
  /** Change per day from the least-squares line. */
  readonly slopePerDay: number | null;
  /** The line's value `days` from now. */
  readonly projected: number | null;
  /** How well the line fits, 0..1. */
  readonly r2: number | null;
  /** The level that means "out of room", when the metric has one. */
  readonly limit: number | null;
  /** Days until the line crosses `limit`; null when it does not rise or has no limit. */
  readonly daysUntilLimit: number | null;
  readonly recommendation: string;
}

/** The body of `capacity`. */
export interface CapacityReport {
  readonly days: number;
  /** Snapshots the lines were fitted to. */
  readonly samples: number;
  readonly from: string | null;
  readonly to: string | null;
  readonly forecasts: readonly CapacityForecast[];
  /** The scaling advice over all metrics. */
  readonly recommendation: string;
}
