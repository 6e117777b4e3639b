// `npm run histories:record`: runs one review of each representative kind against a real Temporal
// server and the Statsig sandbox, and saves each review's history as JSON under
// test/fixtures/histories/. test/durability/replay.test.ts replays them against the current workflow
// code, so a change that would break reviews already running in production fails the suite.
// Re-record (and commit the files) when a change to the workflow is meant to alter its histories.
// `npm run histories:record -- <name> …` records only the named scenarios and keeps the other
// files: a change behind patched() adds histories of its new path beside those recorded before it.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { type DevServer, getFreePort, startDevServer } from '../../src/temporal/dev-server';
import type { ReviewProgress } from '../../workflows/contract';
import { controllableGate } from '../helpers/controllable-gate';
import { eventually, faultTriggerReads, inConsole, startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const ROOT = path.resolve(__dirname, '../..');
export const HISTORIES_DIR = path.join(ROOT, 'test', 'fixtures', 'histories');

type Scenario = (
  stack: Stack,
  gate: ReturnType<typeof controllableGate>,
) => Promise<WorkflowHandle>;

const progressOf = (handle: WorkflowHandle) => handle.query<ReviewProgress>('progress');

/** A review whose entity is saved again while its first run measures: it reruns on the new version. */
function changedWhileMeasured(stack: Stack, gate: ReturnType<typeof controllableGate>) {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  gate.control(configID, {
    async during(run) {
      if (run !== 1) return;
      await inConsole(stack, 'PUT', `/dynamic_configs/${configID}/disable`);
      await inConsole(stack, 'PUT', `/dynamic_configs/${configID}/enable`);
    },
  });
  return startReview(stack, trigger);
}

/** Each review ends in a different way; together they cover every path through the workflow. */
const SCENARIOS: Record<string, Scenario> = {
  async approve(stack) {
    return startReview(stack, releaseConfig(stack.sandbox.sandbox, { quality: 0.9 }));
  },
  async abort(stack) {
    return startReview(stack, releaseConfig(stack.sandbox.sandbox, { quality: 0.3 }));
  },
  async 'approve-after-statsig-errors'(stack) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    stack.sandbox.sandbox.addFault({
      method: 'PUT',
      path: `/${trigger.id}/approve$`,
      status: 500,
      times: 2,
    });
    return startReview(stack, trigger);
  },
  async 'decide-reject-mid-run'(stack, gate) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    const handle = await startReview(stack, trigger);
    await control.started;
    await handle.executeUpdate('decide', {
      args: [{ decision: 'reject', actor: 'ana@example.com', reason: 'known bad prompt' }],
    });
    return handle;
  },
  async 'inconclusive-then-approve'(stack, gate) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    gate.control(trigger.dynamicConfigID ?? '', { error: 'eval service unreachable' });
    const handle = await startReview(stack, trigger);
    await eventually(async () => (await progressOf(handle)).stage === 'waiting for a person');
    await handle.executeUpdate('decide', { args: [{ decision: 'approve', actor: 'oncall' }] });
    return handle;
  },
  async superseded(stack, gate) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const control = gate.control(trigger.dynamicConfigID ?? '', { hold: true });
    const handle = await startReview(stack, trigger);
    await control.started;
    await inConsole(stack, 'PUT', `/release_pipeline_triggers/${trigger.id}/abort`);
    control.release();
    return handle;
  },
  async 'rerun-on-change'(stack, gate) {
    return changedWhileMeasured(stack, gate);
  },
  // Recorded after local steps (patched 'local-steps'): planning, judging and reconciling locally.
  async 'local-steps-approve'(stack) {
    return startReview(stack, releaseConfig(stack.sandbox.sandbox, { quality: 0.9 }));
  },
  // Recorded after the local load (patched 'local-load'): loading and planning in one local step.
  async 'local-load-approve'(stack) {
    return startReview(stack, releaseConfig(stack.sandbox.sandbox, { quality: 0.9 }));
  },
  // Recorded after the local load: the rerun's load of the changed entity is local too.
  async 'local-load-rerun'(stack, gate) {
    return changedWhileMeasured(stack, gate);
  },
  // The local load failed (Statsig answered 503 once): the ordinary load, then the local plan.
  async 'local-load-fallback'(stack) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    faultTriggerReads(stack.sandbox.sandbox, trigger.id, {
      status: 503,
      times: 1,
    });
    return startReview(stack, trigger);
  },
  // Recorded after the last look (patched 'last-look'): judging and reconciling in one local step.
  async 'last-look-approve'(stack) {
    return startReview(stack, releaseConfig(stack.sandbox.sandbox, { quality: 0.9 }));
  },
  // The last look failed (Statsig answered the trigger's read 503 once): the ordinary judging and
  // reconciling, side by side.
  async 'last-look-fallback'(stack, gate) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    gate.control(trigger.dynamicConfigID ?? '', {
      during: () => faultTriggerReads(stack.sandbox.sandbox, trigger.id, { status: 503, times: 1 }),
    });
    return startReview(stack, trigger);
  },
  // The second phase of a release whose first was reviewed: every run taken from the run cache.
  async 'next-phase-from-cache'(stack) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    await (await startReview(stack, trigger)).result();
    stack.sandbox.sandbox.advanceTrigger(trigger.id);
    return startReview(stack, trigger);
  },
  async 'decision-deadline'(stack, gate) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
    const configID = trigger.dynamicConfigID ?? '';
    // A per-entity policy, as a gate config would declare it: wait 1 s for a person, then abort.
    gate.gate.policies = [
      {
        match: { entity: configID },
        policy: { decisionTimeoutMs: 1_000, onDecisionTimeout: 'abort' },
      },
    ];
    gate.control(configID, { error: 'eval service unreachable' });
    return startReview(stack, trigger);
  },
  async rollback(stack, gate) {
    // The phase rolls out both rules: a failing review turns `everyone` to 0%, then approves.
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.3 }, [
      { id: 'everyone', name: 'everyone', passPercentage: 100, conditions: [] },
      { id: 'staff', name: 'staff', passPercentage: 100, conditions: [] },
    ]);
    const configID = trigger.dynamicConfigID ?? '';
    gate.gate.policies = [
      {
        match: { entity: configID },
        policy: { onFail: { action: 'rollback', rules: ['everyone'] } },
      },
    ];
    return startReview(stack, trigger);
  },
  async pause(stack, gate) {
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.3 });
    const configID = trigger.dynamicConfigID ?? '';
    gate.gate.policies = [{ match: { entity: configID }, policy: { onFail: 'pause' } }];
    return startReview(stack, trigger);
  },
};

