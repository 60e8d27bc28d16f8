import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoolStatsSource } from 'nestjs-performance';
import { MetricsSampler } from '../libs/performance/src/monitor/metrics-sampler.service';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

const TOKEN = 'health-sources-admin-token-0123456789';

describe.each(ADAPTERS)('health and the sampler read the pool source the app registers in its own module (%s)', (adapter) => {
  let running: RunningApp;
  let busy = 10;

  beforeAll(async () => {
    running = await startApp(
      observabilityFixture(
        { admin: { token: TOKEN } },
        { providers: [{ provide: PoolStatsSource, useValue: { pools: () => [{ name: 'reporting', total: 10, idle: 10 - busy, waiting: 0, max: 10 }] } }] },
      ),
      adapter,
    );
  });
  afterAll(() => running?.close());

  it('a saturated app pool makes /health/ready 503 with the pool check down', async () => {
    busy = 10;
    const res = await fetch(`${running.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'error', error: { pool: { status: 'down' } } });
  });

  it("the sampler's pool utilization and health-overview see it too", async () => {
    busy = 7;
    expect((await running.app.get(MetricsSampler).collect()).poolUtilizationPercent).toBe(70);
    const res = await fetch(`${running.url}/performance/health-overview`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { checks: { details: Record<string, unknown> } };
    expect(body.checks.details.pool).toMatchObject({ status: 'up', pools: [{ name: 'reporting', busyPercent: 70, waiting: 0 }] });
  });
});
