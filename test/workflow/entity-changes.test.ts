// The entity under review changes while its benchmarks run: the review judges the version that would
// actually roll out (a config_change webhook, or a new version found when it reconciles), re-running
// up to the policy's bound, and otherwise ends inconclusive instead of approving a stale verdict.

import type { ReviewReport } from '../../workflows/contract';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { controllableGate } from '../helpers/controllable-gate';
import { inConsole, listedBy, resultOf, startReview, writesFor } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const gate = controllableGate({ maxReruns: 1, decisionTimeoutMs: 2_000 });
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ gate: gate.gate, seed: testSeed() });
});

afterAll(async () => {
  await stack?.stop();
});

/** Statsig's config_change webhook for a dynamic config, as it posts it to the receiver. */
async function sendConfigChange(entity: string, timestamp: number) {
  const response = await stack.send({
    data: [
      {
        user: { name: 'Ana', email: 'ana@example.com' },
        timestamp,
        eventName: 'statsig::config_change',
        metadata: { type: 'DynamicConfig', name: entity, action: 'updated' },
      },
    ],
  });
  expect(response.status).toBe(200);
  return response.body as { events: Array<{ signalled?: string[] }> };
}

/** A person switching the config off and on in the console: two new versions, same content. */
async function toggleInConsole(configID: string) {
  await inConsole(stack, 'PUT', `/dynamic_configs/${configID}/disable`);
  await inConsole(stack, 'PUT', `/dynamic_configs/${configID}/enable`);
}

it('re-runs the benchmarks when a config_change arrives for the entity mid-run', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  const workflowId = `review-${trigger.id}-${trigger.currentPhaseID}`;
  const control = gate.control(configID, {
    async during(run) {
      if (run !== 1) return;
      await listedBy(stack, `${SEARCH_ATTRIBUTES.entity.name} = "${configID}"`, workflowId);
      const answer = await sendConfigChange(configID, Date.now());
      expect(answer.events[0]?.signalled).toEqual([workflowId]);
    },
  });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(control.runs).toBe(2);
  expect(report).toMatchObject({ verdict: 'pass', action: 'approved', reruns: 1 });
  expect(writesFor(stack, trigger)).toEqual([
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
});

it('does not re-run for the config_change of the save that started the release', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  const workflowId = `review-${trigger.id}-${trigger.currentPhaseID}`;
  const control = gate.control(configID, {
    async during() {
      await listedBy(stack, `${SEARCH_ATTRIBUTES.entity.name} = "${configID}"`, workflowId);
      // Statsig reports the save that created this trigger, possibly after the review started.
      const answer = await sendConfigChange(configID, trigger.createdTime);
      expect(answer.events[0]?.signalled).toEqual([workflowId]);
    },
  });
  await startReview(stack, trigger);
  expect(await resultOf(stack, trigger)).toMatchObject({ action: 'approved', reruns: 0 });
  expect(control.runs).toBe(1);
});

it('re-runs on the new version when the entity changed without a webhook', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  const control = gate.control(configID, {
    async during(run) {
      if (run === 1) await toggleInConsole(configID);
    },
  });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  const released = stack.sandbox.sandbox.getDynamicConfig(configID)?.version ?? 0;
  expect(control.seen.map((target) => target.version)).toEqual([released - 2, released]);
  expect(report).toMatchObject({ action: 'approved', reruns: 1 });
  expect(report.target?.version).toBe(released);
});

it('ends inconclusive, calling nothing, when the entity keeps changing past the bound', async () => {
  const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.9 });
  const configID = trigger.dynamicConfigID ?? '';
  const control = gate.control(configID, {
    during: () => toggleInConsole(configID),
  });
  const handle = await startReview(stack, trigger);
  const report: ReviewReport = await resultOf(stack, trigger);
  // maxReruns 1: the first run and one re-run, then nobody decided within the 2 s deadline.
  expect(control.runs).toBe(2);
  expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none', reruns: 1 });
  expect(report.reason).toMatch(/the entity kept changing/);
  // Only the person's own switching reached Statsig; the review wrote nothing.
  const toggle = [
    `PUT /dynamic_configs/${configID}/disable`,
    `PUT /dynamic_configs/${configID}/enable`,
  ];
  expect(writesFor(stack, trigger)).toEqual([...toggle, ...toggle]);
  expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');
  const attributes = (await handle.describe()).typedSearchAttributes;
  expect(attributes.get(SEARCH_ATTRIBUTES.verdict)).toBe('inconclusive');
});
