/** The three parts of the health overview. */
export type HealthPart = 'database' | 'system' | 'cache';

/** What the score is computed from, gathered by `HealthOverview`. */
export interface HealthScoreInputs {
  /** Each DataSource: up or not, and its ping time. Empty when the app has none. */
  readonly databases: readonly { readonly name: string; readonly up: boolean; readonly responseTimeMs: number }[];
  /** Busiest pool's busy share in percent, when a pool source is registered. */
  readonly poolBusyPercent: number | undefined;
  readonly rssPercent: number;
  readonly heapPercent: number;
  /** CPU time of the process over the last interval, percent of one core. */
  readonly cpuPercent: number;
  readonly cpuLimitPercent: number;
  readonly eventLoopLagMs: number;
  readonly eventLoopLagLimitMs: number;
  /** Used share of the disk, undefined when it could not be read. */
  readonly diskPercent: number | undefined;
  /** Cache store reachable: true/false with a probe, undefined without one. */
  readonly cacheUp: boolean | undefined;
  /** Cache lookups since start by result. */
  readonly cacheLookups: { readonly hit: number; readonly miss: number; readonly stale: number; readonly bypass: number };
}

/** One part of the overview: its score (0-100, or null when not applicable), weight and inputs. */
export interface HealthPartScore {
  readonly score: number | null;
  readonly weight: number;
  readonly inputs: Readonly<Record<string, unknown>>;
}

/** The health overview of the admin API. */
export interface HealthOverviewBody {
  /** Weighted score 0-100 over the parts that apply (one decimal). */
  readonly score: number;
  /** healthy from 80, degraded from 50, else unhealthy. */
  readonly status: 'healthy' | 'degraded' | 'unhealthy';
  readonly parts: Readonly<Record<HealthPart, HealthPartScore>>;
  readonly timestamp: string;
}

/** 100 up to `good`, 0 from `bad`, linear between. */
export function scoreBelow(value: number, good: number, bad: number): number {
  if (value <= good) return 100;
  if (value >= bad) return 0;
  return (100 * (bad - value)) / (bad - good);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Cache hit rate at or above which the cache part scores 100. */
export const TARGET_HIT_RATE = 0.7;

/**
 * Computes the 0-100 health score: database, system resources and cache,
 * each scored 0-100 from its inputs and weighted (40 / 35 / 25 by default).
 * A part that does not apply (no database, no cache) is left out and the
 * others' weights are scaled up.
 */
export function computeHealthScore(inputs: HealthScoreInputs, weights: Readonly<Record<HealthPart, number>>, now: Date = new Date()): HealthOverviewBody {
  // Database: each DataSource up (scored by ping time), capped by pool saturation.
  let database: number | null = null;
  if (inputs.databases.length || inputs.poolBusyPercent !== undefined) {
    const pings = inputs.databases.map((d) => (d.up ? scoreBelow(d.responseTimeMs, 100, 1000) : 0));
    const pool = inputs.poolBusyPercent === undefined ? 100 : scoreBelow(inputs.poolBusyPercent, 80, 100);
    database = Math.min(pings.length ? mean(pings) : 100, pool);
  }

  // System: memory, heap, CPU, event loop and disk, each against its limit.
  const system = [
    scoreBelow(inputs.rssPercent, 80, 98),
    scoreBelow(inputs.heapPercent, 80, 98),
    scoreBelow(inputs.cpuPercent, inputs.cpuLimitPercent, Math.max(inputs.cpuLimitPercent + 1, 100)),
    scoreBelow(inputs.eventLoopLagMs, inputs.eventLoopLagLimitMs / 4, inputs.eventLoopLagLimitMs),
    ...(inputs.diskPercent === undefined ? [] : [scoreBelow(inputs.diskPercent, 85, 95)]),
  ];

  // Cache: reachable, and a hit rate of 70% or more among cacheable lookups.
  const { hit, miss, stale } = inputs.cacheLookups;
  const cacheable = hit + miss + stale;
  const hitRate = cacheable ? (hit + stale) / cacheable : undefined;
  let cache: number | null = null;
  if (inputs.cacheUp !== undefined || cacheable > 0) {
    const hitScore = hitRate === undefined ? 100 : Math.min(100, (hitRate / TARGET_HIT_RATE) * 100);
    cache = inputs.cacheUp === false ? 0 : hitScore;
  }

  const parts: Record<HealthPart, HealthPartScore> = {
    database: {
      score: database === null ? null : round1(database),
      weight: weights.database,
      inputs: { dataSources: inputs.databases, poolBusyPercent: inputs.poolBusyPercent ?? null },
    },
    system: {
      score: round1(mean(system)),
      weight: weights.system,
      inputs: {
        rssPercent: round1(inputs.rssPercent),
        heapPercent: round1(inputs.heapPercent),
        cpuPercent: round1(inputs.cpuPercent),
        eventLoopLagMs: inputs.eventLoopLagMs,
        diskPercent: inputs.diskPercent ?? null,
      },
    },
    cache: {
      score: cache === null ? null : round1(cache),
      weight: weights.cache,
      inputs: { storeUp: inputs.cacheUp ?? null, lookups: inputs.cacheLookups, hitRate: hitRate === undefined ? null : round1(hitRate * 100) / 100 },
    },
  };
  let weighted = 0;
  let total = 0;
  for (const part of Object.values(parts)) {
    if (part.score === null || part.weight === 0) continue;
    weighted += part.score * part.weight;
    total += part.weight;
  }
  const score = total ? round1(weighted / total) : 100;
  const status = score >= 80 ? 'healthy' : score >= 50 ? 'degraded' : 'unhealthy';
  return { score, status, parts, timestamp: now.toISOString() };
}
