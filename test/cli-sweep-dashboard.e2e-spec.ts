import { existsSync } from 'node:fs';
import { type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { LoadTestRun } from '../libs/performance/src/core/schemas/load-test-run';
import { CHROMIUM_PATH, watchProblems, launchChromium, type TestBrowser } from './support/chromium';
import { runCli } from './support/cli-process';
import { type RunningSample, SAMPLE_ADMIN_TOKEN, startSample } from './support/sample-app';
import { describeWithService } from './support/services';

/** The dashboard's Load sweep panel, in headless Chromium, after `load --sweep` ran against the sample. */
describeWithService('chromium', existsSync(CHROMIUM_PATH), 'the load sweep on the dashboard (sample app)', () => {
  let sample: RunningSample;
  let context: BrowserContext;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    sample = await startSample('express', { seedDocuments: 100 });
    browser = await launchChromium('dashboard-sweep');
    context = browser.context;
  });
  afterAll(async () => {
    await browser?.close();
    await sample?.close();
  });

  it('says no sweep ran yet, then shows each level of the newest sweep with its KPI verdict, the highest level meeting them and the knee', async () => {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${sample.api}/performance/dashboard#token=${SAMPLE_ADMIN_TOKEN}`);
    await page.locator('#sweep', { hasText: 'No sweep yet' }).waitFor({ timeout: 20_000 });

    const run = await runCli(['load', '-e', '/hello', '--sweep', '1,3', '-d', '1', '--no-progress', '--json'], {
      PERFORMANCE_URL: sample.api,
      PERFORMANCE_ADMIN_TOKEN: SAMPLE_ADMIN_TOKEN,
    });
    const sweep = (JSON.parse(run.stdout) as LoadTestRun).sweep!;
    // The page refreshes by itself (every few seconds): the sweep appears without a reload.
    const rows = page.locator('#sweep tbody tr');
    await page.locator('#sweep tr[data-users="3"]').waitFor({ timeout: 20_000 });
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-users')))).toEqual(['1', '3']);
    for (const level of sweep.levels) {
      const pill = page.locator(`#sweep tr[data-users="${level.connections}"] .pill`);
      expect(await pill.textContent()).toBe(level.meetsKpis ? 'pass' : `fail: ${level.failedKpis.join(', ')}`);
    }
    const summary = await page.locator('#sweep [data-sweep-summary]').textContent();
    expect(summary).toContain(sweep.maxLevelMeetingKpis === null ? 'meets the KPIs up to no level' : `meets the KPIs up to ${sweep.maxLevelMeetingKpis} users`);
    expect(summary).toContain(sweep.knee ? `knee at ${sweep.knee.connections} users` : 'no knee within its levels');
    expect(problems).toEqual([]);
  });
});
