import { Inject, Injectable, Optional } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { JobMonitor, TrackJob } from 'nestjs-performance';
import { DataSource } from 'typeorm';
import { Document } from '../entities';

/** What one sync run did. */
export interface SearchIndexSyncResult {
  run: number;
  indexed: number;
  attempts: number;
}

/**
 * Pushes documents to a (simulated) external search index every ten
 * minutes: the job that fails now and then. The index is flaky in a fixed
 * pattern so tests and demos can predict it: of every three runs the first
 * succeeds, the second succeeds after one retry, the third fails both attempts.
 */
@Injectable()
export class SearchIndexSyncJob {
  private runs = 0;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(JobMonitor) private readonly jobs?: JobMonitor | null,
  ) {}

  @Cron(CronExpression.EVERY_10_MINUTES, { name: 'search-index-sync' })
  @TrackJob('search-index-sync')
  async sync(): Promise<SearchIndexSyncResult> {
    const run = ++this.runs;
    const indexed = await this.dataSource.getRepository(Document).count();
    for (let attempt = 1; ; attempt++) {
      const indexUp = run % 3 === 1 || (run % 3 === 2 && attempt === 2);
      if (indexUp) return { run, indexed, attempts: attempt };
      const error = new Error(`search index unavailable (run ${run}, attempt ${attempt})`);
      if (attempt === 2) throw error;
      this.jobs?.recordRetry('search-index-sync', error);
    }
  }
}
