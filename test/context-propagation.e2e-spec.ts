import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RequestContext } from 'nestjs-performance';
import { headersFixture } from './fixtures/headers-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

/**
 * The request context is carried through a request's asynchronous work
 * (AsyncLocalStorage) only once something asks for it: on Node 20 a storage in
 * use hooks every promise of the process. The module's defaults without
 * TypeORM, tracing or @Cached do not need it; the headers still carry the id.
 * This file runs in its own module graph, so the switch starts off here.
 */
describe('request context propagation on demand', () => {
  const running: Partial<Record<(typeof ADAPTERS)[number], RunningApp>> = {};

  beforeAll(async () => {
    for (const adapter of ADAPTERS) running[adapter] = await startApp(headersFixture(), adapter);
  });
  afterAll(async () => {
    for (const app of Object.values(running)) await app?.close();
  });

  it('stays off while nothing reads the context, and every header is still written', async () => {
    for (const adapter of ADAPTERS) {
      for (const path of ['/fixture/ok', '/fixture/stream', '/no/such/route']) {
        const res = await fetch(running[adapter]!.url + path);
        await res.arrayBuffer();
        expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.headers.get('x-cache')).toBe('BYPASS');
      }
    }
    expect(RequestContext.enabled).toBe(false);
  });

  it('is carried across awaits and body parsing once enabled, request by request', async () => {
    RequestContext.enable();
    for (const adapter of ADAPTERS) {
      const url = running[adapter]!.url;
      const res = await fetch(`${url}/fixture/delay/a?ms=5`);
      const body = (await res.json()) as { before: { requestId?: string }; after: { requestId?: string } };
      expect(body.before.requestId).toBe(res.headers.get('x-request-id'));
      expect(body.after.requestId).toBe(res.headers.get('x-request-id'));
      const posted = await fetch(`${url}/fixture/echo/b`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': `echo-${adapter}` },
        body: JSON.stringify({ ms: 5 }),
      });
      expect(((await posted.json()) as { requestId?: string }).requestId).toBe(`echo-${adapter}`);
    }
  });
});
