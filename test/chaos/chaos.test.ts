// The fault run of `npm run bench:chaos`, at CI size: a burst of reviews while the worker is
// SIGKILLed, the receiver restarts, Statsig answers 500s, slow answers and a 429 window. Every
// acknowledged review must reach exactly one decision, and Statsig see at most one write per review.
// Here the outage ends 20 s after the last wave: with faults to the very end, a review whose reads
// lose the 20% roll eight times running waits out minute-long backoffs, past any CI time limit.
import { describeTally, runChaos } from '../../bench/chaos';
import { testTemporalAddress } from '../helpers/temporal';

it('decides every review exactly once through kills, restarts and Statsig faults', async () => {
  const tally = await runChaos({
    temporalAddress: testTemporalAddress(),
    reviews: 24,
    concurrency: 8,
    outageMs: 20_000,
    decisionTimeoutMs: 150_000,
  });
  process.stderr.write(
    `${describeTally(tally)}\n${[...tally.events, ...tally.undecidedState].join('\n')}\n`,
  );
  expect(tally.acknowledged).toBe(24);
  expect(tally.undecided).toEqual([]);
  expect(tally.decisions).toEqual({ approved: 24 });
  expect(tally.duplicateWrites).toEqual([]);
  expect(tally.approvedWithoutOneApprove).toEqual([]);
  // The run really was disturbed: Statsig answered 500s and 429s along the way.
  expect(tally.injected500).toBeGreaterThan(0);
  expect(tally.injected429).toBeGreaterThan(0);
}, 300_000);
