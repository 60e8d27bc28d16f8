import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSampleApp } from '../apps/sample/src/sample-app';
import { ADAPTERS, type AdapterName } from './support/http-app';
import { SAMPLE_ADMIN_TOKEN } from './support/sample-app';

/**
 * Issue 10, item 4 (access): every admin route the app really mounted, read
 * from the HTTP router itself (so a route added later is covered without
 * touching this file), refuses a missing or wrong credential with 401 and
 * says nothing in the body. The documented exceptions: the dashboard HTML
 * shell (for a browser asking for HTML) and its static assets.
 */

const ADMIN_PREFIX = '/api/v1/performance/';
/** Open by design (DESIGN.md, "Secure and safe by default"). */
const OPEN = [/^\/api\/v1\/performance\/dashboard\/assets\/:file$/];

interface MountedRoute {
  method: string;
  path: string;
}

/** Starts the sample with everything mounted, recording each route as the adapter's router registers it. */
async function startRecording(adapter: AdapterName): Promise<{ app: INestApplication; url: string; routes: MountedRoute[] }> {
  const { app } = await createSampleApp({
    adapter,
    databaseUrl: 'sqlite::memory:',
    adminToken: SAMPLE_ADMIN_TOKEN,
    logger: false,
    seedDocuments: 20,
    env: { PROFILING_ENABLED: 'true', PROFILING_MAX_SECONDS: '1', CACHE_WARMING_ENABLED: 'true' },
  });
  const routes: MountedRoute[] = [];
  if (adapter === 'fastify') {
    const fastify = app.getHttpAdapter().getInstance() as { addHook(name: 'onRoute', hook: (r: { method: string | string[]; url: string }) => void): void };
    fastify.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, path: r.url });
    });
  }
  await app.listen(0, '127.0.0.1');
  if (adapter === 'express') {
    const express = app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } };
    for (const layer of express.router.stack) {
      if (!layer.route) continue;
      for (const method of Object.keys(layer.route.methods)) routes.push({ method: method.toUpperCase(), path: layer.route.path });
    }
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, routes };
}

const WRONG: [label: string, headers: Record<string, string>][] = [
  ['no credential', {}],
  ['wrong token', { authorization: 'Bearer not-the-admin-token' }],
  ['token with a suffix', { authorization: `Bearer ${SAMPLE_ADMIN_TOKEN}x` }],
  ['token prefix', { authorization: `Bearer ${SAMPLE_ADMIN_TOKEN.slice(0, -1)}` }],
  ['other scheme', { authorization: `Basic ${Buffer.from(`admin:${SAMPLE_ADMIN_TOKEN}`).toString('base64')}` }],
  ['bare token', { authorization: SAMPLE_ADMIN_TOKEN }],
  ['empty bearer', { authorization: 'Bearer ' }],
  ['token in a cookie', { cookie: `token=${SAMPLE_ADMIN_TOKEN}` }],
  ['token in another header', { 'x-admin-token': SAMPLE_ADMIN_TOKEN }],
];

describe.each(ADAPTERS)('every admin route refuses a missing or wrong credential on %s', (adapter) => {
  let app: INestApplication;
  let url: string;
  let admin: MountedRoute[];

  beforeAll(async () => {
    const started = await startRecording(adapter);
    app = started.app;
    url = started.url;
    admin = started.routes.filter((r) => r.path.startsWith(ADMIN_PREFIX) && !OPEN.some((o) => o.test(r.path)));
  });
  afterAll(() => app?.close());

  it('finds every admin route from the router, the OpenAPI document and more', async () => {
    const doc = (await (await fetch(`${url}${ADMIN_PREFIX}openapi.json`, { headers: { authorization: `Bearer ${SAMPLE_ADMIN_TOKEN}` } })).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} /api/v1${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const mounted = admin.map((r) => `${r.method} ${r.path}`);
    // The router knows at least what the document lists, plus the document itself.
    expect(documented.filter((d) => !mounted.includes(d))).toEqual([]);
    expect(mounted).toContain(`GET ${ADMIN_PREFIX}openapi.json`);
    expect(mounted.length).toBeGreaterThanOrEqual(28);
  });

  it('answers 401 to each route and each wrong credential, and leaks nothing', async () => {
    const problems: string[] = [];
    for (const route of admin) {
      const path = route.path.replace(/:(\w+)/g, (_, name: string) => (name === 'id' ? 'slow-endpoint-0123456789ab' : 'x'));
      for (const [label, headers] of WRONG) {
        const res = await fetch(`${url}${path}?hours=1&seconds=1&format=json&namespace=analytics&token=${SAMPLE_ADMIN_TOKEN}`, {
          method: route.method,
          headers: { ...headers, accept: 'application/json', ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
          body: route.method === 'POST' ? '{}' : undefined,
        });
        const text = await res.text();
        const body = JSON.parse(text) as Record<string, unknown>;
        const where = `${route.method} ${route.path} (${label})`;
        if (res.status !== 401) problems.push(`${where}: ${res.status} ${text.slice(0, 120)}`);
        if (Object.keys(body).sort().join() !== 'error,message,statusCode') problems.push(`${where}: body ${text.slice(0, 120)}`);
        if (text.includes(SAMPLE_ADMIN_TOKEN)) problems.push(`${where}: echoes the token`);
        if (res.headers.get('set-cookie')) problems.push(`${where}: sets a cookie`);
        if (res.headers.get('x-cache') === 'HIT') problems.push(`${where}: served from the cache`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('opens only the documented exceptions: the HTML shell (no data) and the static assets', async () => {
    const shell = await fetch(`${url}${ADMIN_PREFIX}dashboard`, { headers: { accept: 'text/html' } });
    expect(shell.status).toBe(200);
    const html = await shell.text();
    expect(html).toMatch(/<html/i);
    expect(html).not.toContain(SAMPLE_ADMIN_TOKEN);
    expect(html).not.toMatch(/current_metrics|recommendations"\s*:/);
    // Still the guarded JSON for anything that does not ask for HTML.
    expect((await fetch(`${url}${ADMIN_PREFIX}dashboard`, { headers: { accept: '*/*' } })).status).toBe(401);
  });

  it('admits the right credential on a read route (the 401s above are the guard, not a broken route)', async () => {
    const res = await fetch(`${url}${ADMIN_PREFIX}kpis`, { headers: { authorization: `bearer   ${SAMPLE_ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
  });
});
