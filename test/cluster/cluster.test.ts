// The fault run of `npm run bench:cluster`, at CI size, on the production topology: PostgreSQL, the
// Temporal server built from source (deploy/local/tools.ts), two workers, two receivers and the
// Statsig sandbox, each its own process. The Temporal server is SIGKILLed while reviews are in flight
// and a wave is delivered while it is down, PostgreSQL is stopped without a checkpoint and started
// again, a worker and a receiver are killed, and Statsig answers errors throughout. Every
// acknowledged review must be decided once, Statsig see one write per review, and no delivery be
// acknowledged while Temporal or PostgreSQL was down.
//
// Not part of `npm test` (CI runs on a fresh machine, where building the Temporal server costs 6 to 12
// minutes): `npm run test:cluster` runs it, building the server binaries into .tools/ first when
// they are missing (deploy/local/tools.ts), and installing PostgreSQL where it is missing.
import { describeFaultTally, runClusterFaults } from '../../bench/cluster';
import { ensurePostgres, ensureTemporalServer } from '../../deploy/local/tools';

const say = (line: string) => process.stderr.write(`[cluster test] ${line}\n`);

beforeAll(async () => {
  await ensureTemporalServer(say);
  await ensurePostgres(say);
}, 1_800_000);

it('decides every review once through a Temporal server kill, a PostgreSQL restart and role kills', async () => {
  const tally = await runClusterFaults({
    reviews: 12,
    concurrency: 4,
    temporalDownMs: 10_000,
    decisionTimeoutMs: 300_000,
    log: (line) => process.stderr.write(`[cluster test] ${line}\n`),
  });
  process.stderr.write(`${describeFaultTally(tally)}\n${tally.events.join('\n')}\n`);
  expect(tally.acknowledged).toBe(12);
  expect(tally.lost).toEqual([]);
  expect(tally.decisions).toEqual({ approved: 12 });
  expect(tally.duplicateWrites).toEqual([]);
  expect(tally.approvedWithoutOneApprove).toEqual([]);
  // Refused while down, never acknowledged: only 503s inside the outages.
  expect(tally.acknowledgedWhileDown).toBe(0);
  const temporalDown = tally.answersWhileDown['Temporal server down'] ?? {};
  expect(Object.keys(temporalDown)).toEqual(['503']);
  for (const counts of Object.values(tally.answersWhileDown)) {
    expect(Object.keys(counts).every((status) => status === '503')).toBe(true);
  }
}, 1_200_000);
