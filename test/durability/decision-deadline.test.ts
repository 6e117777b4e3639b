// The real default decision deadline (24 h) on Temporal's time-skipping test server: an inconclusive
// review waits a whole day for a person, then takes the default action; a person who decides late
// in the day still gets the one call they asked for. No test waits a day: the server skips time.

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { DEFAULT_POLICY } from '../../src/gate/policy';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import {
  locateTemporalTestServer,
  TEMPORAL_TEST_SERVER_MISSING_HELP,
} from '../../src/temporal/cli-locator';
import { createReviewWorkers, type ReviewWorkers } from '../../src/worker';
import type { ReviewProgress } from '../../workflows/contract';
import { type ReviewReport, type ReviewRequest, reviewWorkflowId } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { controllableGate } from '../helpers/controllable-gate';
import { eventually } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { workflowBundleOption } from '../helpers/temporal';

const ROOT = path.resolve(__dirname, '../..');
const DAY_MS = 24 * 60 * 60 * 1000;
const API_KEY = 'console-time-skipping';

let env: TestWorkflowEnvironment;
let sandbox: StartedSandbox;
let workers: ReviewWorkers;
let running: Promise<void>;
const taskQueue = `time-skipping-${randomUUID()}`;
// Only the default action is set; the deadline is the real default.
const gate = controllableGate({ onDecisionTimeout: 'abort' });

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await locateTemporalTestServer({ projectRoot: ROOT });
  if (server === undefined) throw new Error(TEMPORAL_TEST_SERVER_MISSING_HELP);
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: server.path } },
  });
  // The test server cannot list search attributes (so ensureSearchAttributes cannot run), but it
  // takes new ones: register the review's, as the dev server does at start.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      Object.values(SEARCH_ATTRIBUTES).map((key) => [
        key.name,
        temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      ]),
    ),
  });
  sandbox = await startSandbox({ consoleApiKey: API_KEY, seed: testSeed() });
  workers = await createReviewWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    dependencies: {
      statsig: new StatsigConsoleClient({
        baseUrl: sandbox.consoleApiUrl,
        apiKey: API_KEY,
        timeoutMs: 5_000,
      }),
      gate: gate.gate,
    },
    workflows: workflowBundleOption(),
  });
  running = workers.run();
}, 120_000);

afterAll(async () => {
  workers?.shutdown();
  await running;
  await sandbox?.close();
  await env?.teardown();
});

/** An inconclusive review (its benchmark errors), started as the receiver would start it. */
async function inconclusiveReview() {
  const trigger = releaseConfig(sandbox.sandbox, { quality: 0.99 });
  gate.control(trigger.dynamicConfigID ?? '', { error: 'eval service unreachable' });
  const request: ReviewRequest = {
    releasePipelineID: trigger.releasePipelineID,
    triggerID: trigger.id,
    phaseID: trigger.currentPhaseID ?? '',
    receivedAtMs: Date.now(),
  };
  const handle = await env.client.workflow.start('releasePipelineReview', {
    taskQueue,
    workflowId: reviewWorkflowId(request.triggerID, request.phaseID),
    args: [request],
  });
  const waiting = await eventually(async () => {
    const progress = await handle.query<ReviewProgress>('progress');
    return progress.stage === 'waiting for a person' ? progress : undefined;
  });
  return { trigger, handle, waiting };
}

const writesTo = (triggerID: string) =>
  sandbox.sandbox
    .successfulWrites()
    .filter((call) => call.path.includes(`/${triggerID}/`))
    .map((call) => `${call.method} ${call.path.replace('/console/v1', '')}`);

it('waits the default 24 h for a person, then takes the default action once', async () => {
  expect(DEFAULT_POLICY.decisionTimeoutMs).toBe(DAY_MS);
  const { trigger, handle, waiting } = await inconclusiveReview();
  const startedAt = await env.currentTimeMs();
  expect((waiting.decisionDeadlineMs ?? 0) - startedAt).toBeGreaterThan(DAY_MS - 60_000);

  await env.sleep('23h');
  expect((await handle.query<ReviewProgress>('progress')).stage).toBe('waiting for a person');
  expect(writesTo(trigger.id)).toEqual([]);

  const report = (await handle.result()) as ReviewReport;
  expect((await env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(DAY_MS - 60_000);
  expect(report).toMatchObject({ verdict: 'inconclusive', action: 'aborted' });
  expect(report.reason).toMatch(/nobody decided within 86400000 ms: default action abort/);
  expect(writesTo(trigger.id)).toEqual([`PUT /release_pipeline_triggers/${trigger.id}/abort`]);
}, 120_000);

it('makes the call a person decides 23 h in, and nothing at the deadline', async () => {
  const { trigger, handle } = await inconclusiveReview();
  await env.sleep('23h');
  await handle.executeUpdate('decide', {
    args: [
      {
        decision: 'approve',
        actor: 'oncall@example.com',
        reason: 'eval was down, checked by hand',
      },
    ],
  });
  const report = (await handle.result()) as ReviewReport;
  expect(report).toMatchObject({
    verdict: 'inconclusive',
    action: 'approved',
    override: { actor: 'oncall@example.com' },
  });
  await env.sleep('2h');
  expect(writesTo(trigger.id)).toEqual([`PUT /release_pipeline_triggers/${trigger.id}/approve`]);
}, 120_000);
