import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from './support/http-app';
import { DASHBOARD_CSP } from '../libs/performance/src/admin/dashboard/dashboard-page.service';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';

const OWN = join(__dirname, '..', 'libs', 'performance', 'src', 'admin', 'dashboard', 'assets');
const FILES: Record<string, { path: string; type: string }> = {
  'dashboard.js': { path: join(OWN, 'dashboard.js'), type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: join(OWN, 'dashboard.css'), type: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

describe.each(ADAPTERS)('dashboard assets on %s', (adapter) => {
  let sample: RunningSample;
  let assets: string;

  beforeAll(async () => {
    sample = await startSample(adapter);
    assets = `${sample.api}/performance/dashboard/assets`;
  });
  afterAll(() => sample?.close());

  it.each(Object.keys(FILES))('serves %s compressed, typed and cached for a year, without a credential', async (name) => {
    const file = FILES[name]!;
    for (const encoding of ['br', 'gzip', 'identity']) {
      const res = await fetch(`${assets}/${name}?v=whatever`, { headers: { 'accept-encoding': encoding } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(file.type);
      expect(res.headers.get('content-encoding')).toBe(encoding === 'identity' ? null : encoding);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(readFileSync(file.path, 'utf8'));
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await fetch(`${assets}/dashboard.js`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{16}"$/);
    const again = await fetch(`${assets}/dashboard.js`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });

  it.each(['dashboard-page.service.ts', '..%2F..%2Fpackage.json', 'uPlot.cjs.js', 'package.json', '..%5C..%5Cpackage.json', 'dashboard.js.map'])(
    'refuses %s, which is not on the allow-list',
    async (name) => {
      const res = await fetch(`${assets}/${name}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('"name"');
    },
  );

  it('serves the page shell to a browser asking for HTML: strict CSP, no store, no credential needed, no token inside', async () => {
    const res = await fetch(`${sample.api}/performance/dashboard`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('set-cookie')).toBeNull();
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('data-api="/api/v1/performance"');
    expect(html).not.toContain(SAMPLE_ADMIN_TOKEN);
    expect(html).not.toMatch(/https?:\/\//);
    // API clients get JSON and still need the credential.
    expect((await fetch(`${sample.api}/performance/dashboard`)).status).toBe(401);
  });

  it('builds the page shell with versioned asset URLs below the configured admin path', async () => {
    const { DashboardPage } = await import('../libs/performance/src/admin/dashboard/dashboard-page.service');
    const html = sample.app.get(DashboardPage, { strict: false }).html();
    const urls = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(urls).toHaveLength(4);
    expect(DASHBOARD_CSP).toMatch(/^default-src 'self'; script-src 'self'; style-src 'self';/);
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*/);
    for (const url of urls) {
      expect(url).toMatch(/^\/api\/v1\/performance\/dashboard\/assets\/[\w.]+\?v=[0-9a-f]{16}$/);
      expect((await fetch(`${sample.url}${url}`)).status).toBe(200);
    }
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/i);
  });
});
