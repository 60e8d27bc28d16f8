import { Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { PerformanceError } from './core/performance-errors';
import { PerformanceModule } from './performance.module';
import { performanceOptionsFromEnv } from './core/options/env.options';
import type { PerformanceModuleOptions } from './core/options/performance.options';
import { resolvePerformanceOptions } from './core/options/resolved.options';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PerformanceError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

/** Every secret used below: none may appear in an error or a log line. */
const SECRETS = ['short', 'hunter2', 'sm7p-pa55', 'tok-abc123', 'hd-sekret-99', 'xoxb-1234abcd'];

function expectNoSecret(text: string): void {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

/** Options with a secret in each place one can go, each also wrong in some way. */
const BAD_WITH_SECRETS = {
  admin: { token: 'short' },
  cache: { redis: { url: 'http://default:hunter2@cache.internal:6379' } },
  alerts: {
    notifiers: {
      webhooks: [{ url: 'ftp://hooks.example.com/in?token=tok-abc123', headers: { Authorization: 42 as unknown as string } }],
      slack: [{ url: 'https://hooks.slack.com/services/T0/B0/xoxb-1234abcd?x', extra: 1 } as never],
      email: { smtpUrl: 'smtpx://alerts:sm7p-pa55@mail.example.com:587', from: 'perf@example.com', to: [] },
    },
  },
} satisfies PerformanceModuleOptions;

describe('option errors never show a secret', () => {
  it('names every bad option with its value masked or left out', () => {
    const message = messageOf(() => resolvePerformanceOptions(BAD_WITH_SECRETS));
    expectNoSecret(message);
    const lines = message
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/^\s+- /, ''));
    expect(lines).toEqual([
      'alerts.notifiers.webhooks.0.url: must be an http(s) URL (got "ftp://hooks.example.com/in?token=***")',
      'alerts.notifiers.webhooks.0.headers.Authorization: Invalid input: expected string, received number (got a number, not shown)',
      'alerts.notifiers.slack.0: unknown option "extra" (known: url)',
      'alerts.notifiers.email.smtpUrl: must be an smtp:// or smtps:// URL (got "smtpx://alerts:***@mail.example.com:587")',
      'alerts.notifiers.email.to: Too small: expected array to have >=1 items (got [])',
      'cache.redis.url: must be a redis:// or rediss:// URL (got "http://default:***@cache.internal:6379")',
      'admin.token: must be at least 16 characters (got 5 characters, not shown)',
    ]);
  });

  it('refuses a webhook URL with credentials (fetch would refuse every delivery) without showing them', () => {
    const message = messageOf(() =>
      resolvePerformanceOptions({ alerts: { notifiers: { webhooks: [{ url: 'https://alerts:hunter2@hooks.example.com/in' }] } } }),
    );
    expectNoSecret(message);
    expect(message).toContain('alerts.notifiers.webhooks.0.url: must not carry a user name or password: send credentials in `headers` (e.g. Authorization)');
  });

  it('masks secrets inside a whole section shown as the value', () => {
    const message = messageOf(() => resolvePerformanceOptions({ cache: { redis: ['redis://u:hunter2@cache:6379'] as never } }));
    expectNoSecret(message);
    expect(message).toContain('cache.redis: Invalid input: expected object, received array (got ["redis://u:***@cache:6379"])');
  });

  it('never quotes a secret variable or the password of a URL variable', () => {
    const message = messageOf(() =>
      resolvePerformanceOptions(
        performanceOptionsFromEnv({
          PERFORMANCE_ADMIN_TOKEN: 'short',
          REDIS_URL: 'http://default:hunter2@cache.internal:6379',
          ALERT_WEBHOOK_URL: 'ftp://hooks.example.com/in?token=tok-abc123',
          ALERT_SMTP_URL: 'smtp://alerts:sm7p-pa55@mail.example.com:587',
          ALERT_EMAIL_FROM: 'perf@example.com',
          ALERT_EMAIL_TO: 'ops@example.com',
          CACHE_TTL: 'abc',
          METRICS_ENABLED: 'redis://u:hunter2@x',
        }),
      ),
    );
    expectNoSecret(message);
    expect(message).toContain('METRICS_ENABLED="redis://u:***@x": expected true/false');
    expect(message).toContain('admin.token: must be at least 16 characters (got 5 characters, not shown)');
  });
});

describe('option errors name what is allowed', () => {
  it('lists the alternatives of a choice', () => {
    const message = messageOf(() => resolvePerformanceOptions({ cache: { store: 'memcached' as never }, tracing: { cacheLookups: 'logs' as never } }));
    const lines = message
      .split('\n')
      .slice(1)
      .map((l) => l.replace(/^\s+- /, ''));
    expect(lines).toEqual([
      "cache.store: must be 'memory', 'redis', 'two-tier' or an object implementing CacheStore (got \"memcached\")",
      'tracing.cacheLookups: must be one of "events", "spans", false (got "logs")',
    ]);
  });

  it('names the problem inside the branch of a choice that the value was meant for', () => {
    const message = messageOf(() => resolvePerformanceOptions({ headers: { 'X-Cache': 'yes' as never } }));
    expect(message).toContain('headers.X-Cache: Invalid input: expected boolean, received string (got "yes")');
  });
});

describe('a malformed variable at start-up', () => {
  it('stops the app with an error that Nest logs, naming the variable and masking secrets', async () => {
    const logged: string[] = [];
    const capture = (...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : String(a))).join(' '));
    const logger: LoggerService = { log: capture, error: capture, warn: capture, debug: capture, verbose: capture, fatal: capture };
    const env = {
      CACHE_TTL: 'abc',
      PERFORMANCE_ADMIN_TOKEN: 'short',
      REDIS_URL: 'http://default:hunter2@cache:6379',
      PERFORMANCE_ADMIN_PATH: 'ops perf',
    };
    // What an app writes: the variables are read when its module is declared, before Nest runs.
    @Module({ imports: [PerformanceModule.forRoot(performanceOptionsFromEnv(env))] })
    class AppModule {}
    const failed = await NestFactory.createApplicationContext(AppModule, { logger, abortOnError: false }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failed).toBeInstanceOf(PerformanceError);
    expect(failed!.message).toContain('CACHE_TTL="abc": expected a number (for cache.ttl)');
    const text = logged.join('\n');
    expect(text).toContain('CACHE_TTL="abc": expected a number (for cache.ttl)');
    expect(text).toContain('cache.redis.url: must be a redis:// or rediss:// URL (got "http://default:***@cache:6379")');
    expect(text).toContain('adminPath: must be a route path of letters, digits, . _ ~ - and / (got "ops perf")');
    expectNoSecret(text);
    expectNoSecret(failed!.message);
  });
});
