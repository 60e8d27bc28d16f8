import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { HealthChecks } from './health-checks.service';

/** Body of the public status endpoint: nothing an anonymous caller should not see. */
export interface StatusBody {
  status: 'ok' | 'degraded' | 'unhealthy';
  version: string;
  instanceId: string;
  startedAt: string;
  uptimeSeconds: number;
}

/**
 * Mounts `GET /status` (STATUS_ENDPOINT) on the HTTP server at the root,
 * outside any global prefix, where status pages expect it.
 */
@Injectable()
export class StatusEndpoint implements OnModuleInit {
  private readonly startedAt = new Date();

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(HealthChecks) private readonly checks?: HealthChecks | null,
  ) {}

  private status: StatusBody['status'] = 'ok';

  /**
   * The status as of the last health check: `ok` when every indicator is up,
   * `unhealthy` when one that liveness or readiness checks is down (database,
   * pool, HTTP dependency, event loop; the cache store with
   * `health.readiness.cache`), `degraded` when only others are (the cache
   * store by default, memory, disk, alert notifiers, span export). Always
   * `ok` when health is off.
   */
  read(): StatusBody {
    return {
      status: this.status,
      version: this.options.appVersion,
      instanceId: this.options.instanceId,
      startedAt: this.startedAt.toISOString(),
      uptimeSeconds: Math.round(process.uptime()),
    };
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    const path = this.options.status.endpoint;
    if (!this.options.enabled || !adapter || path === false) return;
    adapter.get(path, async (_req: unknown, res: unknown) => {
      adapter.setHeader(res, 'Cache-Control', 'no-store');
      await this.refresh();
      adapter.reply(res, this.read(), 200);
    });
  }

  /** Derives the status from the health checks (fails open: a check that cannot run leaves it as it was). */
  async refresh(): Promise<void> {
    if (!this.checks) return;
    try {
      const report = await this.checks.check('all');
      this.status = report.status === 'error' ? 'unhealthy' : report.status;
    } catch {
      // keep the last known status
    }
  }
}
