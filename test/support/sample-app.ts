import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { createSampleApp, type CreateSampleAppOptions } from '../../apps/sample/src/sample-app';
import type { AdapterName } from './http-app';

export const SAMPLE_ADMIN_TOKEN = 'sample-admin-token-for-tests';

export interface RunningSample {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` (no prefix) */
  url: string;
  /** `http://127.0.0.1:<port>/api/v1` */
  api: string;
  /** Headers that carry the admin credential. */
  admin: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Starts the sample app on a real port. Defaults: in-memory SQLite seeded
 * with the full 10,000 documents, a fixed admin token, silent logs.
 */
export async function startSample(adapter: AdapterName, options: CreateSampleAppOptions = {}): Promise<RunningSample> {
  const { app } = await createSampleApp({
    adapter,
    databaseUrl: 'sqlite::memory:',
    adminToken: SAMPLE_ADMIN_TOKEN,
    logger: false,
    env: {},
    ...options,
  });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    api: `${url}/api/v1`,
    admin: { authorization: `Bearer ${options.adminToken ?? SAMPLE_ADMIN_TOKEN}` },
    close: () => app.close(),
  };
}
