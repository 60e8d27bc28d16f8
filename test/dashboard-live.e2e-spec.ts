import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_PATH, watchProblems, launchChromium, type TestBrowser } from './support/chromium';
import { describeWithService } from './support/services';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';

const OUTPUT = join(__dirname, '..', 'test-output');

/** The few browser globals read inside `page.evaluate` (the project compiles without the DOM lib). */
interface BrowserWindow {
  document: {
    documentElement: { scrollWidth: number; clientWidth: number; getAttribute(name: string): string | null };
    getElementById(id: string): { getAttribute(name: string): string | null } | null;
  };
}

/** The start (epoch ms) of the newest second the page shows, from the live status line. */
function latestLiveSecond(page: Page): Promise<number> {
  return page.evaluate(() => {
    const at = (globalThis as unknown as BrowserWindow).document.getElementById('live-status')?.getAttribute('datetime');
    return at ? Date.parse(at) - 1000 : 0;
  });
}

describeWithService('chromium', existsSync(CHROMIUM_PATH), 'the live view and the route table in headless Chromium (sample app, Express)', () => {
  let sample: RunningSample;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;

  /** Requests sent per route template by this test. */
  const sent: Record<string, number> = {};
  async function get(path: string, template: string): Promise<void> {
    const res = await fetch(`${sample.api}${path}`);
    await res.arrayBuffer();
    expect(res.status, path).toBe(200);
    sent[template] = (sent[template] ?? 0) + 1;
  }
  async function traffic(): Promise<void> {
    for (let i = 0; i < 6; i++) await get('/hello', 'GET /api/v1/hello');
    for (let i = 1; i <= 3; i++) await get(`/documents/${i}`, 'GET /api/v1/documents/:id');
    for (let i = 0; i < 2; i++) await get('/analytics/overview', 'GET /api/v1/analytics/overview');
  }

  beforeAll(async () => {
    sample = await startSample('express', { env: { METRICS_COLLECTION_INTERVAL: '1' }, seedDocuments: 50 });
    browser = await launchChromium('dashboard-live');
    context = browser.context;
    mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  it('streams a point a second to the live cards and charts; the route table counts the requests sent; fits 420 px', async () => {
    const page = await context.newPage();
    await page.setViewportSize({ width: 1400, height: 1000 });
    const problems = watchProblems(page);
    await page.goto(`${sample.api}/performance/dashboard`);
    // Sign in with the form, as a new user would.
    await page.fill('#token-input', SAMPLE_ADMIN_TOKEN);
    await page.click('#signin button[type="submit"]');
    await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });

    await traffic();
    // Live: the newest second shown moves on one second at a time, without gaps.
    await expect.poll(() => latestLiveSecond(page), { timeout: 5000 }).toBeGreaterThan(0);
    const seen = [await latestLiveSecond(page)];
    const until = Date.now() + 4500;
    while (Date.now() < until) {
      await traffic();
      const t = await latestLiveSecond(page);
      if (t !== seen[seen.length - 1]) seen.push(t);
      await page.waitForTimeout(100);
    }
    expect(seen.length).toBeGreaterThanOrEqual(4);
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBe(1000);
    expect(Number(await page.getAttribute('html', 'data-live-points'))).toBeGreaterThanOrEqual(4);
    const liveCards = await page.$$eval('[data-live-card]', (nodes) =>
      nodes.map((n) => ({ id: n.getAttribute('data-live-card'), value: n.querySelector('.num')!.textContent, window: n.querySelector('time')!.textContent })),
    );
    expect(liveCards.map((c) => c.id)).toEqual(['live-rps', 'live-p95', 'live-p99', 'live-errors', 'live-4xx', 'live-db', 'live-dbtime', 'live-hit']);
    for (const card of liveCards) expect(card.window, card.id!).toMatch(/^last \d+ s · to \d\d:\d\d:\d\d$/);
    expect(liveCards.find((c) => c.id === 'live-rps')!.value).toMatch(/^[1-9]/);
    await expect.poll(() => page.locator('[data-live-chart] canvas').count()).toBeGreaterThanOrEqual(2);
    // The sampler's cards say which snapshot they show and the interval it covers.
    expect(await page.textContent('#now-window')).toMatch(/^Snapshot of \d\d:\d\d:\d\d · rates over the 1 s before it$/);

    // Routes: after the next refresh the table counts exactly what was sent.
    const counts = () =>
      page.$$eval('#routes tbody tr', (rows) =>
        Object.fromEntries(rows.map((r) => [r.getAttribute('data-route'), Number(r.querySelector('[data-col="requests"]')!.textContent!.replace(/\D/g, ''))])),
      );
    await expect.poll(counts, { timeout: 10_000 }).toEqual(sent);

    // Sorting from the keyboard: the column's button takes Enter, and its header says the order.
    await page.focus('#routes button[data-sort="p95Ms"]');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#routes th:has(button[data-sort="p95Ms"])', 'aria-sort')).toBe('descending');
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } } }).document.activeElement.getAttribute('data-sort'),
      ),
    ).toBe('p95Ms');
    // Sorting and filtering.
    await page.click('#routes button[data-sort="route"]');
    const sortedRoutes = await page.$$eval('#routes tbody tr', (rows) => rows.map((r) => r.getAttribute('data-route')));
    expect(sortedRoutes).toEqual([...sortedRoutes].sort((a, b) => a!.localeCompare(b!)));
    expect(await page.getAttribute('#routes th:has(button[data-sort="route"])', 'aria-sort')).toBe('ascending');
    await page.fill('#routes-filter', 'documents');
    expect(await page.$$eval('#routes tbody tr', (rows) => rows.map((r) => r.getAttribute('data-route')))).toEqual(['GET /api/v1/documents/:id']);
    // A route opens its slowest requests of the last minutes.
    await page.click('#routes tr[data-route="GET /api/v1/documents/:id"] button.expand');
    expect(await page.getAttribute('#routes tr[data-route="GET /api/v1/documents/:id"] button.expand', 'aria-expanded')).toBe('true');
    const slowest = await page.$$eval('#routes tr.route-detail .slowest li', (items) => items.map((li) => li.textContent));
    expect(slowest).toHaveLength(Math.min(5, sent['GET /api/v1/documents/:id']!));
    for (const line of slowest) expect(line).toMatch(/^[\d.,]+ ms · \d\d:\d\d:\d\d · 200 · \d+ statements? \([\d.,]+ ms\) · [\w-]+$/);
    // A slow request opens its SQL statements: fingerprinted text, with durations.
    const firstRequest = page.locator('#routes tr.route-detail .slowest button[data-request]').first();
    await firstRequest.click();
    expect(await firstRequest.getAttribute('aria-expanded')).toBe('true');
    const statements = page.locator('#routes tr.route-detail .request-statements ol.statements li');
    await expect.poll(() => statements.count(), { timeout: 5000 }).toBeGreaterThan(0);
    const statementText = await statements.first().locator('code').textContent();
    expect(statementText).toMatch(/^SELECT /i);
    expect(await statements.first().locator('.meta').textContent()).toMatch(/^[\d.,]+ ms$/);
    await page.fill('#routes-filter', '');

    // Jobs: each of the sample's tracked jobs with its status, runs, failures, last and next run.
    await expect
      .poll(() => page.$$eval('#jobs tr[data-job]', (rows) => rows.map((r) => r.getAttribute('data-job')).sort()))
      .toEqual(['analytics-refresh', 'category-stats', 'search-index-sync']);
    const job = await page.$eval('#jobs tr[data-job="search-index-sync"]', (r) => [...r.children].map((c) => c.textContent));
    expect(job[1]).toMatch(/^(never|running|success|failure|overdue)/);
    expect(job[2]).toMatch(/^\d+$/);
    expect(job[5]).toMatch(/\d\d:\d\d/); // a cron job: its next run is known
    // Health checks: every indicator with its status and details.
    const checks = await page.$$eval('#health [data-check]', (items) =>
      items.map((i) => ({ name: i.getAttribute('data-check'), status: i.querySelector('.pill')!.textContent, details: i.querySelectorAll('dt').length })),
    );
    expect(checks.length).toBeGreaterThanOrEqual(3);
    for (const c of checks) expect(c.status, c.name!).toMatch(/^(up|degraded|down)$/);
    expect(checks.some((c) => c.details > 0)).toBe(true);
    expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['database', 'memory_heap', 'event_loop']));
    // Alerts: the panel answers (none in the last 24 hours, or each alert with its lifecycle from its first breach or firing).
    expect(await page.textContent('#alerts')).toMatch(/^(No alerts in the last 24 hours\.|\d+ alerts? firing, \d+ resolved)/);
    for (const lifecycle of await page.$$eval('#alerts [data-alert] ol.lifecycle', (ols) => ols.map((o) => o.textContent))) {
      expect(lifecycle).toMatch(/^(First breach .+)?Fired .+(Resolved .+ after |Firing for )/);
    }
    // History: six charts, two a row (none alone).
    expect(await page.locator('#charts .chart canvas').count()).toBe(6);
    const rows = await page.$$eval('#charts .chart', (figs) => figs.map((f) => Math.round(f.getBoundingClientRect().top)));
    const perRow = Object.values(rows.reduce<Record<number, number>>((n, top) => ({ ...n, [top]: (n[top] ?? 0) + 1 }), {}));
    expect(perRow).toEqual([2, 2, 2]);
    // Panels keep their own height: two stacked in one column are not stretched to the other column's.
    const heights = await page.$$eval('.panels section', (s) => s.map((x) => Math.round(x.getBoundingClientRect().height)));
    expect(new Set(heights).size).toBeGreaterThan(1);

    // Dark mode follows the system: the page's text turns light.
    const textColour = () =>
      page.evaluate(() => {
        const w = globalThis as unknown as { getComputedStyle(e: unknown): { color: string }; document: { documentElement: unknown } };
        return w.getComputedStyle(w.document.documentElement).color;
      });
    const shot = async (name: string) => page.screenshot({ path: join(OUTPUT, name), fullPage: true });
    const noSidewaysScroll = () =>
      page.evaluate(() => {
        const d = (globalThis as unknown as BrowserWindow).document.documentElement;
        return { scrollWidth: d.scrollWidth, clientWidth: d.clientWidth };
      });
    // The screenshots show snapshots with traffic in them: requests keep running while they are taken.
    let busy = true;
    const load = (async () => {
      while (busy) await traffic();
    })();
    await expect.poll(async () => (await page.textContent('[data-card="p95"] .num')) ?? '', { timeout: 5000 }).toMatch(/^\d/);
    expect(await textColour()).toBe('rgb(27, 35, 48)');
    await shot('dashboard-1400-light.png');
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await textColour()).toBe('rgb(229, 233, 240)');
    await shot('dashboard-1400-dark.png');

    // A phone: nothing scrolls sideways (the tables scroll inside their own box), in either scheme.
    await page.setViewportSize({ width: 420, height: 900 });
    await page.waitForTimeout(300);
    for (const scheme of ['dark', 'light'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const { scrollWidth, clientWidth } = await noSidewaysScroll();
      expect(scrollWidth, scheme).toBeLessThanOrEqual(clientWidth);
      await shot(`dashboard-420-${scheme}.png`);
    }
    busy = false;
    await load;

    expect(problems).toEqual([]);
    await page.close();
  });
});
