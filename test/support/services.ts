import { connect } from 'node:net';
import { describe, it } from 'vitest';

/** The real services of this machine that suites talk to. */
export const SERVICE_URLS = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
} as const;

export type ServiceName = keyof typeof SERVICE_URLS | 'chromium' | 'pg_stat_statements';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function reachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether a service answers on this machine right now. */
export async function serviceAvailable(name: ServiceName): Promise<boolean> {
  if (name === 'pg_stat_statements') {
    const { pgStatStatementsPreloadedSync } = await import('../fixtures/database-services');
    return pgStatStatementsPreloadedSync();
  }
  if (name === 'chromium') {
    const { existsSync } = await import('node:fs');
    return existsSync(CHROMIUM);
  }
  return reachable(SERVICE_URLS[name]);
}

/**
 * `describe` for a suite that needs a real service. Where the service is
 * missing: under CI=true the suite fails (CI must never skip it); locally it
 * is skipped with one loud line that says what and why.
 *
 * @example
 * const postgres = await serviceAvailable('postgres');
 * describeWithService('postgres', postgres, 'query counting on PostgreSQL', () => { ... });
 */
export function describeWithService(service: ServiceName, available: boolean, title: string, body: () => void): void {
  if (available) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs ${service}, which is not available`, () => {
        throw new Error(`${service} is required under CI=true but is not available: start it (see .ci/run).`);
      });
    });
  } else {
    console.warn(`\n!!! SKIPPED "${title}": ${service} is not available on this machine (CI=true would fail instead).\n`);
    describe.skip(title, body);
  }
}
