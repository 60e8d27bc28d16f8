import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTERS } from './support/http-app';
import { type RunningSample, startSample } from './support/sample-app';

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

  it.each(['dashboard-page.service.ts', '..%2F..%2Fpackage.json', 'uPlot.cjs.js', 'package.json', '%2e%2e'])(
    'refuses %s, which is not on the allow-list',
    async (name) => {
      const res = await fetch(`${assets}/${name}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('"name"');
    },
  );

  it('builds the page shell with versioned asset URLs below the page path', async () => {
    const { DashboardPage } = await import('../libs/performance/src/admin/dashboard/dashboard-page.service');
    const html = sample.app.get(DashboardPage, { strict: false }).html('/api/v1/performance/dashboard/');
    const urls = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(urls).toHaveLength(4);
    for (const url of urls) {
      expect(url).toMatch(/^\/api\/v1\/performance\/dashboard\/assets\/[\w.]+\?v=[0-9a-f]{16}$/);
      expect((await fetch(`${sample.url}${url}`)).status).toBe(200);
    }
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son\w+=/i);
  });
});
