import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { TrackJob } from 'nestjs-performance';
import { AnalyticsService, type AnalyticsOverview } from '../analytics/analytics.service';

/** Period of the analytics refresh, in ms. */
export const ANALYTICS_REFRESH_INTERVAL_MS = 60_000;

/**
 * Recomputes the analytics aggregates every minute in the background, so a
 * dashboard can show a recent overview without paying the slow scan itself.
 * Tracked as job `analytics-refresh` (its expected interval is the @Interval period).
 */
@Injectable()
export class AnalyticsRefreshJob {
  /** The overview of the latest successful refresh. */
  latest: AnalyticsOverview | null = null;

  constructor(private readonly analytics: AnalyticsService) {}

  @Interval('analytics-refresh', ANALYTICS_REFRESH_INTERVAL_MS)
  @TrackJob('analytics-refresh')
  async refresh(): Promise<void> {
    this.latest = await this.analytics.overview();
  }
}
