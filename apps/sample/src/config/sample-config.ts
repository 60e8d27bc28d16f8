import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export type AdapterName = 'express' | 'fastify';

/** Everything the sample app reads from its environment. */
export interface SampleConfig {
  /** PORT, default 3000. */
  port: number;
  /** ADAPTER: `express` (default) or `fastify`. */
  adapter: AdapterName;
  /** DATABASE_URL: `sqlite:<file>` (default), `sqlite::memory:`, `postgres://…`, `mysql://…`. */
  databaseUrl: string;
  /** REDIS_URL: enables the shared cache tier when set. */
  redisUrl: string | undefined;
  /** PERFORMANCE_ADMIN_TOKEN, or a generated one (then `adminTokenGenerated` is true). */
  adminToken: string;
  adminTokenGenerated: boolean;
  /** SEED_DOCUMENTS: how many demo documents a fresh database gets, default 10,000. */
  seedDocuments: number;
}

/** The default SQLite file, in the sample app's data folder (relative to the repository root, where npm start runs). */
export const DEFAULT_SQLITE_FILE = join('apps', 'sample', 'data', 'sample.sqlite');

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

/** Reads the sample app's configuration; a bad value stops it with a message naming the variable. */
export function readSampleConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const adapter = (env.ADAPTER ?? 'express').toLowerCase();
  if (adapter !== 'express' && adapter !== 'fastify') {
    throw new Error(`ADAPTER must be "express" or "fastify" (got ${JSON.stringify(env.ADAPTER)})`);
  }
  const token = env.PERFORMANCE_ADMIN_TOKEN?.trim();
  return {
    port: integer(env, 'PORT', 3000, 0, 65_535),
    adapter,
    databaseUrl: env.DATABASE_URL?.trim() || `sqlite:${DEFAULT_SQLITE_FILE}`,
    redisUrl: env.REDIS_URL?.trim() || undefined,
    adminToken: token || randomBytes(24).toString('base64url'),
    adminTokenGenerated: !token,
    seedDocuments: integer(env, 'SEED_DOCUMENTS', 10_000, 0, 1_000_000),
  };
}
