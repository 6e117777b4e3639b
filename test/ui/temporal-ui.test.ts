// The Temporal UI answers an operator's questions, checked in a real browser (Debian's chromium,
// driven by playwright-core): a finished review is found by its search attributes, and its page says
// what it reviewed. Screenshots go to a scratch folder so a test run leaves the checkout clean;
// `UI_SCREENSHOTS_DIR=docs npx jest test/ui` refreshes the ones the README shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type DevServer, getFreePort, startDevServer } from '../../src/temporal/dev-server';
import { controllableGate } from '../helpers/controllable-gate';
import { resultOf, startReview, workflowIdOf } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

jest.setTimeout(180_000);

const ROOT = path.resolve(__dirname, '../..');
const SCREENSHOTS = process.env.UI_SCREENSHOTS_DIR
  ? path.resolve(ROOT, process.env.UI_SCREENSHOTS_DIR)
  : mkdtempSync(path.join(tmpdir(), 'rollout-gate-ui-shots-'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The flags a headless Chromium needs in a container without a display, GPU or network of its own.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let devServer: DevServer;
let uiUrl: string;
let stack: Stack;
let browser: BrowserContext;
let page: Page;
let profile: string;
const approved = { workflowId: '', entity: '', triggerID: '' };
const aborted = { workflowId: '', entity: '' };

beforeAll(async () => {
  // Its own dev server: the run's shared one is headless.
  devServer = await startDevServer({
    projectRoot: ROOT,
    port: await getFreePort(),
    uiPort: await getFreePort(),
  });
  uiUrl = devServer.uiUrl ?? '';
  stack = await startStack({
    gate: controllableGate().gate,
    seed: testSeed(),
    temporalAddress: devServer.address,
  });
  const good = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
  const bad = releaseConfig(stack.sandbox.sandbox, { quality: 0.2 });
  await startReview(stack, good);
  await startReview(stack, bad);
  expect((await resultOf(stack, good)).action).toBe('approved');
  expect((await resultOf(stack, bad)).action).toBe('aborted');
  Object.assign(approved, {
    workflowId: workflowIdOf(good),
    entity: good.dynamicConfigID ?? '',
    triggerID: good.id,
  });
  Object.assign(aborted, { workflowId: workflowIdOf(bad), entity: bad.dynamicConfigID ?? '' });

  profile = mkdtempSync(path.join(tmpdir(), 'chromium-profile-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await devServer?.stop();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (!process.env.UI_SCREENSHOTS_DIR) rmSync(SCREENSHOTS, { recursive: true, force: true });
});

function workflowsPage(query: string): string {
  return `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
}

/** Loads a visibility search, reloading while the just-finished reviews reach visibility. */
async function search(query: string, expected: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.goto(workflowsPage(query));
    try {
      await page.getByRole('link', { name: expected }).first().waitFor({ timeout: 5_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

/** The UI renders summaries (markdown) inside an iframe of their own, which getByText won't enter. */
async function waitForTextInAnyFrame(text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of page.frames()) {
      if ((await frame.getByText(text, { exact: false }).count()) > 0) return;
    }
    if (Date.now() > deadline) throw new Error(`'${text}' did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

it('finds a finished review by the entity it released', async () => {
  await search(`RolloutEntity="${approved.entity}"`, approved.workflowId);
  await expect(page.getByText('1 Workflow', { exact: false }).first().isVisible()).resolves.toBe(
    true,
  );
  // The other review released another entity: the search leaves it out.
  expect(await page.getByRole('link', { name: aborted.workflowId }).count()).toBe(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-review.png') });
});

it('finds reviews by decision and verdict', async () => {
  await search(
    `RolloutDecision="aborted" AND RolloutVerdict="fail" AND RolloutEntity="${aborted.entity}"`,
    aborted.workflowId,
  );
  expect(await page.getByRole('link', { name: approved.workflowId }).count()).toBe(0);
});

it("shows on a review's page its activities by name, the benchmark's summary, and its own", async () => {
  await page.goto(`${uiUrl}/namespaces/default/workflows/${approved.workflowId}`);
  await page.getByText(approved.workflowId, { exact: true }).first().waitFor({ timeout: 20_000 });
  // The status badge (upper-cased by CSS).
  await page
    .getByText(/^completed$/i)
    .first()
    .waitFor({ timeout: 20_000 });
  // The timeline names each step of the review, and the benchmark by its suite and name.
  for (const step of [
    'loadReviewTarget',
    'reconcileReview',
    'approvePhase',
    'recordReviewResult',
  ]) {
    await page.getByText(step, { exact: true }).first().waitFor({ timeout: 20_000 });
  }
  await page
    .getByText('runBenchmark • benchmark prompt-quality/score', { exact: false })
    .first()
    .waitFor({ timeout: 20_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-review-detail.png') });
  // The summary the receiver gave the review when it started it.
  await page.getByRole('tab', { name: 'User Metadata' }).click();
  await waitForTextInAnyFrame(`Review of trigger ${approved.triggerID}, phase`);
});
