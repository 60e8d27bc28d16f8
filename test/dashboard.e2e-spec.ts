import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, type Page, type Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_PATH, watchProblems, launchChromium, type TestBrowser } from './support/chromium';
import { describeWithService } from './support/services';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';

const OUTPUT = join(__dirname, '..', 'test-output');
/** The few browser globals these tests read inside `page.evaluate` (the project compiles without the DOM lib). */
interface BrowserWindow {
  sessionStorage: Record<string, string>;
  document: {
    cookie: string;
    activeElement: { textContent: string | null } | null;
    documentElement: { scrollWidth: number; clientWidth: number };
    querySelector(selector: string): { textContent: string | null } | null;
  };
}
interface Canvas2d {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}

const CARD_IDS = ['p95', 'p99', 'rps', 'errors', 'cpu', 'memory', 'lag', 'hit', 'dbmean', 'qpr', 'pool', 'health'];

/** Console errors, page errors and failed requests of one page. */
/** Pixels of a canvas close to an RGB colour (a drawn series line). */
function pixelsOfColour(page: Page, selector: string, rgb: [number, number, number]): Promise<number> {
  return page.$eval(
    selector,
    (canvas, [r, g, b]) => {
      const c = canvas as unknown as Canvas2d;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) < 40 && Math.abs(data[i + 1]! - g!) < 40 && Math.abs(data[i + 2]! - b!) < 40) n++;
      }
      return n;
    },
    rgb,
  );
}

