// The scoped kill switches on the real dev server, against a sandbox whose pipelines have phases with
// rules, environments and conditions: pause (and its undo, an unpause), a rollback narrowed to an
// environment, one narrowed to a rule condition (a region), a suite judged per environment with a
// mixed outcome, and `review undo`, which restores only what nobody changed since. (abort and
// disable: test/workflow/policies.test.ts and the review-loop tests; a rule write across a worker
// SIGKILL: test/durability/worker-crash.test.ts.)
import { randomBytes } from 'node:crypto';
import { defineGate } from '../../src/gate/define';
import type { BenchmarkContext, ReviewScope } from '../../src/gate/types';
import { createReviewControl } from '../../src/reviews/control';
import type { SandboxSeed } from '../../src/sandbox';
import type { ReviewReport } from '../../workflows/contract';
import type { UndoOutcome } from '../../workflows/rollback-contract';
import { runBin } from '../helpers/cli';
import { resultOf, startReview, workflowIdOf, writesFor } from '../helpers/review';
import { type Stack, startStack } from '../helpers/stack';
import { testTemporalAddress } from '../helpers/temporal';
import { http } from '../receiver/helpers';

jest.setTimeout(180_000);

const TOKEN = randomBytes(24).toString('hex');

/** Error rates the `checkout` benchmark reports, per entity and environment (`all` unscoped). */
const errorRates = new Map<string, Record<string, number>>();
/** What each benchmark run saw: its entity, scope and the value it measured. */
const seen: Array<{ entity: string; scope?: ReviewScope; value: unknown; phase?: string }> = [];

function record(context: BenchmarkContext): void {
  if (context.role !== 'candidate') return;
  seen.push({
    entity: context.target.id,
    ...(context.scope ? { scope: context.scope } : {}),
    value: context.target.value,
    ...(context.phase?.name ? { phase: context.phase.name } : {}),
  });
}

const checkout = {
  name: 'checkout-errors',
  benchmarks: [
    {
      name: 'errors',
      async run(context: BenchmarkContext) {
        record(context);
        const rates = errorRates.get(context.target.id) ?? {};
        return { metrics: { error_rate: rates[context.scope?.name ?? 'all'] ?? 0 } };
      },
    },
  ],
  criteria: [{ metric: 'error_rate', op: '<=' as const, threshold: 0.05 }],
};

const quality = {
  name: 'answer-quality',
  benchmarks: [
    {
      name: 'score',
      async run(context: BenchmarkContext) {
        record(context);
        return {
          metrics: { quality: (context.target.value as { quality?: number }).quality ?? 0 },
        };
      },
    },
  ],
  criteria: [{ metric: 'quality', op: '>=' as const, threshold: 0.8 }],
};

const gate = defineGate({
  policy: { onFail: 'abort' },
  policies: [
    {
      match: { entity: 'checkout_staging' },
      policy: { onFail: { action: 'rollback', environments: ['staging'] } },
    },
    { match: { entity: 'checkout_paused' }, policy: { onFail: 'pause' } },
    { match: { entity: 'checkout_undo' }, policy: { onFail: 'rollback' } },
    {
      match: { entity: 'answer_prompt' },
      policy: {
        onFail: { action: 'rollback', condition: { field: 'region', values: ['SouthAmerica'] } },
      },
    },
  ],
  suites: [
    {
      ...checkout,
      targets: {
        entities: ['checkout_staging', 'checkout_paused', 'checkout_undo', 'checkout_ok'],
      },
    },
    {
      ...checkout,
      name: 'checkout-per-env',
      targets: { entities: ['checkout_envs'] },
      forEach: 'environment',
      onFail: 'rollback',
    },
    { ...quality, targets: { entities: ['answer_prompt'] } },
  ],
});

const region = (name: string) => ({
  type: 'custom_field' as const,
  field: 'region',
  operator: 'any',
  targetValue: [name],
});

