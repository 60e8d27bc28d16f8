import { Inject, Injectable, Logger, type OnModuleInit, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminCredential } from '../core/admin-credential';
import { PERFORMANCE_OPTIONS } from '../core/options/options-token';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import { PerformanceMetrics } from './performance-metrics.service';

interface RawRequest {
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * Mounts `GET /metrics` (METRICS_ENDPOINT) at the server root, outside any
 * global prefix, where Prometheus expects it. With `metrics.requireAdmin`
 * it answers 401 to a caller without the admin token.
 */
@Injectable()
export class MetricsEndpoint implements OnModuleInit {
  private readonly logger = new Logger('nestjs-performance');

  constructor(
    @Inject(PERFORMANCE_OPTIONS) private readonly options: ResolvedPerformanceOptions,
    @Optional() @Inject(PerformanceMetrics) private readonly metrics: PerformanceMetrics | null,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    const metrics = this.metrics;
    if (!adapter || !metrics) return;
    const auth = this.options.metrics.requireAdmin ? new AdminCredential(this.options.admin.token) : undefined;
    adapter.get(this.options.metrics.endpoint, async (req: RawRequest, res: unknown) => {
      adapter.setHeader(res, 'Cache-Control', 'no-store');
      if (auth && !auth.verifyAuthorization(req.headers.authorization)) {
        adapter.setHeader(res, 'WWW-Authenticate', 'Bearer');
        adapter.reply(res, { statusCode: 401, message: 'metrics need "Authorization: Bearer <admin token>"' }, 401);
        return;
      }
      try {
        const text = await metrics.scrape();
        adapter.setHeader(res, 'Content-Type', metrics.contentType);
        adapter.reply(res, text, 200);
      } catch (error) {
        this.logger.warn(`could not collect metrics: ${(error as Error).message}`);
        adapter.reply(res, { statusCode: 500, message: 'could not collect metrics' }, 500);
      }
    });
  }
}
