import type { OnApplicationBootstrap } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import type { ResolvedPerformanceOptions } from '../core/options/resolved.options';
import type { RequestStats } from './request-stats.service';

/**
 * Keeps the module's own endpoints out of the sampler's figures: the admin
 * API below the global prefix, and `/metrics`, `/health*` and `/status` at
 * the root. A dashboard refreshing every few seconds or a probe every second
 * would otherwise be most of a quiet app's traffic and set its KPIs.
 * Prometheus HTTP metrics still count them, as scrapers expect.
 * Resolved at bootstrap, when the app has set its global prefix.
 */
export class ObservabilityTrafficFilter implements OnApplicationBootstrap {
  constructor(
    private readonly adminPath: string,
    private readonly stats: RequestStats,
    private readonly config: ApplicationConfig,
    private readonly options: ResolvedPerformanceOptions,
  ) {}

  /** The paths left out, admin API first. */
  paths(): string[] {
    const o = this.options;
    const admin = `/${[this.config.getGlobalPrefix(), this.adminPath].join('/')}`.replace(/\/{2,}/g, '/');
    const paths = [admin];
    if (o.metrics.enabled) paths.push(o.metrics.endpoint);
    if (o.health.enabled) paths.push(o.health.endpoint);
    if (o.status.endpoint !== false) paths.push(o.status.endpoint);
    return paths;
  }

  onApplicationBootstrap(): void {
    this.stats.ignorePaths(this.paths());
  }
}
