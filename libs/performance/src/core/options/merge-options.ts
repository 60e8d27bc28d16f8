import type { PerformanceModuleExtras, PerformanceModuleOptions } from './performance.options';

type Options = PerformanceModuleOptions & PerformanceModuleExtras;

/** An object literal (or JSON): merged key by key. Anything else (arrays, class instances, `false`) is a whole value. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    const current = target[key];
    const merged = isPlainObject(value) ? mergeInto(isPlainObject(current) ? current : {}, value) : value;
    // defineProperty: a "__proto__" key (JSON can carry one) stays a key, which option validation then refuses.
    Object.defineProperty(target, key, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return target;
}

/**
 * Merges option sets, later ones winning, section by section: plain objects
 * are merged key by key, while arrays, class instances (a `CacheStore`, a
 * guard, a registry), functions and `false` replace what was there, and a
 * key set to `undefined` leaves the earlier value. The sources are not
 * changed. Meant for the options from the environment plus the app's own,
 * where a spread would replace a whole section.
 *
 * @example
 * PerformanceModule.forRoot(
 *   mergePerformanceOptions(performanceOptionsFromEnv(), {
 *     cache: { cacheablePaths: { '/api/items': 60 } }, // CACHE_TTL, REDIS_URL ... still apply
 *     admin: { token: config.adminToken },
 *   }),
 * )
 */
export function mergePerformanceOptions(
  ...sources: readonly ((PerformanceModuleOptions & PerformanceModuleExtras) | undefined)[]
): PerformanceModuleOptions & PerformanceModuleExtras {
  const merged: Record<string, unknown> = {};
  for (const source of sources) if (source) mergeInto(merged, source as Record<string, unknown>);
  return merged as Options;
}
