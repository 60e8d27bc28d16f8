import { type CanActivate, Controller, type ExecutionContext, Get, Injectable, Module, UseGuards } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { PerformanceModule, type PerformanceModuleOptions } from 'nestjs-performance';
import { AdminAuthGuard } from '../libs/performance/src/admin/admin-auth.guard';
import { ADAPTERS, startApp } from './support/http-app';

@Controller('secret')
@UseGuards(AdminAuthGuard)
class SecretController {
  @Get()
  secret() {
    return { secret: 42 };
  }
}

@Injectable()
class HeaderGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-ops'] === 'yes';
  }
}

function appWith(options: PerformanceModuleOptions) {
  @Module({ imports: [PerformanceModule.forRoot(options)], controllers: [SecretController] })
  class AppModule {}
  return AppModule;
}

const TOKEN = 'a-very-secret-admin-token';

describe.each(ADAPTERS)('admin credential on %s', (adapter) => {
  it('hides admin routes (404) when neither a token nor a guard is configured', async () => {
    const running = await startApp(appWith({}), adapter);
    try {
      const res = await fetch(`${running.url}/secret`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(res.status).toBe(404);
    } finally {
      await running.close();
    }
  });

  it('admits only the exact bearer token', async () => {
    const running = await startApp(appWith({ admin: { token: TOKEN } }), adapter);
    try {
      const status = async (headers: Record<string, string>) => (await fetch(`${running.url}/secret`, { headers })).status;
      expect(await status({})).toBe(401);
      expect(await status({ authorization: 'Bearer wrong-token-of-some-length' })).toBe(401);
      expect(await status({ authorization: `Bearer ${TOKEN}x` })).toBe(401);
      expect(await status({ authorization: TOKEN })).toBe(401);
      expect(await status({ authorization: `Basic ${TOKEN}` })).toBe(401);
      const ok = await fetch(`${running.url}/secret`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ secret: 42 });
      const unauthorized = await fetch(`${running.url}/secret`);
      expect(JSON.stringify(await unauthorized.json())).not.toContain('42');
    } finally {
      await running.close();
    }
  });

  it("lets the app's own guard decide", async () => {
    const running = await startApp(appWith({ admin: { guard: HeaderGuard } }), adapter);
    try {
      expect((await fetch(`${running.url}/secret`)).status).toBe(401);
      expect((await fetch(`${running.url}/secret`, { headers: { 'x-ops': 'yes' } })).status).toBe(200);
    } finally {
      await running.close();
    }
  });
});
