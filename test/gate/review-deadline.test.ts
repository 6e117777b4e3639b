// Benchmarks whose code ignores its abort signal (a custom run, a dataset model that never settles),
// inside real reviews on a worker with a single activity slot: the run is abandoned before its
// timeout, its failure says the code ignored cancellation, its scratch folder is removed, and the
// slot is free for the next review at once.
import { access, readFile } from 'node:fs/promises';
import { defineGate } from '../../src/gate/define';
import { dataset } from '../../src/gate/kinds/dataset';
import * as scorers from '../../src/gate/kinds/scorers';
import type { Target } from '../../src/gate/types';
import { FAILURE } from '../../workflows/contract';
import { eventually, resultOf, startReview, workflowIdOf, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const TIMEOUT_MS = 3_000;

interface Value {
  label: string;
  /** Which benchmarks never settle on this version: 'custom', 'dataset'. */
  hang: string[];
}

const versionOf = (target: Target) => target.value as Value;
/** Each run's scratch folder, by `<benchmark>:<label>`. */
const scratchDirs = new Map<string, string>();
const never = () => new Promise<never>(() => undefined);

const gate = defineGate({
  policy: { decisionTimeoutMs: 1_000 },
  suites: [
    {
      name: 'stuck',
      benchmarks: [
        {
          name: 'custom',
          timeoutMs: TIMEOUT_MS,
          retries: 0,
          metrics: ['quality'],
          run: async ({ target, scratchDir }) => {
            scratchDirs.set(`custom:${versionOf(target).label}`, scratchDir);
            if (versionOf(target).hang.includes('custom')) return never();
            return { metrics: { quality: 1 } };
          },
        },
        dataset({
          name: 'answers',
          timeoutMs: TIMEOUT_MS,
          retries: 0,
          cases: ({ target, scratchDir }) => {
            scratchDirs.set(`answers:${versionOf(target).label}`, scratchDir);
            return [{ id: 'echo', input: 'x', expected: 'x' }];
          },
          // Takes no notice of context.signal.
          model: (input, { target }) =>
            versionOf(target).hang.includes('dataset') ? never() : input,
          scorers: [scorers.exact()],
        }),
      ],
      criteria: [
        { metric: 'quality', op: '>=', threshold: 0.8 },
        { metric: 'pass_rate', op: '>=', threshold: 1 },
      ],
    },
  ],
});

let stack: Stack;

beforeAll(async () => {
  // One slot: a run that kept it would stall every later activity of every review.
  stack = await startStack({ gate, seed: testSeed(), maxConcurrentActivities: 1 });
});

afterAll(async () => {
  await stack?.stop();
});

const gone = async (dir: string | undefined) =>
  dir !== undefined &&
  (await access(dir).then(
    () => false,
    () => true,
  ));

async function activityFailures(workflowId: string) {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  return {
    failed: events.flatMap((event) => {
      const failure = event.activityTaskFailedEventAttributes?.failure;
      return failure ? [failure] : [];
    }),
    timedOut: events.filter((event) => event.activityTaskTimedOutEventAttributes).length,
  };
}

/** The next review, with nothing hanging, runs through the same single slot and is approved. */
async function nextReviewIsApproved(label: string): Promise<void> {
  const trigger = releaseConfig(stack.sandbox.sandbox, { label, hang: [] });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
}

it.each([
  ['custom run', 'custom', 'quality'],
  ['dataset model', 'answers', 'pass_rate'],
])(
  'a %s that ignores its signal is abandoned at its deadline, and its slot serves the next review',
  async (_, benchmark, metric) => {
    const label = `hang-${benchmark}`;
    const trigger = releaseConfig(stack.sandbox.sandbox, {
      label,
      hang: [benchmark === 'custom' ? 'custom' : 'dataset'],
    });
    const started = Date.now();
    await startReview(stack, trigger);
    const report = await resultOf(stack, trigger);
    // Past the timeout by a little, not by a heartbeat or schedule-to-close timeout.
    expect(Date.now() - started).toBeLessThan(20_000);

    expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
    const ignored = new RegExp(
      `^stuck/${benchmark} ignored its cancellation signal: it was still running \\d+ ms after its ${TIMEOUT_MS} ms timeout stopped it`,
    );
    expect(report.benchmarks.find((outcome) => outcome.benchmark === benchmark)).toMatchObject({
      status: 'error',
      error: expect.stringMatching(ignored),
    });
    expect(report.criteria.find((criterion) => criterion.metric === metric)?.reason).toMatch(
      `no measurement: ${benchmark}: stuck/${benchmark} ignored its cancellation signal`,
    );
    expect(writesFor(stack, trigger)).toEqual([]);

    // The activity failed on its own, with its own type, before Temporal timed it out.
    const { failed, timedOut } = await activityFailures(workflowIdOf(trigger));
    expect(timedOut).toBe(0);
    expect(failed).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(ignored),
        applicationFailureInfo: expect.objectContaining({
          type: FAILURE.benchmarkIgnoredCancellation,
          nonRetryable: true,
        }),
      }),
    ]);

    // Its scratch folder is gone although its code never returned.
    await eventually(() => gone(scratchDirs.get(`${benchmark}:${label}`)), 5_000);

    // The stored report says so too.
    const markdownFile = report.evaluation?.report.markdown;
    expect(markdownFile).toBeDefined();
    expect(await readFile(markdownFile ?? '', 'utf8')).toContain(
      `stuck/${benchmark} ignored its cancellation signal`,
    );

    await nextReviewIsApproved(`after-${benchmark}`);
  },
);
