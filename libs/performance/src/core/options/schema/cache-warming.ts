import { z } from 'zod';
import type { CacheWarmingOptions } from '../cache-warming.options';
import { option, section, type Checked, type Frozen, type SameShape } from './option';

/** The `cacheWarming` section: checks, defaults, variables and docs of each option. */
export const cacheWarmingOptionsSchema = section({
  enabled: option(z.boolean(), { default: true, env: 'CACHE_WARMING_ENABLED', doc: 'fill and refresh `@WarmCache()` entries' }),
  concurrency: option(z.int().min(1).max(64), { default: 4, doc: 'entries filled at the same time (1 to 64)' }),
  refreshAheadPercent: option(z.number().min(1).max(90), { default: 10, doc: 'refresh when this share of the TTL is left (1 to 90)' }),
  awaitStartup: option(z.boolean(), { default: true, doc: 'fill before the app listens' }),
});

/** Cache warming options after validation and defaults. */
export type ResolvedCacheWarmingOptions = Frozen<z.output<typeof cacheWarmingOptionsSchema>>;

/** Compile-time: the schema takes exactly {@link CacheWarmingOptions}. */
export type CacheWarmingSchemaChecks = Checked<SameShape<z.input<typeof cacheWarmingOptionsSchema>, CacheWarmingOptions | undefined>>;
