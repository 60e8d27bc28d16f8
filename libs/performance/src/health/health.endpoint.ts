import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminCredential } from '../core/admin-credential';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { HealthChecks, type HealthProbe, type HealthReport } from './health-checks.service';

interface RawRequest {
  readonly headers: Record<string, string | string[] | undefined>;
}

/** What an anonymous caller sees: each indicator's status, nothing else (no messages, hosts or sizes). */
export function redactHealthReport(report: HealthReport): Pick<HealthReport, 'status' | 'info' | 'error'> {
  const statusOnly = (group: HealthReport['info']) => Object.fromEntries(Object.entries(group).map(([key, value]) => [key, { status: value.status }]));
  return { status: report.status, info: statusOnly(report.info), error: statusOnly(report.error) };
}

/**
 * Mounts `/health`, `/health/live` and `/health/ready` (HEALTH_ENDPOINT) at
 * the server root, outside any global prefix, where probes expect them.
 * 200 when the report is `ok` or `degraded` (only checks outside the probes
 * are down, such as the cache store), 503 when it is `error`; indicators that
 * are down are under `error` either way. Messages and inputs only for a
 * caller with the admin token.
 */
@Injectable()
export class HealthEndpoint implements OnModuleInit {
  private readonly logger = new Logger('nestjs-performance');

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(HealthChecks) private readonly checks: HealthChecks | null,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    const checks = this.checks;
    if (!adapter || !checks) return;
    const auth = new AdminCredential(this.options.admin.token);
    const base = this.options.health.endpoint.replace(/\/+$/, '');
    const routes: [string, HealthProbe][] = [
      [base || '/', 'all'],
      [`${base}/live`, 'live'],
      [`${base}/ready`, 'ready'],
    ];
    for (const [path, probe] of routes) {
      adapter.get(path, async (req: RawRequest, res: unknown) => {
        adapter.setHeader(res, 'Cache-Control', 'no-store');
        try {
          const report = await checks.check(probe);
          const body = auth.verifyAuthorization(req.headers.authorization) ? report : redactHealthReport(report);
          adapter.reply(res, body, report.status === 'error' ? 503 : 200);
        } catch (error) {
          this.logger.warn(`health check failed to run: ${(error as Error).message}`);
          adapter.reply(res, { status: 'error' }, 503);
        }
      });
    }
  }
}
