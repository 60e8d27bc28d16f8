import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { describe, expect, it } from 'vitest';
import { PerformanceModule, type PerformanceModuleOptions } from 'nestjs-performance';
import { PERFORMANCE_OPTIONS } from '../libs/performance/src/core/options/options-token';
import type { ResolvedPerformanceOptions } from '../libs/performance/src/core/options/resolved.options';
import { ADAPTERS, startApp } from './support/http-app';

@Controller('ping')
class PingController {
  @Get()
  ping() {
    return 'pong';
  }
}

@Injectable()
class PerformanceConfig {
  create(): PerformanceModuleOptions {
    return { headers: { 'X-Memory-Usage': false }, instanceId: 'from-config' };
  }
}

@Module({ providers: [PerformanceConfig], exports: [PerformanceConfig] })
class ConfigModule {}

const registrations = {
  forRoot: () => PerformanceModule.forRoot({ headers: { 'X-Memory-Usage': false }, instanceId: 'from-config' }),
  'forRootAsync useFactory': () =>
    PerformanceModule.forRootAsync({
      imports: [ConfigModule],
      inject: [PerformanceConfig],
      useFactory: async (config: PerformanceConfig) => config.create(),
    }),
  'forRootAsync useClass': () =>
    PerformanceModule.forRootAsync({
      useClass: class implements Pick<PerformanceConfig, 'create'> {
        create() {
          return new PerformanceConfig().create();
        }
      },
    }),
  'forRootAsync useExisting': () => PerformanceModule.forRootAsync({ imports: [ConfigModule], useExisting: PerformanceConfig }),
};

describe.each(Object.keys(registrations) as (keyof typeof registrations)[])('PerformanceModule.%s', (how) => {
  it('validates the options, injects them, and writes the headers', async () => {
    @Module({ imports: [registrations[how]()], controllers: [PingController] })
    class AppModule {}
    const running = await startApp(AppModule, 'express');
    try {
      const options = running.app.get<ResolvedPerformanceOptions>(PERFORMANCE_OPTIONS);
      expect(options.instanceId).toBe('from-config');
      expect(options.headers['X-Memory-Usage']).toBe(false);
      const res = await fetch(`${running.url}/ping`);
      expect(await res.text()).toBe('pong');
      expect(res.headers.get('x-response-time')).toMatch(/ms$/);
      expect(res.headers.get('x-memory-usage')).toBeNull();
    } finally {
      await running.close();
    }
  });
});

describe('invalid options', () => {
  it('stop the app at start-up with an error naming the option and value', async () => {
    @Module({ imports: [PerformanceModule.forRoot({ cache: { ttl: -1 } })] })
    class BadModule {}
    await expect(Test.createTestingModule({ imports: [BadModule] }).compile()).rejects.toThrow('cache.ttl: Too small: expected number to be >=0 (got -1)');
  });

  it('from forRootAsync too', async () => {
    @Module({
      imports: [PerformanceModule.forRootAsync({ useFactory: () => ({ monitoring: { collectionIntervalSeconds: -3 } }) })],
    })
    class BadAsyncModule {}
    await expect(Test.createTestingModule({ imports: [BadAsyncModule] }).compile()).rejects.toThrow(
      'monitoring.collectionIntervalSeconds: Too small: expected number to be >=1 (got -3)',
    );
  });

  it('report a malformed adminPath at start-up, with the other problems in one error', async () => {
    @Module({ imports: [PerformanceModule.forRoot({ adminPath: 'a b', cache: { ttl: -1 } })] })
    class BadPathModule {}
    await expect(Test.createTestingModule({ imports: [BadPathModule] }).compile()).rejects.toThrow(
      'cache.ttl: Too small: expected number to be >=0 (got -1)\n  - adminPath: must be a route path of letters, digits, . _ ~ - and / (got "a b")',
    );
    @Module({ imports: [PerformanceModule.forRootAsync({ useFactory: () => ({}), adminPath: '/ops//x/' })] })
    class BadAsyncPathModule {}
    await expect(Test.createTestingModule({ imports: [BadAsyncPathModule] }).compile()).rejects.toThrow(
      'adminPath: must be a route path of letters, digits, . _ ~ - and / (got "/ops//x/")',
    );
  });
});

describe.each(ADAPTERS)('the admin path on %s', (adapter) => {
  it('mounts the admin API where adminPath says, slashes trimmed', async () => {
    const token = 'a-token-of-sixteen-chars';
    @Module({ imports: [PerformanceModule.forRoot({ adminPath: '/ops/perf/', admin: { token } })] })
    class AppModule {}
    const running = await startApp(AppModule, adapter);
    try {
      const headers = { authorization: `Bearer ${token}` };
      expect((await fetch(`${running.url}/ops/perf/cache-stats`, { headers })).status).toBe(200);
      expect((await fetch(`${running.url}/performance/cache-stats`, { headers })).status).toBe(404);
    } finally {
      await running.close();
    }
  });
});

describe.each(ADAPTERS)('the public status endpoint on %s', (adapter) => {
  it('answers at the root with uptime, version, instance id and status only', async () => {
    @Module({ imports: [PerformanceModule.forRoot({ instanceId: 'web-7', appVersion: '9.9.9' })] })
    class AppModule {}
    const running = await startApp(AppModule, adapter, (app) => {
      app.setGlobalPrefix('api/v1');
    });
    try {
      const res = await fetch(`${running.url}/status`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(['instanceId', 'startedAt', 'status', 'uptimeSeconds', 'version']);
      expect(body).toMatchObject({ status: 'ok', version: '9.9.9', instanceId: 'web-7' });
      expect(res.headers.get('x-request-id')).toBeTruthy();
    } finally {
      await running.close();
    }
  });

  it('moves with STATUS_ENDPOINT and disappears when set to false', async () => {
    @Module({ imports: [PerformanceModule.forRoot({ status: { endpoint: '/info' } })] })
    class MovedModule {}
    @Module({ imports: [PerformanceModule.forRoot({ status: { endpoint: false } })] })
    class OffModule {}
    const moved = await startApp(MovedModule, adapter);
    const off = await startApp(OffModule, adapter);
    try {
      expect((await fetch(`${moved.url}/info`)).status).toBe(200);
      expect((await fetch(`${moved.url}/status`)).status).toBe(404);
      expect((await fetch(`${off.url}/status`)).status).toBe(404);
    } finally {
      await moved.close();
      await off.close();
    }
  });
});
