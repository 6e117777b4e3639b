// The fault run of `npm run bench:cluster`, at CI size, on the production topology: PostgreSQL, the
// Temporal server built from source (deploy/local/tools.ts), two workers, two receivers and the
// Statsig sandbox, each its own process. The Temporal server is SIGKILLed while reviews are in flight
// and a wave is delivered while it is down, PostgreSQL is stopped without a checkpoint and started
// again, a worker and a receiver are killed, and Statsig answers errors throughout. Every
// acknowledged review must be decided once, Statsig see one write per review, and no delivery be
// acknowledged while Temporal or PostgreSQL was down.
//
// Needs the server binaries in .tools/temporal-server-<version>/ (`npx tsx deploy/local/tools.ts`
// builds them, about 6 minutes on two cores, once). Without them the test is skipped, except in CI,
// where it builds them itself rather than pass without running.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeFaultTally, runClusterFaults } from '../../bench/cluster';
import { temporalToolsDir } from '../../deploy/local/tools';

const built = existsSync(path.join(temporalToolsDir(), 'bin', 'temporal-server'));
const runIt = built || process.env.CI ? it : it.skip;
if (!runIt) {
  process.stderr.write(
    'test/cluster skipped: no Temporal server build in .tools/ (npx tsx deploy/local/tools.ts)\n',
  );
}

runIt(
  'decides every review once through a Temporal server kill, a PostgreSQL restart and role kills',
  async () => {
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
  },
  1_200_000,
);
