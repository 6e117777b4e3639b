// The answer activity on its own (activities/pre-commit.ts), attempt by attempt, against the sandbox:
// what makes change_validation answered at most once when Temporal retries it or a worker dies.
// Statsig offers no read of change_validation, so the attempts' ledger is all a retry can consult.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { AnswerLedger } from '../../activities/answer-ledger';
import { createPreCommitActivities } from '../../activities/pre-commit';
import { defineGate } from '../../src/gate/define';
import { ReportStore } from '../../src/gate/report/store';
import { type StartedSandbox, startSandbox } from '../../src/sandbox/app';
import { StatsigConsoleClient } from '../../src/statsig/console-client';
import { getFreePort } from '../../src/temporal/dev-server';
import type { ChangeValidationAnswer } from '../../workflows/pre-commit-contract';
import { newReviewID } from '../helpers/pre-commit';

const gate = defineGate({
  suites: [
    {
      name: 's',
      benchmarks: [{ name: 'b', run: async () => ({ metrics: { m: 1 } }) }],
      criteria: [{ metric: 'm', op: '>=', threshold: 1 }],
    },
  ],
});

/** The attempts that fail do so on purpose: keep the SDK's account of them out of the output. */
const quiet = new DefaultLogger('ERROR', () => undefined);

let sandbox: StartedSandbox;
let reportsDir: string;

beforeAll(async () => {
  sandbox = await startSandbox({ consoleApiKey: 'console-answer-once' });
  reportsDir = await mkdtemp(path.join(tmpdir(), 'answer-once-'));
});

afterAll(async () => {
  await sandbox?.close();
  await rm(reportsDir, { recursive: true, force: true });
});

function activities(baseUrl = sandbox.consoleApiUrl) {
  return createPreCommitActivities({
    statsig: new StatsigConsoleClient({ baseUrl, apiKey: 'console-answer-once', timeoutMs: 5_000 }),
    gate,
    reports: new ReportStore(reportsDir),
    links: {
      temporalUiUrl: 'http://temporal.example',
      namespace: 'rollouts',
      reportsUrl: 'https://reports.example/gate/',
    },
  });
}

/** One attempt of the activity, as Temporal would run it inside the validation's workflow. */
function attempt(attemptNumber: number, input: ChangeValidationAnswer, baseUrl?: string) {
  const environment = new MockActivityEnvironment(
    {
      attempt: attemptNumber,
      workflowExecution: { workflowId: `precommit-${input.reviewID}`, runId: 'run-1' },
    },
    { logger: quiet },
  );
  return environment.run(activities(baseUrl).answerChangeValidation, input);
}

const answers = (reviewID: string) =>
  sandbox.sandbox.changeValidations.filter(
    (record) => record.reviewID === reviewID && record.kind === 'validation',
  );

function answer(reviewID: string): ChangeValidationAnswer {
  return {
    reviewID,
    validated: false,
    message: 'rollout-gate: fail.',
    report: {
      json: path.join(reportsDir, `precommit-${reviewID}`, 'run-1', 'report.json'),
      markdown: path.join(reportsDir, `precommit-${reviewID}`, 'run-1', 'report.md'),
    },
  };
}

it('answers with links to the report and the Temporal UI; a retry after a lost completion does not answer again', async () => {
  const reviewID = newReviewID();
  expect(await attempt(1, answer(reviewID))).toEqual({ status: 'answered' });
  // The worker died before Temporal heard of it: the next attempt finds the answer on record.
  expect(await attempt(2, answer(reviewID))).toEqual({ status: 'already-answered' });
  expect(answers(reviewID)).toEqual([
    expect.objectContaining({
      validated: false,
      debugLinks: [
        {
          title: 'rollout-gate report',
          url: `https://reports.example/gate/precommit-${reviewID}/run-1/report.md`,
        },
        {
          title: 'Validation in the Temporal UI',
          url: `http://temporal.example/namespaces/rollouts/workflows/precommit-${reviewID}`,
        },
      ],
    }),
  ]);
});

it('does not call when an earlier attempt claimed the call and left no answer on record', async () => {
  const reviewID = newReviewID();
  // An attempt that died between its claim and its record: its call may have reached Statsig.
  const ledger = new AnswerLedger(reportsDir, `precommit-${reviewID}`);
  expect(await ledger.claim({ attempt: 1, atMs: Date.now() })).toBe(true);
  const failure = await attempt(2, answer(reviewID)).catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure).toMatchObject({ type: 'ChangeValidationOutcomeUnknown', nonRetryable: true });
  expect(answers(reviewID)).toEqual([]);
});

it('gives the claim back when the call provably never reached Statsig, so a retry answers', async () => {
  const reviewID = newReviewID();
  const closed = `http://127.0.0.1:${await getFreePort()}/console/v1`;
  const refused = await attempt(1, answer(reviewID), closed).catch((error: unknown) => error);
  expect(refused).toMatchObject({ type: 'STATSIG_NETWORK', nonRetryable: false });
  expect(await attempt(2, answer(reviewID))).toEqual({ status: 'answered' });
  expect(answers(reviewID)).toHaveLength(1);
});

it('gives the claim back when Statsig refuses with an error status, retryable or not', async () => {
  const reviewID = newReviewID();
  sandbox.sandbox.addFault({ method: 'POST', path: '/change_validation$', status: 429, times: 1 });
  const limited = await attempt(1, answer(reviewID)).catch((error: unknown) => error);
  expect(limited).toMatchObject({ type: 'STATSIG_RATE_LIMITED', nonRetryable: false });
  expect(await attempt(2, answer(reviewID))).toEqual({ status: 'answered' });
  expect(answers(reviewID)).toHaveLength(1);
});
