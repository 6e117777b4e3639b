// Replays the saved review histories (test/fixtures/histories/, written by `npm run
// histories:record`) against the current workflow code. Reviews wait up to a day for a person, so
// workers are deployed while reviews run: a change to the workflow that would decide differently on
// replay (a new activity, a reordered step, a removed timer) must not reach them unversioned.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundleOption } from '../helpers/temporal';

const HISTORIES_DIR = path.resolve(__dirname, '../fixtures/histories');
// Every way a review can end, as recorded; fewer files means the recording went wrong.
const SCENARIOS = [
  'abort',
  'approve',
  'approve-after-statsig-errors',
  'decide-reject-mid-run',
  'decision-deadline',
  'inconclusive-then-approve',
  // Recorded after the last look: judging and reconciling in one local step.
  'last-look-approve',
  // Its last look failed once: the ordinary judging and reconciling, side by side.
  'last-look-fallback',
  // Recorded after the local load: loading and planning in one local step.
  'local-load-approve',
  // Its local load failed once: the ordinary load, then planning locally.
  'local-load-fallback',
  // Recorded after the local load: a rerun whose second load is local too.
  'local-load-rerun',
  // Recorded after local steps: planning, judging and reconciling as local activities.
  'local-steps-approve',
  // Its runs all taken from the run cache (the first phase's review measured them).
  'next-phase-from-cache',
  'pause',
  'rerun-on-change',
  'rollback',
  'superseded',
];

beforeAll(() => {
  // The tampered replay below fails on purpose; keep the SDK's account of it out of the test output.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
});

function savedHistories() {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({
      workflowId: path.basename(file, '.json'),
      history: historyFromJSON(JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8'))),
    }))
    .sort((a, b) => (a.workflowId < b.workflowId ? -1 : 1));
}

async function replay(histories: ReturnType<typeof savedHistories>) {
  const results: Array<{ workflowId: string; error: string | null }> = [];
  for await (const result of Worker.runReplayHistories(
    { ...workflowBundleOption(), replayName: 'saved-review-histories' },
    histories,
  )) {
    results.push({ workflowId: result.workflowId, error: result.error?.message ?? null });
  }
  return results;
}

it('replays every saved review history without a determinism violation', async () => {
  const histories = savedHistories();
  expect(histories.map((entry) => entry.workflowId)).toEqual(SCENARIOS);
  expect(await replay(histories)).toEqual(
    SCENARIOS.map((workflowId) => ({ workflowId, error: null })),
  );
});

it('reports a history that the workflow code would not produce', async () => {
  const [approve] = savedHistories().filter((entry) => entry.workflowId === 'approve');
  if (!approve) throw new Error('approve.json is missing');
  // The history says the first activity was something the review never schedules there.
  const scheduled = approve.history.events?.find(
    (event) => event.activityTaskScheduledEventAttributes?.activityType,
  )?.activityTaskScheduledEventAttributes;
  if (!scheduled?.activityType) throw new Error('approve.json schedules no activity');
  scheduled.activityType.name = 'skipTheReview';
  const replayed = Worker.runReplayHistory(workflowBundleOption(), approve.history, 'tampered');
  await expect(replayed).rejects.toMatchObject({ name: 'DeterminismViolationError' });
  await expect(replayed).rejects.toThrow(/skipTheReview/);
});