async function main(only: readonly string[]): Promise<void> {
  const unknown = only.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) throw new Error(`no such scenario: ${unknown.join(', ')}`);
  let devServer: DevServer | undefined;
  if (!process.env.TEMPORAL_TEST_ADDRESS) {
    devServer = await startDevServer({
      projectRoot: ROOT,
      port: await getFreePort(),
      headless: true,
    });
    process.env.TEMPORAL_TEST_ADDRESS = devServer.address;
  }
  // Workers bundle the workflow sources themselves (helpers/temporal.ts) unless a bundle is given.
  const gate = controllableGate({ maxReruns: 1 });
  const stack = await startStack({
    gate: gate.gate,
    seed: testSeed(),
    recordResults: true,
    runCache: { maxAgeMs: 3_600_000 },
  });
  try {
    if (only.length === 0) rmSync(HISTORIES_DIR, { recursive: true, force: true });
    mkdirSync(HISTORIES_DIR, { recursive: true });
    const chosen = Object.entries(SCENARIOS).filter(
      ([name]) => only.length === 0 || only.includes(name),
    );
    for (const [name, scenario] of chosen) {
      const handle = await scenario(stack, gate);
      const report = (await handle.result()) as { outcome: string; action: string };
      const history = await handle.fetchHistory();
      writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), `${historyToJSON(history)}\n`);
      process.stdout.write(
        `${name}: ${report.outcome}, ${report.action} (${history.events?.length ?? 0} events)\n`,
      );
    }
    process.stdout.write(
      `saved ${readdirSync(HISTORIES_DIR).length} histories to ${path.relative(ROOT, HISTORIES_DIR)}\n`,
    );
  } finally {
    await stack.stop();
    await devServer?.stop();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}
