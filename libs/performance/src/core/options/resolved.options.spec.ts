import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PerformanceError } from '../performance-errors';
import { adminPathOf, resolvePerformanceOptions } from './resolved.options';
import { definedOptions } from './schema/option';
import { performanceOptionsSchema } from './schema/performance';

function errorOf(fn: () => unknown): PerformanceError {
  try {
    fn();
  } catch (error) {
    return error as PerformanceError;
  }
  throw new Error('expected an error');
}

describe('resolvePerformanceOptions', () => {
  it('fills every default of the foundation (each feature section has its own spec)', () => {
    const o = resolvePerformanceOptions({ instanceId: 'i-1', appVersion: '1.2.3' });
    const { enabled, headers, status, admin, appVersion, instanceId } = o;
    expect({ enabled, headers, status, admin, appVersion, instanceId }).toEqual({
      enabled: true,
      headers: {
        'X-Response-Time': true,
        'X-Request-ID': true,
        'X-Cache': true,
        'X-DB-Queries': true,
        'X-DB-Time': true,
        'X-Memory-Usage': true,
        'Server-Timing': true,
      },
      status: { endpoint: '/status' },
      admin: { token: undefined, guard: undefined },
      appVersion: '1.2.3',
      instanceId: 'i-1',
    });
    expect(o.monitoring).toMatchObject({ collectionIntervalSeconds: 60 });
    expect(o.thresholds).toMatchObject({ p95Ms: { good: 200, critical: 500 }, cpuPercent: { good: 70, critical: 95 }, loadPerCore: false });
    expect(o.monitoring.maxMemoryUsageMb).toBeUndefined();
    expect(o.cache).toMatchObject({ maxSize: 1000, ttl: 300 });
    expect(o.metrics).toMatchObject({ endpoint: '/metrics' });
    expect(o.health).toMatchObject({ endpoint: '/health' });
  });

  it('keeps a zero given on purpose (?? not ||) and switches single headers', () => {
    const o = resolvePerformanceOptions({ cache: { ttl: 0 }, headers: { 'X-Cache': false } });
    expect(o.cache.ttl).toBe(0);
    expect(o.headers['X-Cache']).toBe(false);
    expect(o.headers['X-Response-Time']).toBe(true);
  });

  it('freezes the result', () => {
    const o = resolvePerformanceOptions({});
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.cache)).toBe(true);
  });

  it('names every bad option and its value in one error', () => {
    const error = errorOf(() =>
      resolvePerformanceOptions({
        cache: { ttl: -5 },
        headers: { 'X-Bogus': true } as never,
        monitoring: { collectionIntervalSeconds: 0 },
        metrics: { endpoint: 'metrics' },
        admin: { token: 'short' },
      }),
    );
    expect(error).toBeInstanceOf(PerformanceError);
    expect(error.code).toBe('PERF_ERR_INVALID_OPTIONS');
    const lines = error.message
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/^\s+- /, ''));
    expect(lines).toEqual([
      'headers: unknown option "X-Bogus" (known: X-Response-Time, X-Request-ID, X-Cache, X-DB-Queries, X-DB-Time, X-Memory-Usage, Server-Timing)',
      'monitoring.collectionIntervalSeconds: Too small: expected number to be >=1 (got 0)',
      'cache.ttl: Too small: expected number to be >=0 (got -5)',
      'metrics.endpoint: must be a path starting with "/" (letters, digits, . _ ~ - /) (got "metrics")',
      'admin.token: must be at least 16 characters (got 5 characters, not shown)',
    ]);
  });

  it('refuses an unknown top-level option (a typo must not silently do nothing)', () => {
    const error = errorOf(() => resolvePerformanceOptions({ cahce: {} } as never));
    expect(error.message).toContain('(options): unknown option "cahce" (known: enabled, headers, monitoring, thresholds, alerts, cache, metrics,');
  });

  it('refuses a guard that is not a guard', () => {
    const error = errorOf(() => resolvePerformanceOptions({ admin: { guard: { nope: true } as never } }));
    expect(error.message).toContain('admin.guard: must be a guard class or an object with canActivate()');
  });
});

/** The fixed values an option accepts (its enum or literal alternatives), if it is a choice. */
function choicesOf(schema: z.core.$ZodType): unknown[] {
  const def = (schema as z.core.$ZodTypes)._zod.def;
  if (def.type === 'enum') return Object.values(def.entries);
  if (def.type === 'literal') return [...def.values];
  if (def.type === 'union') return def.options.flatMap((o) => choicesOf(o));
  return [];
}

describe('adminPath', () => {
  it('trims slashes, defaults to performance, and leaves a malformed one to the start-up error', () => {
    expect([adminPathOf({ adminPath: '/ops/perf/' }), adminPathOf({}), adminPathOf({ adminPath: 'a b' })]).toEqual(['ops/perf', 'performance', 'performance']);
    expect(errorOf(() => resolvePerformanceOptions({}, { adminPath: 'a?b' })).message).toContain(
      'adminPath: must be a route path of letters, digits, . _ ~ - and / (got "a?b")',
    );
  });
});

describe('a choice', () => {
  const choices = definedOptions(performanceOptionsSchema)
    .map((o) => ({ path: o.path, allowed: choicesOf(o.schema).filter((v) => typeof v === 'string') }))
    .filter((c) => c.allowed.length > 0);

  it('is found among the definitions (store, severities, history store, cache lookups)', () => {
    expect(choices.map((c) => c.path)).toEqual(
      expect.arrayContaining(['cache.store', 'alerts.notifiers.minSeverity', 'alerts.outages.cacheStore', 'monitoring.history.store']),
    );
  });

  it.each(choices.map((c) => [c.path, c.allowed] as const))('%s: a wrong value is refused with every allowed value listed', (path, allowed) => {
    const options: Record<string, unknown> = {};
    const keys = path.split('.');
    let section = options;
    for (const key of keys.slice(0, -1)) section = (section[key] = {}) as Record<string, unknown>;
    section[keys.at(-1)!] = 'nonsense';
    const line = errorOf(() => resolvePerformanceOptions(options))
      .message.split('\n')
      .find((l) => l.includes(`${path}:`));
    expect(line, `no error line for ${path}`).toBeDefined();
    for (const value of allowed) expect(line).toMatch(new RegExp(`["']${String(value)}["']`));
  });
});
