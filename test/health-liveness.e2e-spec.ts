import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { ADAPTERS, type RunningApp, startApp } from './support/http-app';

/** Keeps the event loop busy with synchronous work for `ms`: nothing else runs meanwhile (timers, sockets, probes). */
function blockLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy on purpose
  }
}

async function probe(running: RunningApp, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(running.url + path);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(ADAPTERS)('liveness on %s', (adapter) => {
  describe('after a busy spell shorter than the window', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(observabilityFixture({ health: { liveness: { lagSeconds: 3 }, readiness: { eventLoop: true } } }), adapter);
    });
    afterAll(() => running?.close());

    it('/health/live stays 200 while /health/ready sheds load', async () => {
      expect((await probe(running, '/health/live')).status).toBe(200);
      blockLoop(1500);
      const live = await probe(running, '/health/live');
      const ready = await probe(running, '/health/ready');
      expect(live).toEqual({ status: 200, body: { status: 'ok', info: { event_loop: { status: 'up' } }, error: {} } });
      expect(ready).toMatchObject({ status: 503, body: { status: 'error', error: { event_loop: { status: 'down' } } } });
      // Once the loop is free again, readiness comes back on its own.
      await vi.waitFor(async () => expect((await probe(running, '/health/ready')).status).toBe(200), { timeout: 5000, interval: 200 });
    });
  });

  describe('when the loop stays blocked longer than the window', () => {
    let running: RunningApp;
    beforeAll(async () => {
      running = await startApp(observabilityFixture({ health: { liveness: { lagSeconds: 1 } } }), adapter);
    });
    afterAll(() => running?.close());

    it('/health/live answers 503, then 200 once the loop runs freely again', async () => {
      expect((await probe(running, '/health/live')).status).toBe(200);
      blockLoop(2500);
      expect(await probe(running, '/health/live')).toEqual({ status: 503, body: { status: 'error', info: {}, error: { event_loop: { status: 'down' } } } });
      await vi.waitFor(async () => expect((await probe(running, '/health/live')).status).toBe(200), { timeout: 5000, interval: 200 });
    });
  });
});
