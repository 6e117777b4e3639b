// The Temporal UI answers an operator's questions, checked in a real browser (Debian's chromium,
// driven by playwright-core): a finished review is found by its search attributes, and its page says
// what it reviewed, and a person can decide a running review from its page. Screenshots go to a scratch folder so a test run leaves the checkout clean;
// `UI_SCREENSHOTS_DIR=docs npx jest test/ui` refreshes the ones the README shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import type { SandboxTrigger } from '../../src/sandbox';
import { type DevServer, getFreePort, startDevServer } from '../../src/temporal/dev-server';
import type { DecideInput, ReviewReport } from '../../workflows/contract';
import { type BenchmarkControl, controllableGate } from '../helpers/controllable-gate';
import { resultOf, startReview, workflowIdOf, writesFor } from '../helpers/review';
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
// A review whose benchmark is held, so it is still running when a person decides it in the UI.
let held: SandboxTrigger;
let heldBenchmark: BenchmarkControl;

beforeAll(async () => {
  // Its own dev server: the run's shared one is headless.
  devServer = await startDevServer({
    projectRoot: ROOT,
    port: await getFreePort(),
    uiPort: await getFreePort(),
  });
  uiUrl = devServer.uiUrl ?? '';
  const gate = controllableGate();
  stack = await startStack({
    gate: gate.gate,
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
  held = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
  heldBenchmark = gate.control(held.dynamicConfigID ?? '', { hold: true });
  await startReview(stack, held);
  await heldBenchmark.started;

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
  heldBenchmark?.release();
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
    'loadAndPlanReview',
    'judgeAndReconcileReview',
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

/** On a review's page: More Actions → Send an Update, with `decide` chosen. */
async function openDecideDialog() {
  await page.getByRole('button', { name: 'More Actions' }).click();
  await page.getByRole('menuitem', { name: 'Send an Update' }).click();
  const dialog = page.getByRole('dialog');
  // The UI lists the review's updates from the workflow's own metadata: `decide` is offered by name.
  await dialog.getByRole('button', { name: 'Select an Update' }).click();
  await dialog.getByRole('option', { name: 'decide', exact: true }).click();
  return dialog;
}

/** Types the data into the open dialog (replacing what is there), submits it, and returns the answer. */
async function submitDecide(dialog: Locator, data: DecideInput | Record<string, unknown>) {
  await dialog.getByRole('textbox', { name: 'Data' }).click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(JSON.stringify(data));
  // The editor reformats its JSON when it loses focus, and a Submit click that only blurs it sends
  // nothing: leave the editor first (for the optional Update ID field), then submit. By id within
  // the dialog, because the page keeps a second, hidden copy of the form and labels are ambiguous.
  await dialog.locator('#update-id').click();
  await dialog.getByText(`"actor": ${JSON.stringify(data.actor)}`).waitFor({ timeout: 5_000 });
  const answered = page.waitForResponse(
    (response) =>
      response.request().method() === 'POST' && response.url().includes('/update/decide'),
    { timeout: 20_000 },
  );
  await dialog.getByRole('button', { name: 'Submit' }).click();
  return answered;
}

it('lets a person decide a running review from its page (More Actions → Send an Update → decide)', async () => {
  const workflowId = workflowIdOf(held);
  await page.goto(`${uiUrl}/namespaces/default/workflows/${workflowId}`);
  await page
    .getByText(/^running$/i)
    .first()
    .waitFor({ timeout: 20_000 });
  const dialog = await openDecideDialog();

  // A mistyped decision is refused, the dialog shows the review's reason, and the review goes on.
  await submitDecide(dialog, { decision: 'yes', actor: 'ana@example.com' });
  await dialog
    .getByText("decision must be 'approve' or 'reject'")
    .first()
    .waitFor({ timeout: 10_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'temporal-ui-decide-refused.png') });
  expect((await stack.client.workflow.getHandle(workflowId).describe()).status.name).toBe(
    'RUNNING',
  );

  // Corrected, it is accepted: the held benchmark is cancelled, the phase approved once, and the
  // report names the person and their reason.
  const accepted = await submitDecide(dialog, {
    decision: 'approve',
    actor: 'ana@example.com',
    reason: 'checked by hand',
  });
  expect(accepted.status()).toBe(200);
  const report = (await stack.client.workflow.getHandle(workflowId).result()) as ReviewReport;
  expect(report.action).toBe('approved');
  expect(report.override).toMatchObject({
    decision: 'approve',
    actor: 'ana@example.com',
    reason: 'checked by hand',
  });
  expect(writesFor(stack, held)).toEqual([`PUT /release_pipeline_triggers/${held.id}/approve`]);
});
