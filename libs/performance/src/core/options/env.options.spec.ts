import { describe, expect, it } from 'vitest';
import { performanceOptionsFromEnv } from './env.options';
import { resolvePerformanceOptions } from './resolved.options';
import { definedOptions, envNames } from './schema/option';
import { performanceExtrasSchema, performanceOptionsSchema } from './schema/performance';

describe('performanceOptionsFromEnv', () => {
  it("maps the operators' variable names onto options", () => {
    expect(
      performanceOptionsFromEnv({
        PERFORMANCE_MONITORING_ENABLED: 'true',
        METRICS_COLLECTION_INTERVAL: '30',
        MAX_MEMORY_USAGE_MB: '1024',
        THRESHOLD_CPU_PERCENT: '{"good":75}',
        THRESHOLD_LOAD_PER_CORE: 'false',
        CACHE_MAX_SIZE: '500',
        CACHE_TTL: '120',
        METRICS_ENDPOINT: '/prom',
        HEALTH_ENDPOINT: '/healthz',
        STATUS_ENDPOINT: '/info',
        PERFORMANCE_ADMIN_TOKEN: 'x'.repeat(20),
        PERFORMANCE_ADMIN_PATH: 'ops/perf',
        PERFORMANCE_INSTANCE_ID: 'web-1',
      }),
    ).toEqual({
      enabled: true,
      monitoring: { collectionIntervalSeconds: 30, maxMemoryUsageMb: 1024 },
      thresholds: { cpuPercent: { good: 75 }, loadPerCore: false },
      cache: { maxSize: 500, ttl: 120 },
      metrics: { endpoint: '/prom' },
      health: { endpoint: '/healthz' },
      status: { endpoint: '/info' },
      admin: { token: 'x'.repeat(20) },
      adminPath: 'ops/perf',
      instanceId: 'web-1',
    });
  });

  it('leaves unset and empty variables to the defaults', () => {
    expect(performanceOptionsFromEnv({ CACHE_TTL: '', UNRELATED: '1' })).toEqual({});
  });

  it('puts the cache store into readiness with HEALTH_READINESS_CACHE', () => {
    expect(performanceOptionsFromEnv({ HEALTH_READINESS_CACHE: 'true' })).toEqual({ health: { readiness: { cache: true } } });
    expect(resolvePerformanceOptions({}).health.readiness).toEqual({ cache: false, eventLoop: false });
  });

  it('turns the status endpoint off with STATUS_ENDPOINT=false', () => {
    expect(performanceOptionsFromEnv({ STATUS_ENDPOINT: 'false' })).toEqual({ status: { endpoint: false } });
  });

  it('names every malformed variable, its value and its option, in the one start-up error of option validation', () => {
    const options = performanceOptionsFromEnv({
      PERFORMANCE_MONITORING_ENABLED: 'maybe',
      CACHE_TTL: 'five',
      CACHE_MAX_SIZE: '10',
      THRESHOLD_P95_MS: '{p95',
      ALERT_SMTP_URL: 'smtp://mail.example.com',
    });
    expect(() => resolvePerformanceOptions(options)).toThrow(
      'PERF_ERR_INVALID_ENV: Invalid nestjs-performance environment variables:\n' +
        '  - PERFORMANCE_MONITORING_ENABLED="maybe": expected true/false (or 1/0, yes/no, on/off) (for enabled)\n' +
        '  - THRESHOLD_P95_MS="{p95": expected JSON such as {"good":300,"critical":800}, or false (for thresholds.p95Ms)\n' +
        '  - ALERT_SMTP_URL is set: ALERT_EMAIL_FROM and ALERT_EMAIL_TO are needed too (for alerts.notifiers.email)\n' +
        '  - CACHE_TTL="five": expected a number (for cache.ttl)',
    );
  });

  it('lists malformed variables with the other bad options, and lets an option the app sets replace its variable', () => {
    const fromEnv = performanceOptionsFromEnv({ CACHE_TTL: 'abc', METRICS_ENDPOINT: 'metrics' });
    expect(() => resolvePerformanceOptions(fromEnv)).toThrow(
      'PERF_ERR_INVALID_OPTIONS: Invalid nestjs-performance options:\n' +
        '  - CACHE_TTL="abc": expected a number (for cache.ttl)\n' +
        '  - metrics.endpoint: must be a path starting with "/" (letters, digits, . _ ~ - /) (got "metrics")',
    );
    const fixed = resolvePerformanceOptions({ ...fromEnv, cache: { ...fromEnv.cache, ttl: 60 }, metrics: { endpoint: '/metrics' } });
    expect(fixed.cache.ttl).toBe(60);
  });

  it('passes well-formed but out-of-range values on to option validation, which names them', () => {
    const options = performanceOptionsFromEnv({ CACHE_TTL: '-1' });
    expect(() => resolvePerformanceOptions(options)).toThrow('cache.ttl: Too small: expected number to be >=0 (got -1)');
  });
});

describe('every variable of the configuration table', () => {
  const SAMPLE = { boolean: 'on', number: '7', string: 'x', 'string-or-false': 'off', list: 'a, b', json: '{}' } as const;
  const PARSED = { boolean: true, number: 7, string: 'x', 'string-or-false': false, list: ['a', 'b'], json: {} } as const;
  const options = [...definedOptions(performanceOptionsSchema), ...definedOptions(performanceExtrasSchema)].filter((o) => o.format);

  it.each(options.map((o) => [envNames(o.definition)[0]!, o.path, o.format!] as const))('%s sets %s (%s)', (name, path, format) => {
    const fromEnv = performanceOptionsFromEnv({ [name]: SAMPLE[format] });
    const read = path.split('.').reduce<unknown>((section, key) => (section as Record<string, unknown> | undefined)?.[key], fromEnv);
    expect(read).toEqual(PARSED[format]);
  });
});
