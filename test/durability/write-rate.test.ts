// Statsig allows about 100 mutations per 10 s per project. Two worker processes share one writes
// task queue whose rate limit Temporal enforces for the whole queue: a burst of reviews reaches
// Statsig at STATSIG_WRITES_PER_SECOND (after the limiter's small start-up burst), whichever worker
// makes the call. Measured on the sandbox's call log, where each call's arrival time is recorded.
import { DEFAULT_STATSIG_WRITES_PER_SECOND as STATSIG_WRITES_PER_SECOND } from '../../src/config';
import type { ReviewReport } from '../../workflows/contract';
import { qualityGate } from '../helpers/gates';
import { startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';
import { type WorkerFleet, workerFleet } from './worker-processes';

const REVIEWS = 30;
// Temporal's limiter is a token bucket: at the start of a burst it lets a few calls through ahead of
// the rate. What must hold is Statsig's 100 per 10 s, so the bucket may run ahead by at most the
// headroom the configured rate leaves under it (100 - 8 × 10 = 20 calls), in any window.
const STATSIG_LIMIT_PER_10_S = 100;
const BURST = STATSIG_LIMIT_PER_10_S - STATSIG_WRITES_PER_SECOND * 10;
// Without the limit the 60 writes land within about a second, failing every one of these windows.
const WINDOWS_S = [1, 2, 5];

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

it(`holds a burst of ${REVIEWS} reviews' writes to ${STATSIG_WRITES_PER_SECOND}/s across two worker processes`, async () => {
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

  // Every write: the Console API approvals and the Events API log_event calls.
  const writes = stack.sandbox.sandbox.calls.filter(
    (call) => call.method !== 'GET' && call.status < 300 && !call.faulted,
  );
  expect(writes).toHaveLength(REVIEWS * 2);
  const times = writes.map((call) => call.timeMs);
  const spanSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
  const busiest = WINDOWS_S.map((seconds) => busiestWindow(times, seconds * 1000));
  process.stderr.write(
    `\n[write-rate] ${writes.length} writes in ${spanSeconds.toFixed(2)} s (${((writes.length - 1) / spanSeconds).toFixed(1)}/s); busiest ${WINDOWS_S.map((seconds, i) => `${seconds} s: ${busiest[i]}`).join(', ')}\n`,
  );
  WINDOWS_S.forEach((seconds, i) => {
    expect(busiest[i]).toBeLessThanOrEqual(STATSIG_WRITES_PER_SECOND * seconds + BURST);
  });
  // Both processes made approve calls: the limit held across workers, not just inside one.
  const approvals = fleet.approvalsBy();
  expect([...approvals.keys()].sort()).toEqual(workers.map((worker) => worker.pid).sort());
  expect([...approvals.values()].reduce((sum, count) => sum + count, 0)).toBe(REVIEWS);
}, 120_000);
