import { type CanActivate, type ExecutionContext, Injectable, Module } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PerformanceModule } from 'nestjs-performance';
import { ADMIN_CONTRACT } from '../libs/performance/src/admin/admin-contract';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

/** The app's own admin check: a header set by its SSO proxy. */
@Injectable()
class OpsHeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>().headers['x-ops'] === 'yes';
  }
}

@Module({ imports: [PerformanceModule.forRoot({ admin: { guard: OpsHeaderGuard }, metrics: { enabled: false } })] })
class GuardOnlyApp {}

describe.each(ADAPTERS)('admin API with only admin.guard configured (%s)', (adapter) => {
  let running: RunningApp;
  let admin: string;

  beforeAll(async () => {
    running = await startApp(GuardOnlyApp, adapter);
    admin = `${running.url}/performance`;
  });
  afterAll(() => running?.close());

  it('GET dashboard JSON is admitted by the app guard, like the other admin endpoints', async () => {
    for (const path of ['dashboard', 'kpis']) {
      const ok = await fetch(`${admin}/${path}`, { headers: { 'x-ops': 'yes', accept: 'application/json' } });
      expect([path, ok.status]).toEqual([path, 200]);
      const refused = await fetch(`${admin}/${path}`, { headers: { accept: 'application/json' } });
      expect([path, refused.status]).toEqual([path, 401]);
      expect(await refused.text()).not.toMatch(/current_metrics|kpis"/);
    }
    const body = (await (await fetch(`${admin}/dashboard`, { headers: { 'x-ops': 'yes' } })).json()) as Record<string, unknown>;
    // The dashboard's JSON as the admin contract declares it: every declared field, each of its declared type.
    const declared = ADMIN_CONTRACT['get dashboard'];
    expect(declared.safeParse(body).error?.issues ?? []).toEqual([]);
    expect(Object.keys(body)).toEqual(expect.arrayContaining(Object.keys(declared.shape)));
  });

  it('a bearer header is no credential when no token is configured', async () => {
    const res = await fetch(`${admin}/dashboard`, { headers: { authorization: 'Bearer anything-at-all-here', accept: 'application/json' } });
    expect(res.status).toBe(401);
  });

  it('the HTML shell still needs no credential', async () => {
    const res = await fetch(`${admin}/dashboard`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
  });
});
