// The catch-up activity against the sandbox, without a Temporal server: every page of waiting
// triggers is read, each waiting phase found by the review's own rule gets its start, and what it
// found (started, still running, ended without deciding) is what it reports.
import { MockActivityEnvironment } from '@temporalio/testing';
import type { ReviewDirectory } from '../../activities/catch-up';
import { createCatchUp } from '../../activities/catch-up';
import { createTriggerReader } from '../../activities/statsig-reads';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { type ReviewRequest, reviewWorkflowId } from '../../workflows/contract';
import type { CatchUpFindings } from '../../workflows/side-contract';
import { releaseConfig, testSeed } from '../helpers/seed';

let sandbox: StartedSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ consoleApiKey: 'console-key', seed: testSeed() });
});

afterAll(async () => {
  await sandbox?.close();
});

it('reads every page, starts each waiting phase once and reports what it could not start', async () => {
  const waiting = Array.from({ length: 23 }, () => releaseConfig(sandbox.sandbox, { quality: 1 }));
  // Two triggers that wait for no review: one approved (its phase runs), one aborted.
  const [moving, aborted] = waiting.splice(0, 2);
  if (!moving || !aborted) throw new Error('no triggers');
  const statsig = new StatsigConsoleClient({
    baseUrl: sandbox.consoleApiUrl,
    apiKey: 'console-key',
    timeoutMs: 5_000,
  });
  await statsig.approvePhase(moving.id, sandbox.sandbox.waitingPhase(moving.id) ?? '');
  await statsig.abortTrigger(aborted.id);
  const [failed, running, acted] = waiting;
  const existing: Record<string, { existing: string; decision?: string }> = {
    [failed?.id ?? '']: { existing: 'FAILED', decision: 'failed' },
    [running?.id ?? '']: { existing: 'RUNNING', decision: 'pending' },
    // Approved since the list was read: Statsig moved on, nothing to report.
    [acted?.id ?? '']: { existing: 'COMPLETED', decision: 'approved' },
  };
  const starts: ReviewRequest[] = [];
  const reviews: ReviewDirectory = {
    async startReview(request, source) {
      expect(source).toBe('catch-up');
      starts.push(request);
      const workflowId = reviewWorkflowId(request.triggerID, request.phaseID);
      const found = existing[request.triggerID];
      return found
        ? { status: 'duplicate', workflowId, ...found }
        : { status: 'accepted', workflowId };
    },
    countStuck: async (overMs) => {
      expect(overMs).toBe(60_000);
      return { waitingForPerson: 2, retryingStatsig: 1 };
    },
  };
  const activity = createCatchUp(statsig, createTriggerReader(statsig), reviews, {
    stuckAfterMs: 60_000,
    pageSize: 10,
  });
  sandbox.sandbox.calls.length = 0;

  const findings = (await new MockActivityEnvironment().run(
    activity.catchUpWaitingReviews,
  )) as CatchUpFindings;

  const lists = sandbox.sandbox.calls.filter((call) =>
    call.path.endsWith('/release_pipeline_triggers'),
  );
  expect(lists.map((call) => call.query)).toEqual([
    { status: 'WAITING_FOR_REVIEW', limit: '10', page: '1' },
    { status: 'WAITING_FOR_REVIEW', limit: '10', page: '2' },
    { status: 'WAITING_FOR_REVIEW', limit: '10', page: '3' },
  ]);
  const expected = waiting.map((trigger) => ({
    triggerID: trigger.id,
    phaseID: sandbox.sandbox.waitingPhase(trigger.id),
  }));
  expect(starts.map(({ triggerID, phaseID }) => ({ triggerID, phaseID }))).toEqual(expected);
  expect(starts[0]).toMatchObject({
    releasePipelineID: expect.stringMatching(/^rp_config_/),
    dynamicConfigID: expect.stringMatching(/^model_config_/),
  });
  expect(findings).toMatchObject({
    waiting: 21,
    waitingForPerson: 2,
    retryingStatsig: 1,
    withoutReview: [
      {
        triggerID: failed?.id,
        phaseID: sandbox.sandbox.waitingPhase(failed?.id ?? ''),
        workflowId: reviewWorkflowId(
          failed?.id ?? '',
          sandbox.sandbox.waitingPhase(failed?.id ?? '') ?? '',
        ),
        status: 'FAILED',
      },
    ],
  });
  expect(findings.started).toHaveLength(18);
});
