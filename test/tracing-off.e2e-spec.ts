import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { observabilityFixture } from './fixtures/observability-fixture.module';
import { startApp } from './support/http-app';

const loaded = (pkg: string) => Object.keys(createRequire(__filename).cache).some((file) => file.includes(`/node_modules/${pkg}/`));

/**
 * A feature that is off loads nothing. This file runs in its own process
 * (vitest forks per file) and imports no OpenTelemetry package itself.
 */
describe('tracing switched off', () => {
  it('keeps @opentelemetry/api out of require.cache, and loads it once tracing is on', async () => {
    const off = await startApp(observabilityFixture({ metrics: { enabled: false }, health: { enabled: false } }), 'express');
    try {
      await (await fetch(`${off.url}/obs/ok`)).arrayBuffer();
      expect([loaded('@opentelemetry/api'), loaded('prom-client'), loaded('@nestjs/terminus')]).toEqual([false, false, false]);
    } finally {
      await off.close();
    }
    const on = await startApp(observabilityFixture({ tracing: { enabled: true } }), 'express');
    await on.close();
    expect([loaded('@opentelemetry/api'), loaded('prom-client'), loaded('@nestjs/terminus')]).toEqual([true, true, true]);
  });
});