/** A gate rolled out to staging and production testers in one reviewed phase, then to everyone. */
function checkoutGate(id: string) {
  return {
    pipeline: {
      id: `rp_${id}`,
      name: `${id} rollout`,
      phases: [
        {
          id: `${id}_testers`,
          name: 'Testers (25%)',
          requiredReview: true,
          rules: [{ name: 'testers', environments: ['staging', 'production'] }],
        },
        { id: `${id}_all`, name: 'Everyone (100%)', requiredReview: true, rules: [] },
      ],
    },
    gate: {
      id,
      isEnabled: true,
      rules: [
        { id: `${id}_dev`, name: 'developers', passPercentage: 100, environments: ['development'] },
        { id: `${id}_stg`, name: 'staging testers', passPercentage: 25, environments: ['staging'] },
        {
          id: `${id}_prd`,
          name: 'production testers',
          passPercentage: 25,
          environments: ['production'],
        },
      ],
      releasePipelineID: `rp_${id}`,
    },
  };
}

function seed(): SandboxSeed {
  const gates = [
    'checkout_staging',
    'checkout_paused',
    'checkout_undo',
    'checkout_envs',
    'checkout_ok',
  ].map(checkoutGate);
  return {
    pipelines: [
      ...gates.map((entry) => entry.pipeline),
      {
        id: 'rp_answer',
        name: 'answer prompt by region',
        phases: [
          {
            id: 'answer_regions',
            name: 'Regions (50%)',
            requiredReview: true,
            rules: [
              { name: 'SouthAmerica', conditions: [region('SouthAmerica')] },
              { name: 'Europe', conditions: [region('Europe')] },
            ],
          },
        ],
      },
    ],
    gates: gates.map((entry) => entry.gate),
    dynamicConfigs: [
      {
        id: 'answer_prompt',
        isEnabled: true,
        defaultValue: { quality: 0.9 },
        rules: [
          {
            id: 'sa',
            name: 'SouthAmerica',
            passPercentage: 50,
            conditions: [region('SouthAmerica')],
            returnValue: { quality: 0.85 },
          },
          {
            id: 'eu',
            name: 'Europe',
            passPercentage: 50,
            conditions: [region('Europe')],
            returnValue: { quality: 0.85 },
          },
        ],
        releasePipelineID: 'rp_answer',
      },
    ],
  };
}

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    gate,
    seed: seed(),
    receiver: (client) => ({
      reviewApi: { tokens: [TOKEN], control: createReviewControl(client) },
    }),
  });
});

afterAll(async () => {
  await stack?.stop();
});

/** A person saves the same rules again: the gate's release starts at its testers phase. */
function releaseGate(id: string) {
  const rules = stack.sandbox.sandbox.getGate(id)?.rules ?? [];
  return stack.sandbox.sandbox.startRelease({
    pipelineID: `rp_${id}`,
    entity: { kind: 'gate', id, rules },
  });
}

function percentages(id: string): Record<string, number> {
  return Object.fromEntries(
    (stack.sandbox.sandbox.getGate(id)?.rules ?? []).map((rule) => [
      rule.name,
      rule.passPercentage,
    ]),
  );
}

const undoOverApi = async (workflowId: string, actor: string) => {
  const answer = await http(stack.receiverUrl, `/reviews/${encodeURIComponent(workflowId)}/undo`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ actor }),
  });
  return { status: answer.status, body: answer.body as UndoOutcome };
};

it('rolls back only the staging rules of the phase, then approves it for the rest', async () => {
  errorRates.set('checkout_staging', { all: 0.2 });
  const trigger = releaseGate('checkout_staging');
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'fail', action: 'rolled-back' });
  expect(report.rollback).toMatchObject({
    scopes: [{ environments: ['staging'], matched: 1 }],
    rules: [
      {
        rule: { id: 'checkout_staging_stg', name: 'staging testers', environments: ['staging'] },
        before: { passPercentage: 25 },
        after: { passPercentage: 0 },
        status: 'done',
      },
    ],
    afterwards: 'approved',
  });
  expect(report.reason).toMatch(
    /rolled back 1 rule\(s\): staging testers; the phase approved for the rest/,
  );
  expect(writesFor(stack, trigger)).toEqual([
    'PATCH /gates/checkout_staging/rules/checkout_staging_stg',
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
  expect(percentages('checkout_staging')).toEqual({
    developers: 100,
    'staging testers': 0,
    'production testers': 25,
  });
});

