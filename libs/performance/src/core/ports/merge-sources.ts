import type { AlertsFiringSource, CacheHealthProbe, NPlusOneSource, PoolStats, PoolStatsSource } from './observability.port';

/*
 * Merges the sources `AppDiscovery.instancesOf` finds (the module's own and
 * the app's) into one, so metrics and health read them as one.
 */

/** One pool source over several: their pools side by side; undefined when there are none. */
export function mergePoolSources(sources: readonly PoolStatsSource[]): PoolStatsSource | undefined {
  if (sources.length <= 1) return sources[0];
  return { pools: (): PoolStats[] => sources.flatMap((s) => s.pools()) };
}

/** One N+1 source over several: their counts summed; undefined when there are none. */
export function mergeNPlusOneSources(sources: readonly NPlusOneSource[]): NPlusOneSource | undefined {
  if (sources.length <= 1) return sources[0];
  return { nPlusOneFindings: () => sources.reduce((sum, s) => sum + s.nPlusOneFindings(), 0) };
}

/**
 * One cache probe over several (the module's own cache and any the app
 * registers): up only when every probe answers; details merged, the app's
 * last so they win on a shared key.
 */
export function mergeCacheProbes(probes: readonly CacheHealthProbe[]): CacheHealthProbe | undefined {
  if (probes.length <= 1) return probes[0];
  return {
    ping: async (signal) => Object.assign({}, ...(await Promise.all(probes.map((p) => p.ping(signal))))),
  };
}

/** One alerts source over several: firing counts summed per severity; undefined when there are none. */
export function mergeAlertSources(sources: readonly AlertsFiringSource[]): AlertsFiringSource | undefined {
  if (sources.length <= 1) return sources[0];
  return {
    firingBySeverity: () => {
      const total: Record<string, number> = {};
      for (const s of sources) {
        for (const [severity, count] of Object.entries(s.firingBySeverity())) total[severity] = (total[severity] ?? 0) + count;
      }
      return total;
    },
  };
}
