import type { AddressInfo } from 'node:net';
import type { INestApplication, Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

/** The two HTTP adapters every HTTP suite runs on. */
export const ADAPTERS = ['express', 'fastify'] as const;
export type AdapterName = (typeof ADAPTERS)[number];

export interface RunningApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

export function createAdapter(adapter: AdapterName) {
  return adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter();
}

/**
 * Starts `rootModule` on a real HTTP port with the chosen adapter, so tests
 * see exactly what a client sees (headers included).
 */
export async function startApp(rootModule: Type<unknown>, adapter: AdapterName, setup?: (app: INestApplication) => void | Promise<void>): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({ imports: [rootModule] }).compile();
  const app = moduleRef.createNestApplication(createAdapter(adapter), { logger: false });
  await setup?.(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