it('judges each environment of the phase and rolls back only where it fails', async () => {
  errorRates.set('checkout_envs', { staging: 0.01, production: 0.3 });
  const trigger = releaseGate('checkout_envs');
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report.suites?.map((suite) => [suite.suite, suite.verdict])).toEqual([
    ['checkout-per-env@staging', 'pass'],
    ['checkout-per-env@production', 'fail'],
  ]);
  // One run per environment the phase reaches, each seeing its scope's rules.
  expect(
    seen.filter((entry) => entry.entity === 'checkout_envs').map((entry) => entry.scope),
  ).toEqual(
    expect.arrayContaining([
      { kind: 'environment', name: 'staging', ruleIDs: ['checkout_envs_stg'] },
      { kind: 'environment', name: 'production', ruleIDs: ['checkout_envs_prd'] },
    ]),
  );
  expect(report).toMatchObject({ verdict: 'fail', action: 'rolled-back' });
  expect(report.rollback?.rules.map((rule) => rule.rule.name)).toEqual(['production testers']);
  expect(report.rollback?.afterwards).toBe('approved');
  expect(writesFor(stack, trigger)).toEqual([
    'PATCH /gates/checkout_envs/rules/checkout_envs_prd',
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
  expect(percentages('checkout_envs')).toMatchObject({
    'staging testers': 25,
    'production testers': 0,
  });
});

it("rolls back a region's rule to the released value, and the benchmark saw that rule's value", async () => {
  const sandbox = stack.sandbox.sandbox;
  const released = sandbox.getDynamicConfig('answer_prompt')?.rules ?? [];
  const trigger = sandbox.startRelease({
    pipelineID: 'rp_answer',
    entity: {
      kind: 'dynamic_config',
      id: 'answer_prompt',
      rules: released.map((rule) => ({
        ...rule,
        returnValue: { quality: rule.name === 'SouthAmerica' ? 0.3 : 0.95 },
      })),
    },
  });
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  // The candidate value is what the phase's first rule serves, not the default value.
  expect(seen.filter((entry) => entry.entity === 'answer_prompt')).toEqual([
    { entity: 'answer_prompt', value: { quality: 0.3 }, phase: 'Regions (50%)' },
  ]);
  expect(report).toMatchObject({ verdict: 'fail', action: 'rolled-back' });
  expect(report.rollback?.rules).toEqual([
    {
      rule: expect.objectContaining({ id: 'sa', name: 'SouthAmerica' }),
      before: { returnValue: { quality: 0.3 } },
      after: { returnValue: { quality: 0.85 } },
      status: 'done',
    },
  ]);
  expect(writesFor(stack, trigger)).toEqual([
    'PATCH /dynamic_configs/answer_prompt/rule/sa',
    `PUT /release_pipeline_triggers/${trigger.id}/approve`,
  ]);
  const rules = sandbox.getDynamicConfig('answer_prompt')?.rules ?? [];
  expect(rules.map((rule) => [rule.name, rule.returnValue])).toEqual([
    ['SouthAmerica', { quality: 0.85 }],
    ['Europe', { quality: 0.95 }],
  ]);
});

it('pauses the trigger at its phase, and undo unpauses it', async () => {
  errorRates.set('checkout_paused', { all: 0.5 });
  const trigger = releaseGate('checkout_paused');
  await startReview(stack, trigger);
  const report = await resultOf(stack, trigger);
  expect(report).toMatchObject({ verdict: 'fail', action: 'paused' });
  expect(writesFor(stack, trigger)).toEqual([`PUT /release_pipeline_triggers/${trigger.id}/pause`]);
  expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('PAUSED');

  const undone = await undoOverApi(workflowIdOf(trigger), 'ops@example.com');
  expect(undone.status).toBe(200);
  expect(undone.body).toMatchObject({ unpaused: true, restored: [], refused: [] });
  expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');
  expect(writesFor(stack, trigger).at(-1)).toBe(
    `PUT /release_pipeline_triggers/${trigger.id}/unpause`,
  );
});

it('undo restores the rolled-back rules nobody changed since, and refuses the others', async () => {
  errorRates.set('checkout_undo', { all: 0.5 });
  const trigger = releaseGate('checkout_undo');
  await startReview(stack, trigger);
  const report: ReviewReport = await resultOf(stack, trigger);
  expect(report.rollback?.rules.map((rule) => rule.rule.name)).toEqual([
    'staging testers',
    'production testers',
  ]);
  // Every rule of the phase rolled back: no rest to approve, so the phase waits for a person.
  expect(report.rollback?.afterwards).toBe('none');
  expect(report.reason).toMatch(
    /nothing is left to approve: the phase is left waiting for review$/,
  );
  expect(stack.sandbox.sandbox.getTrigger(trigger.id)?.status).toBe('WAITING_FOR_REVIEW');
  expect(percentages('checkout_undo')).toMatchObject({
    'staging testers': 0,
    'production testers': 0,
  });
  // A person turns production back up by hand after the rollback.
  const response = await fetch(
    `${stack.sandbox.consoleApiUrl}/gates/checkout_undo/rules/checkout_undo_prd`,
    {
      method: 'PATCH',
      headers: { 'STATSIG-API-KEY': stack.consoleApiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ passPercentage: 5 }),
    },
  );
  expect(response.status).toBe(200);

  const env = { TEMPORAL_ADDRESS: testTemporalAddress(), ROLLOUT_GATE_ACTOR: 'ops@example.com' };
  const first = await runBin(['review', 'undo', workflowIdOf(trigger)], { env });
  expect(first.code).toBe(0);
  expect(first.stdout).toMatch(/restored\s+rule staging testers \(passPercentage\)/);
  expect(first.stdout).toMatch(/refused\s+rule production testers: changed-since: /);
  expect(percentages('checkout_undo')).toMatchObject({
    'staging testers': 25,
    'production testers': 5,
  });

  // Asked again, through the review API: nothing left that the rollback set.
  const again = await undoOverApi(workflowIdOf(trigger), 'ops@example.com');
  expect(again.status).toBe(200);
  const outcome = again.body;
  expect(outcome.restored).toEqual([]);
  expect(outcome.refused.map((entry) => [entry.rule?.name, entry.reason])).toEqual([
    ['staging testers', 'already-restored'],
    ['production testers', 'changed-since'],
  ]);
  // Only the one restore reached Statsig.
  const patches = writesFor(stack, trigger).filter((call) => call.startsWith('PATCH'));
  expect(patches).toEqual([
    'PATCH /gates/checkout_undo/rules/checkout_undo_stg',
    'PATCH /gates/checkout_undo/rules/checkout_undo_prd',
    'PATCH /gates/checkout_undo/rules/checkout_undo_prd',
    'PATCH /gates/checkout_undo/rules/checkout_undo_stg',
  ]);
});

it('refuses to undo a review that neither rolled back nor paused, with a stable code', async () => {
  errorRates.set('checkout_ok', { all: 0 });
  const trigger = releaseGate('checkout_ok');
  await startReview(stack, trigger);
  expect(await resultOf(stack, trigger)).toMatchObject({ action: 'approved' });
  const answer = await http(
    stack.receiverUrl,
    `/reviews/${encodeURIComponent(workflowIdOf(trigger))}/undo`,
    { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } },
  );
  expect(answer.status).toBe(409);
  expect(answer.body).toMatchObject({ error: { code: 'REVIEW_UNDO_REFUSED' } });
});
