import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PERFORMANCE_OPTIONS } from '../performance.constants';
import type { ResolvedPerformanceOptions } from '../options/performance-options.schema';

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
  ) {}

  /** The status now. */
  read(): StatusBody {
    return {
      status: 'ok',
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
    adapter.get(path, (_req: unknown, res: unknown) => {
      adapter.setHeader(res, 'Cache-Control', 'no-store');
      adapter.reply(res, this.read(), 200);
    });
  }
}
