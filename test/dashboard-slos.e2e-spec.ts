import { existsSync } from 'node:fs';
import { type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SlosBody } from '../libs/performance/src/slo/slo-monitor.service';
import { CHROMIUM_PATH, watchProblems, launchChromium, type TestBrowser } from './support/chromium';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';
import { describeWithService } from './support/services';

/**
 * The SLO panel of the dashboard, in headless Chromium against the sample:
 * after checkout quotes with failures, each objective of the `checkout` SLO
 * shows the SLI, the budget left and the burn rates the API answers, and the
 * availability objective is marked as a fast burn.
 */
describeWithService('chromium', existsSync(CHROMIUM_PATH), 'the SLO panel of the dashboard (sample app)', () => {
  let sample: RunningSample;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 100 });
    for (let i = 0; i < 60; i++) await (await fetch(`${sample.api}/checkout/quote`)).arrayBuffer();
    for (let i = 0; i < 2; i++) await (await fetch(`${sample.api}/checkout/quote?simulate=error`)).arrayBuffer();
    browser = await launchChromium('dashboard-slos');
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  it('shows each objective with its SLI, budget left, burn rates and state, as GET slos answers', async () => {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${sample.api}/performance/dashboard#token=${SAMPLE_ADMIN_TOKEN}`);
    const availability = page.locator('#slos tr[data-slo="checkout"][data-objective="availability"]');
    await availability.waitFor({ timeout: 20_000 });
    const body = (await (await fetch(`${sample.api}/performance/slos`, { headers: sample.admin })).json()) as SlosBody;
    const o = body.slos[0]!.objectives.find((x) => x.objective === 'availability')!;
    expect(o).toMatchObject({ requests: 62, badRequests: 2 });
    const format = (v: number, digits: number) => v.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    expect(await availability.locator('[data-col="sli"]').textContent()).toBe(`${format(o.sliPercent!, 3)} %`);
    expect(await availability.locator('[data-col="budget"]').textContent()).toBe(`${format(o.errorBudget.remainingPercent!, 1)} %`);
    expect(await availability.locator('[data-col="burn-1h"]').textContent()).toBe(`${format(o.burnRates['1h']!, 2)}×`);
    expect(await availability.locator('.pill').textContent()).toBe('fast burn');
    const latency = page.locator('#slos tr[data-slo="checkout"][data-objective="latency"]');
    expect(await latency.locator('td.text').first().textContent()).toBe('99 % within 250 ms');
    expect(problems).toEqual([]);
  });
});
