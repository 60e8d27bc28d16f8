import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { SAMPLE_ENTITIES } from '../entities';
import { MemoryQueryResultCache } from './memory-query-result-cache';

/** How long a `.cache(true)` query result is reused, in ms. */
export const QUERY_CACHE_DURATION_MS = 10_000;

/**
 * TypeORM options from a DATABASE_URL: `sqlite:<file>` or `sqlite::memory:`
 * (better-sqlite3), `postgres://…` / `postgresql://…`, `mysql://…` / `mariadb://…`.
 */
export function typeOrmOptionsFromUrl(url: string): TypeOrmModuleOptions {
  const common = {
    entities: SAMPLE_ENTITIES,
    synchronize: true,
    logging: false,
    // TypeORM's query result cache, used only by queries that ask for it (`.cache(true)`).
    cache: { duration: QUERY_CACHE_DURATION_MS, provider: () => new MemoryQueryResultCache() },
  } as const;
  if (url.startsWith('sqlite:')) {
    const database = url.slice('sqlite:'.length) || ':memory:';
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return { ...common, type: 'better-sqlite3', database };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    return { ...common, type: 'postgres', url, extra: { max: 10 } };
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    return { ...common, type: 'mysql', url: url.replace(/^mariadb:/, 'mysql:'), extra: { connectionLimit: 10 } };
  }
  throw new Error(`DATABASE_URL must start with sqlite:, postgres:// or mysql:// (got ${JSON.stringify(url.replace(/\/\/[^@]*@/, '//***@'))})`);
}
