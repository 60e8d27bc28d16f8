import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { PerformanceLogger } from 'nestjs-performance';
import { SampleAppModule } from './app.module';
import { readSampleConfig, type SampleConfig } from './config/sample-config';

/** The global prefix of every sample route; /metrics, /health* and /status stay at the root. */
export const GLOBAL_PREFIX = 'api/v1';

export interface CreateSampleAppOptions extends Partial<SampleConfig> {
  /** Nest logger: false for silence (tests), a LoggerService, or log levels. */
  logger?: false | LoggerService | LogLevel[];
  /** Environment read for everything not given here. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the sample app (not listening yet). Tests use it with
 * `databaseUrl: 'sqlite::memory:'` or a real PostgreSQL / MariaDB URL.
 */
export async function createSampleApp(options: CreateSampleAppOptions = {}): Promise<{ app: INestApplication; config: SampleConfig }> {
  const { logger, env = process.env, ...overrides } = options;
  const config: SampleConfig = { ...readSampleConfig(env), ...overrides };
  if (overrides.adminToken) config.adminTokenGenerated = false;
  const adapter = config.adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(SampleAppModule.forRoot(config, env), adapter, {
    logger: logger ?? new PerformanceLogger(),
    abortOnError: false,
  });
  app.setGlobalPrefix(GLOBAL_PREFIX);
  app.enableShutdownHooks();
  return { app, config };
}
