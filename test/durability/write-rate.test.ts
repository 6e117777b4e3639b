// Statsig allows about 100 Console API mutations per 10 s and a 15-minute quota per project. Two
// worker processes share one writes task queue whose rate limit Temporal enforces for the whole
// queue, at the rate the shipped budgets give (80 per 10 s and 720 per 15 min: 0.8 writes a second):
// a burst of reviews reaches Statsig at that rate, whichever worker makes the call. log_event goes to
// the Events API, which is no Console mutation, and takes no slot. Measured on the sandbox's call log,
// where each call's arrival time is recorded.
import {
  DEFAULT_STATSIG_WRITES_PER_10S as PER_10S,
  DEFAULT_STATSIG_WRITES_PER_15MIN as PER_15MIN,
  DEFAULT_STATSIG_WRITES_PER_SECOND as WRITES_PER_SECOND,
} from '../../src/config';
import type { ReviewReport } from '../../workflows/contract';
import { qualityGate } from '../helpers/gates';
import { startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { type WorkerFleet, workerFleet } from './worker-processes';

const REVIEWS = 20;
// Temporal's limiter is a token bucket: at the start of a burst it lets a few calls through ahead of
// the rate (about 10 measured here). Any window may run ahead of the rate by that much, no more.
const BURST = 10;
// Without the limit the 20 approvals land within about a second, failing every one of these windows.
const WINDOWS_S = [5, 10, 20];

let stack: Stack;
let fleet: WorkerFleet;

beforeAll(async () => {
  stack = await startStack({ gate: qualityGate(), seed: testSeed(), worker: false });
  fleet = workerFleet(stack, { recordResults: true });
});

afterAll(async () => {
  await fleet?.stop();
  await stack?.stop();
});

/** The most calls that arrived within any window of `windowMs`. */
function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start += 1;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

it(`holds a burst of ${REVIEWS} reviews' writes to ${WRITES_PER_SECOND}/s across two worker processes`, async () => {
  const workers = [await fleet.start(), await fleet.start()];
  const triggers = Array.from({ length: REVIEWS }, () =>
    releaseConfig(stack.sandbox.sandbox, { quality: 0.9 }),
  );
  const handles = await Promise.all(triggers.map((trigger) => startReview(stack, trigger)));
  const reports = (await Promise.all(handles.map((handle) => handle.result()))) as ReviewReport[];
  expect(reports.map((report) => report.action)).toEqual(Array(REVIEWS).fill('approved'));
  expect(reports.map((report) => report.recording)).toEqual(
    Array(REVIEWS).fill({ status: 'recorded' }),
  );

  // Every Console API write: the approvals. (log_event, on the Events API, is recorded apart.)
  const writes = stack.sandbox.sandbox.calls.filter(
    (call) =>
      call.method !== 'GET' &&
      call.path.startsWith('/console/') &&
      call.status < 300 &&
      !call.faulted,
  );
  expect(writes).toHaveLength(REVIEWS);
  expect(
    stack.sandbox.sandbox.loggedEvents.filter((e) => e.eventName === 'rollout_gate_review'),
  ).toHaveLength(REVIEWS);
  const times = writes.map((call) => call.timeMs);
  const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
  const busiest = WINDOWS_S.map((seconds) => busiestWindow(times, seconds * 1000));
  process.stderr.write(
    `\n[write-rate] ${writes.length} writes in ${spanSeconds.toFixed(2)} s (${((writes.length - 1) / spanSeconds).toFixed(1)}/s); busiest ${WINDOWS_S.map((seconds, i) => `${seconds} s: ${busiest[i]}`).join(', ')}\n`,
  );
  WINDOWS_S.forEach((seconds, i) => {
    expect(busiest[i]).toBeLessThanOrEqual(WRITES_PER_SECOND * seconds + BURST);
  });
  // Both of Statsig's windows, with our budgets inside them: 10 s, and 15 min at this pace.
  expect(busiest[WINDOWS_S.indexOf(10)]).toBeLessThanOrEqual(PER_10S);
  expect(WRITES_PER_SECOND * 900).toBeLessThanOrEqual(PER_15MIN);
  // Both processes made approve calls: the limit held across workers, not just inside one.
  const approvals = fleet.approvalsBy();
  expect([...approvals.keys()].sort()).toEqual(workers.map((worker) => worker.pid).sort());
  expect([...approvals.values()].reduce((sum, count) => sum + count, 0)).toBe(REVIEWS);
}, 120_000);
