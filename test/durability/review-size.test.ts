// The bound on a review's size (src/gate/limits.ts): a gate whose largest review could outgrow
// Temporal's limits fails to load, naming the benchmark and the numbers; the largest gate that loads
// runs its review to the end on the dev server, within the events the bound counted, with a history
// far from 50 MB and no payload near 2 MiB. Each adaptive round sends its evaluation only its own
// runs (the earlier ones by reference): sending them all again would grow the history with
// runs × rounds.
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { GateConfigError, validateGate } from '../../src/gate/define';
import { MAX_REVIEW_EVENTS, MAX_RUNS_IN_FLIGHT, reviewLoad } from '../../src/gate/limits';
import type { GateDefinition } from '../../src/gate/types';
import type { EvaluateReviewInput, ReviewReport } from '../../workflows/contract';
import { startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { startStack } from '../helpers/stack';

const run = async () => ({ metrics: { score: 1 } });

/**
 * Two benchmarks compared with the baseline, each starting at a quarter of its maxRepeats: every
 * criterion wants all maxRepeats samples, so the review goes through every adaptive round.
 */
function adaptiveGate(maxRepeats: number, policy: GateDefinition['policy'] = { maxReruns: 0 }) {
  const names = ['first', 'second'];
  return {
    policy,
    suites: [
      {
        name: 'wide',
        benchmarks: names.map((name) => ({
          name,
          repeats: maxRepeats / 4,
          maxRepeats,
          parallelRuns: 100,
          retries: 0,
          timeoutMs: 30_000,
          run,
        })),
        criteria: names.map((benchmark) => ({
          name: `${benchmark} holds`,
          benchmark,
          metric: 'score',
          op: '>=' as const,
          threshold: -0.5,
          compare: 'delta' as const,
          aggregate: 'mean' as const,
          test: 'none' as const,
          minSamples: maxRepeats,
        })),
      },
    ],
  };
}

/** The largest maxRepeats (a multiple of 4) of adaptiveGate that loads. */
function largestAllowed(): number {
  let maxRepeats = 4;
  while (reviewLoad(adaptiveGate(maxRepeats + 4)).events <= MAX_REVIEW_EVENTS) {
    maxRepeats += 4;
  }
  return maxRepeats;
}

function problemsOf(gate: unknown): string[] {
  try {
    validateGate(gate, 'test gate');
  } catch (error) {
    if (error instanceof GateConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('the bound on a review, checked when the gate loads', () => {
  it('refuses a gate one step past the largest allowed, naming the benchmark and the numbers', () => {
    const largest = largestAllowed();
    expect(largest).toBe(808);
    expect(problemsOf(adaptiveGate(largest))).toEqual([]);
    expect(problemsOf(adaptiveGate(largest + 4))).toEqual([
      `a review could write 20,042 events to its Temporal history, over the 20,000 allowed (Temporal ends a workflow at 51,200): (maxReruns 0 + 1) versions × (3,248 runs + 7 judging rounds + 2 Statsig reads) × 6 events, plus 100 for the review and 400 to cancel 200 runs in flight. Largest: suites[wide].benchmarks[first]: maxRepeats 812 × 2 sides = 1,624 runs, 3 more rounds; suites[wide].benchmarks[second]: maxRepeats 812 × 2 sides = 1,624 runs, 3 more rounds. Lower maxRepeats, raise repeats (fewer rounds) or lower maxReruns`,
    ]);
  });

  it('counts every version a review may judge: the largest maxReruns of any policy', () => {
    // 1,280 runs a version (12,182 events) fit three versions, the default two reruns...
    expect(problemsOf(adaptiveGate(160, {}))).toEqual([]);
    // ...but not eleven, even when only one pipeline's policy allows them.
    const problems = problemsOf({
      ...adaptiveGate(160, {}),
      policies: [{ match: { pipelineID: 'rp_busy' }, policy: { maxReruns: 10 } }],
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^a review could write 43,[0-9]{3} events .* \(maxReruns 10 \+ 1\) versions/,
    );
  });

  it('refuses more runs in flight than Temporal lets a workflow keep pending', () => {
    const wide = {
      suites: [
        {
          name: 'fan-out',
          benchmarks: Array.from({ length: 11 }, (_, index) => ({
            name: `b${index}`,
            repeats: 100,
            parallelRuns: 100,
            run,
          })),
          criteria: [{ metric: 'score', op: '>=', threshold: 0 }],
        },
      ],
      policy: { maxReruns: 0 },
    };
    expect(problemsOf(wide)).toEqual([
      `1,100 runs could be in flight at once, over the ${MAX_RUNS_IN_FLIGHT.toLocaleString('en-US')} allowed (Temporal refuses more than 2,000 pending activities per workflow). Widest parallelRuns: suites[fan-out].benchmarks[b0]: 100; suites[fan-out].benchmarks[b1]: 100; suites[fan-out].benchmarks[b2]: 100`,
    ]);
  });
});

/** Each evaluateReview input in the history: how many runs it carried and whether it had a reference. */
async function evaluations(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  return events.flatMap((event) => {
    const attributes = event.activityTaskScheduledEventAttributes;
    const payload = attributes?.input?.payloads?.[0];
    if (attributes?.activityType?.name !== 'evaluateReview' || !payload) return [];
    const input = defaultPayloadConverter.fromPayload<EvaluateReviewInput>(payload);
    return [{ runs: input.runs.length, earlier: input.earlierRuns !== undefined }];
  });
}

describe('the largest review a gate may ask for', () => {
  it('runs to its end within the counted events, with a small history', async () => {
    const maxRepeats = largestAllowed();
    const gate = validateGate(adaptiveGate(maxRepeats));
    const load = reviewLoad(gate);
    const stack = await startStack({ gate, seed: testSeed() });
    try {
      const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
      const handle = await startReview(stack, trigger);
      const report = (await handle.result()) as ReviewReport;
      expect(report).toMatchObject({ verdict: 'pass', action: 'approved' });
      expect(report.evaluation).toMatchObject({ samplingRounds: 4, runs: load.runs });

      // Each round's evaluation got that round's runs; the earlier ones went by reference.
      const perRound = maxRepeats / 4;
      expect(await evaluations(handle)).toEqual([
        { runs: 4 * perRound, earlier: false },
        { runs: 4 * perRound, earlier: true },
        { runs: 4 * perRound, earlier: true },
        { runs: 4 * perRound, earlier: true },
      ]);

      const info = (await handle.describe()).raw.workflowExecutionInfo;
      const events = Number(info?.historyLength);
      const bytes = Number(info?.historySizeBytes);
      process.stderr.write(
        `\nlargest review: maxRepeats ${maxRepeats}, ${load.runs} runs; ${events} events (counted at most ${load.events}), ${(bytes / 1e6).toFixed(1)} MB\n`,
      );
      expect(events).toBeLessThanOrEqual(load.events);
      // Temporal warns at 10 MB of history and ends the workflow at 50 MB.
      expect(bytes).toBeLessThan(10 * 1024 * 1024);
      const largestPayload = Math.max(
        ...((await handle.fetchHistory()).events ?? []).flatMap((event) =>
          [
            ...(event.activityTaskScheduledEventAttributes?.input?.payloads ?? []),
            ...(event.activityTaskCompletedEventAttributes?.result?.payloads ?? []),
          ].map((payload) => payload.data?.length ?? 0),
        ),
      );
      // Temporal warns at 512 KB per payload and refuses 2 MiB.
      expect(largestPayload).toBeLessThan(512 * 1024);
    } finally {
      await stack.stop();
    }
  }, 600_000);
});