describeWithService('chromium', existsSync(CHROMIUM_PATH), 'the dashboard page in headless Chromium (sample app, Express)', () => {
  let sample: RunningSample;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;
  let dashboard: string;
  let background: NodeJS.Timeout | undefined;
  const measured: Record<string, unknown> = {};

  async function traffic(): Promise<void> {
    const get = (path: string) => fetch(`${sample.api}${path}`).then((r) => r.arrayBuffer());
    for (let i = 0; i < 10; i++) await get('/hello');
    for (let i = 0; i < 3; i++) await get('/documents?limit=20&include=author&strategy=naive');
    for (let i = 0; i < 2; i++) await get('/documents?limit=20&include=author&strategy=join');
    for (let i = 0; i < 3; i++) await get('/documents/search?category=legal&status=published&limit=5');
    for (let i = 0; i < 3; i++) await get('/analytics/overview');
    for (let i = 1; i <= 5; i++) await get(`/documents/${i}`);
  }

  /** Opens the dashboard in a new page; `fragment` is what follows `#`. */
  async function open(fragment = `token=${SAMPLE_ADMIN_TOKEN}`, viewport = { width: 1280, height: 900 }) {
    const page = await context.newPage();
    await page.setViewportSize(viewport);
    const problems = watchProblems(page);
    const requests: Request[] = [];
    page.on('requestfinished', (r) => requests.push(r));
    const response = await page.goto(`${dashboard}${fragment ? `#${fragment}` : ''}`);
    return { page, problems, requests, response: response! };
  }

  beforeAll(async () => {
    // One snapshot a second, so the charts have points within the test; index
    // recommendations become automatic, so one can be applied for real.
    sample = await startSample('express', { env: { METRICS_COLLECTION_INTERVAL: '1', DB_ALLOW_SCHEMA_CHANGES: 'true' } });
    dashboard = `${sample.api}/performance/dashboard`;
    await traffic();
    // Wait (bounded) for a few snapshots of the real sampler.
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      const res = await fetch(`${sample.api}/performance/metrics/history?hours=1`, { headers: sample.admin });
      const body = res.ok ? ((await res.json()) as unknown) : undefined;
      const text = JSON.stringify(body ?? '');
      if (res.status === 404 || (text.match(/"timestamp"/g) ?? []).length >= 3) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await traffic();
    // The sampler leaves admin calls out of its figures, so keep a trickle of app
    // traffic going: every snapshot the page reads then has latencies to show.
    background = setInterval(
      () =>
        void fetch(`${sample.api}/hello`)
          .then((r) => r.arrayBuffer())
          .catch(() => undefined),
      100,
    );
    browser = await launchChromium('dashboard-chromium');
    context = browser.context;
    mkdirSync(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    clearInterval(background);
    await browser?.close();
    await sample?.close();
    if (Object.keys(measured).length) {
      writeFileSync(join(OUTPUT, 'dashboard-measurements.json'), `${JSON.stringify(measured, null, 2)}\n`);
      console.log('dashboard measurements', measured);
    }
  });

  it('loads with the token from the fragment, under a strict CSP, with no console errors; cards show numbers; charts draw', async () => {
    const started = Date.now();
    const { page, problems, requests, response } = await open();
    await page.waitForSelector('html[data-ready="true"]', { timeout: 10_000 });
    measured.firstDataMs = await page.evaluate(() => Math.round(performance.getEntriesByName('dashboard-first-data')[0]!.startTime));
    measured.firstDataWallMs = Date.now() - started;

    // The page: HTML with a strict policy, no data of its own.
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toMatch(/^text\/html/);
    const csp = response.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await response.text()).not.toContain(SAMPLE_ADMIN_TOKEN);

    // The token left the address bar for sessionStorage, and no cookie exists.
    expect(page.url()).toBe(dashboard);
    expect(await page.evaluate(() => Object.values((globalThis as unknown as BrowserWindow).sessionStorage))).toContain(SAMPLE_ADMIN_TOKEN);
    expect(await page.evaluate(() => (globalThis as unknown as BrowserWindow).document.cookie)).toBe('');
    expect(await context.cookies()).toEqual([]);

    // Every request went to the app; the token only ever in the bearer header of API calls.
    const origin = new URL(sample.url).origin;
    for (const request of requests) {
      expect(new URL(request.url()).origin).toBe(origin);
      expect(request.url()).not.toContain(SAMPLE_ADMIN_TOKEN);
      const headers = await request.allHeaders();
      expect(headers.cookie).toBeUndefined();
      // The API calls are the page's fetches (GET dashboard too, for its judged cards); the shell and assets are not.
      const isApi = request.resourceType() === 'fetch';
      expect(isApi || request.url() === dashboard || request.url().startsWith(`${dashboard}/assets/`), request.url()).toBe(true);
      expect(headers.authorization).toBe(isApi ? `Bearer ${SAMPLE_ADMIN_TOKEN}` : undefined);
    }

    // Cards: a number for everything the sample app measures (SQLite has no
    // pool), and a colour wherever dashboard/config has a threshold or KPI.
    // On a busy machine the first snapshot may have no app request yet: the page
    // refreshes every second, so wait (bounded) for latencies to appear.
    await page.waitForFunction(
      () => {
        const d = (globalThis as unknown as BrowserWindow).document;
        // A number, and its level from GET dashboard (the card then says its window).
        return /^\d/.test(d.querySelector('[data-card="p95"] .num')?.textContent ?? '') && d.querySelector('[data-card="p95"] .card-window') !== null;
      },
      undefined,
      { timeout: 10_000 },
    );
    const cards = await page.$$eval('[data-card]', (nodes) =>
      nodes.map((n) => ({
        id: n.getAttribute('data-card'),
        value: n.querySelector('.num')!.textContent,
        cls: n.className,
        level: n.querySelector('.card-level')!.textContent,
        window: n.querySelector('.card-window')?.textContent ?? null,
      })),
    );
    expect(cards.map((c) => c.id)).toEqual(CARD_IDS);
    measured.cards = Object.fromEntries(cards.map((c) => [c.id, `${c.value} ${c.level}`]));
    for (const id of ['p95', 'p99', 'errors', 'cpu', 'memory', 'lag', 'health']) {
      expect(cards.find((c) => c.id === id)!.value, id).toMatch(/^\d/);
      expect(cards.find((c) => c.id === id)!.cls, id).toMatch(/card-(good|warning|critical)$/);
    }
    // The colour is the level GET dashboard states for the metric, and each card says its window and the time of its data.
    const judged = (await (await fetch(`${sample.api}/performance/dashboard`, { headers: { ...sample.admin, accept: 'application/json' } })).json()) as {
      cards: { metric: string; level: string }[];
    };
    expect(judged.cards.find((c) => c.metric === 'p95Ms')?.level).toMatch(/^(good|warning|critical)$/);
    for (const c of cards) {
      expect(c.window, c.id!).toMatch(c.id === 'health' ? /^at \d\d:\d\d:\d\d$/ : /^[\d.,]+ s to \d\d:\d\d:\d\d$/);
      if (/card-(good|warning|critical)$/.test(c.cls)) expect(c.value, c.id!).toMatch(/^\d/);
      if (c.id !== 'health') expect(c.cls.replace('card card-', '') === 'none' ? 'none' : c.level, c.id!).toBe(c.cls.replace('card card-', ''));
    }
    // Throughput is judged only under a load test: no colour, and it says so.
    expect(cards.find((c) => c.id === 'rps')).toMatchObject({ cls: 'card card-none', level: 'n/a' });
    expect(cards.find((c) => c.id === 'pool')).toMatchObject({ value: '–', cls: 'card card-none', level: 'no pool' });

    // Charts: six uPlot canvases (latency, throughput, CPU and memory, cache, event loop, database); the p95 series is drawn in its colour.
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(6);
    await expect.poll(() => pixelsOfColour(page, '[data-chart="0"] canvas', [0x2f, 0x6f, 0xdf]), { timeout: 10_000 }).toBeGreaterThan(50);
    await expect.poll(() => pixelsOfColour(page, '[data-chart="2"] canvas', [0xe0, 0x8a, 0x00])).toBeGreaterThan(50);

    // N+1: the groups count requests among the latest findings, the footer the requests since start: one unit, consistent.
    await page.waitForSelector('#n1 .items');
    const n1Groups = await page.$$eval('#n1 .item .meta', (ps) => ps.map((p) => p.textContent ?? ''));
    const n1Footer = (await page.textContent('#n1 > p.meta')) ?? '';
    const latest = Number(/the latest (\d+) are grouped above/.exec(n1Footer)?.[1]);
    expect(n1Footer).toMatch(/^\d+ requests? with an N\+1 pattern since start/);
    const grouped = n1Groups.map((t) => Number(/^(\d+) requests? of the latest (\d+)/.exec(t)![1]));
    expect(grouped.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(latest);
    expect(Number(/^(\d+)/.exec(n1Footer)![1])).toBeGreaterThanOrEqual(latest);
    // Slowest queries: no transaction statement; plurals right everywhere on the page.
    const slowHeads = await page.$$eval('#slow-queries .sql-head', (n) => n.map((x) => x.textContent ?? ''));
    expect(slowHeads.length).toBeGreaterThan(0);
    for (const head of slowHeads) expect(head).not.toMatch(/^(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|START TRANSACTION)\b/i);
    expect(await page.textContent('main')).not.toMatch(/(^|[^\d.,])1 (statements|requests|calls|steps|checks|alerts|entries|hits|misses|changes)\b/);

    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUTPUT, 'dashboard.png'), fullPage: true });

    // Transferred bytes: the page itself (shell and assets) and one round of API data.
    let pageBytes = 0;
    let apiBytes = 0;
    for (const request of requests) {
      const sizes = await request.sizes();
      const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
      if (request.resourceType() !== 'fetch') pageBytes += bytes;
      else apiBytes += bytes;
    }
    measured.pageTransferredBytes = pageBytes;
    measured.apiTransferredBytes = apiBytes;
    measured.requests = requests.length;
    expect(pageBytes).toBeLessThan(60_000);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('changes the history range from the keyboard and asks for that many hours', async () => {
    const { page, problems } = await open();
    await page.waitForSelector('html[data-ready="true"]');
    await page.focus('input[name="range"][value="1"]');
    const sixHours = page.waitForRequest((r) => r.url().endsWith('/metrics/history?hours=6'));
    await page.keyboard.press('ArrowRight');
    await sixHours;
    expect(await page.isChecked('input[name="range"][value="6"]')).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refreshes on one timer: repeated refreshes and range changes do not multiply the polling', async () => {
    const page = await context.newPage();
    await page.clock.install();
    const problems = watchProblems(page);
    let polls = 0;
    page.on('request', (r) => {
      if (r.url().endsWith('/metrics/current')) polls++;
    });
    // Every request but the live stream, which stays open by design, has finished.
    const inFlight = new Set<Request>();
    page.on('request', (r) => void (new URL(r.url()).pathname.endsWith('/live') || inFlight.add(r)));
    page.on('requestfinished', (r) => void inFlight.delete(r));
    page.on('requestfailed', (r) => void inFlight.delete(r));
    const settled = () => expect.poll(() => inFlight.size).toBe(0);
    await page.goto(`${dashboard}#token=${SAMPLE_ADMIN_TOKEN}`);
    await page.waitForSelector('html[data-ready="true"]');
    const every = Number((await page.textContent('#updated'))!.match(/every (\d+) s/)![1]);
    expect(every).toBeGreaterThanOrEqual(1);
    // Hammer it: manual refreshes and range changes while a refresh may be running.
    // Clicked through the DOM: Playwright's actionability checks wait for
    // animation frames, which the installed fake clock holds back.
    for (let i = 0; i < 3; i++) {
      await page.$eval('#refresh', (b) => (b as unknown as { click(): void }).click());
      await page.$eval('input[name="range"][value="24"]', (b) => (b as unknown as { click(): void }).click());
      await page.$eval('input[name="range"][value="1"]', (b) => (b as unknown as { click(): void }).click());
    }
    await settled();
    const before = polls;
    const stamp = async () => page.getAttribute('#updated', 'datetime');
    for (let i = 0; i < 5; i++) {
      const last = await stamp();
      await page.clock.runFor(every * 1000);
      await expect.poll(stamp).not.toBe(last);
      await settled();
    }
    // One poll per interval: a leaked timer would add one more per interval (10 or more). On a loaded
    // machine a refresh still running at an interval's end can be followed by one more poll, never five.
    expect(polls - before).toBeGreaterThanOrEqual(5);
    expect(polls - before).toBeLessThan(10);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('applies an automatic recommendation by clicking (the index is created), and shows the manual steps of another', async () => {
    const { page, problems } = await open();
    await page.waitForSelector('html[data-ready="true"]');

    const automatic = page.locator('[data-recommendation^="missing-index-"] [data-apply].btn-primary').first();
    await automatic.waitFor({ timeout: 10_000 });
    const id = (await automatic.getAttribute('data-apply'))!;
    const applied = page.waitForResponse((r) => r.url().endsWith(`/optimize/${id}`) && r.request().method() === 'POST');
    await automatic.click();
    expect((await applied).status()).toBe(200);
    const result = page.locator(`[data-recommendation="${id}"] .result`);
    await expect.poll(() => result.textContent()).toMatch(/^Applied\. /);
    measured.appliedRecommendation = `${id}: ${await result.textContent()}`;
    // The index exists now: the advisor stops suggesting it.
    const after = (await (await fetch(`${sample.api}/performance/recommendations`, { headers: sample.admin })).json()) as { recommendations: { id: string }[] };
    expect(after.recommendations.map((r) => r.id)).not.toContain(id);
    // The applied optimizations panel lists it after the next refresh: what, the SQL it ran, the result.
    await page.click('#refresh');
    const kept = page.locator(`#optimizations [data-optimization="${id}"]`);
    await kept.waitFor({ timeout: 10_000 });
    expect(await kept.locator('.badge').textContent()).toBe('applied');
    expect(await kept.locator('.item-head strong').textContent()).toMatch(/^Add an index on /);
    expect(await kept.locator('.code code').textContent()).toMatch(/^CREATE INDEX "idx_/);
    expect(await kept.locator('.result').textContent()).toMatch(/^ran CREATE INDEX /);
    // The search it was for ran before it (the test's traffic): its time before shows, and since once it runs again.
    expect(await kept.locator('[data-timing]').textContent()).toMatch(/^Its statements: [\d.]+ ms before, ([\d.]+ ms since|not run since)\.$/);

    // A recommendation the app cannot apply has no Apply button: its steps are there to follow, code as blocks with Copy.
    const manual = page.locator('[data-recommendation^="n-plus-one-"]').first();
    await manual.waitFor();
    expect(await manual.locator('[data-apply]').count()).toBe(0);
    expect(await manual.locator('.tag').allTextContents()).toContain('manual');
    await manual.locator('details.manual summary').click();
    expect(await manual.locator('.steps li').count()).toBeGreaterThan(0);
    expect(await manual.locator('details.manual summary').textContent()).toMatch(/^How to apply it \(\d+ steps?\)$/);
    const withMigration = page.locator('[data-recommendation^="missing-index-"]').first();
    if ((await withMigration.count()) > 0 && (await withMigration.locator('details.manual').count()) > 0) {
      await withMigration.locator('details.manual summary').click();
      expect(await withMigration.locator('.steps .code pre').count()).toBeGreaterThan(0);
    }
    // Every Apply button belongs to a recommendation the app applies itself.
    const applyButtons = await page.$$eval('[data-apply]', (nodes) =>
      nodes.map((n) => n.closest('[data-recommendation]')!.querySelector('.item-head')!.textContent),
    );
    for (const head of applyButtons) expect(head).toContain('can be applied here');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('clears a cache namespace after confirmation, and the next request misses', async () => {
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('HIT');
    const { page, problems } = await open();
    await page.waitForSelector('html[data-ready="true"]');
    await page.locator('[data-clear="analytics"]').click();
    // Asking first: the Cancel button has focus, so Enter does not clear by accident.
    expect(await page.evaluate(() => (globalThis as unknown as BrowserWindow).document.activeElement?.textContent)).toBe('Cancel');
    const cleared = page.waitForResponse((r) => r.url().includes('/cache/clear?namespace=analytics'));
    await page.locator('[data-confirm-clear="analytics"]').click();
    expect((await cleared).status()).toBeLessThan(300);
    await expect.poll(() => page.locator('[data-namespace="analytics"] .meta[aria-live]').textContent()).toMatch(/^Cleared/);
    expect((await fetch(`${sample.api}/analytics/overview`)).headers.get('x-cache')).toBe('MISS');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('says so when the token is refused (401), and signs in from the form', async () => {
    const { page, problems } = await open('token=not-the-admin-token-at-all');
    const notice = page.locator('#notice');
    await expect.poll(() => notice.textContent()).toContain('401');
    expect(await notice.isVisible()).toBe(true);
    expect(await page.isVisible('#signin')).toBe(true);
    expect(await page.isVisible('#main')).toBe(false);
    expect(await page.evaluate(() => Object.keys((globalThis as unknown as BrowserWindow).sessionStorage).length)).toBe(0);
    // Chromium logs each refused API call, and the page aborts the calls
    // still running once one is refused; nothing else may go wrong.
    expect(problems.filter((p) => !/status of 401|net::ERR_ABORTED/.test(p))).toEqual([]);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-401.png') });

    await page.fill('#token-input', SAMPLE_ADMIN_TOKEN);
    await page.press('#token-input', 'Enter');
    await page.waitForSelector('html[data-ready="true"]');
    expect(await page.isVisible('#notice')).toBe(false);
    await page.close();
  });

  it('says so when the API is unreachable, instead of a blank page', async () => {
    const page = await context.newPage();
    // The network between browser and API fails; the page itself loaded.
    await page.route(
      (url) => url.pathname.startsWith('/api/v1/performance/'),
      (route) => (route.request().resourceType() === 'fetch' ? route.abort('connectionrefused') : route.continue()),
    );
    await page.goto(`${dashboard}#token=${SAMPLE_ADMIN_TOKEN}`);
    await expect.poll(() => page.locator('#notice').textContent()).toMatch(/unreachable/);
    expect(await page.isVisible('#notice')).toBe(true);
    await page.close();
  });

  it('fits a narrow window without sideways scrolling', async () => {
    const { page, problems } = await open(`token=${SAMPLE_ADMIN_TOKEN}`, { width: 390, height: 844 });
    await page.waitForSelector('html[data-ready="true"]');
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(6);
    const overflow = await page.evaluate(() => {
      const { documentElement } = (globalThis as unknown as BrowserWindow).document;
      return documentElement.scrollWidth - documentElement.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(OUTPUT, 'dashboard-narrow.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
