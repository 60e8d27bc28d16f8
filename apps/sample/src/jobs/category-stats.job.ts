import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { TrackJob } from 'nestjs-performance';
import { DataSource } from 'typeorm';
import { Document } from '../entities';

/** Documents read per chunk by {@link CategoryStatsJob}. */
const CHUNK = 500;
/** Pause between two chunks, in ms: the job leaves the database to the requests. */
const PAUSE_MS = 25;

/**
 * Recounts the documents per category, 500 at a time with a pause between
 * chunks (well under a second on the seeded 10,000). No schedule: an operator
 * starts it on demand with `POST /api/v1/performance/jobs/category-stats/run`,
 * and it is tracked as job `category-stats` like the scheduled ones.
 */
@Injectable()
export class CategoryStatsJob {
  /** Documents per category, from the latest finished run. */
  latest: Record<string, number> | null = null;

  constructor(private readonly dataSource: DataSource) {}

  @TrackJob('category-stats', { runnable: true })
  async recount(): Promise<Record<string, number>> {
    const documents = this.dataSource.getRepository(Document);
    const counts: Record<string, number> = {};
    for (let after = 0; ;) {
      const chunk = await documents
        .createQueryBuilder('d')
        .select(['d.id', 'd.category'])
        .where('d.id > :after', { after })
        .orderBy('d.id', 'ASC')
        .limit(CHUNK)
        .getMany();
      for (const doc of chunk) counts[doc.category] = (counts[doc.category] ?? 0) + 1;
      if (chunk.length < CHUNK) break;
      after = chunk[chunk.length - 1]!.id;
      await sleep(PAUSE_MS);
    }
    this.latest = counts;
    return counts;
  }
}
