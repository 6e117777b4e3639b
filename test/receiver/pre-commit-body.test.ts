// Statsig's pre-commit body as the receiver reads it (src/receiver/pre-commit-body.ts): the configs
// as Targets, tolerantly; changes with nothing to gate; configs that cannot be read passed on as
// such; and 400 only when there is no review to answer. Pure: no server.
import { PreCommitBodyError, readPreCommitBody } from '../../src/receiver/pre-commit-body';

const base = {
  review_id: 'rev_1',
  submitter: { name: 'Ada', email: 'ada@example.com' },
  committer: 'grace@example.com',
  config_type: 'gate',
  config_name: 'new_ranker',
  type: 'rules',
};

const gate = (passPercentage: number) => ({
  id: 'new_ranker',
  name: 'new_ranker',
  isEnabled: true,
  rules: [{ id: 'r1', name: 'everyone', passPercentage, conditions: [] }],
  releasePipelineID: 'rp_gate',
});

it('reads a gate rules change into candidate and baseline Targets', () => {
  const request = readPreCommitBody({ ...base, old_config: gate(10), new_config: gate(50) }, 1_000);
  expect(request).toMatchObject({
    reviewID: 'rev_1',
    submitter: 'Ada <ada@example.com>',
    committer: 'grace@example.com',
    receivedAtMs: 1_000,
    change: {
      kind: 'config',
      candidate: { kind: 'gate', id: 'new_ranker', value: null, rules: [{ passPercentage: 50 }] },
      baseline: { kind: 'gate', rules: [{ passPercentage: 10 }] },
    },
  });
});

it('takes a config inside the Console API envelope, naming it by config_name when it has no id', () => {
  const request = readPreCommitBody(
    {
      ...base,
      config_type: 'dynamic_config',
      config_name: 'chat_prompt',
      review_id: 12345,
      new_config: { message: 'ok', data: { defaultValue: { temperature: 0.2 } } },
    },
    0,
  );
  expect(request.reviewID).toBe('12345');
  expect(request.change).toMatchObject({
    kind: 'config',
    candidate: {
      id: 'chat_prompt',
      name: 'chat_prompt',
      version: null,
      value: { temperature: 0.2 },
    },
    baseline: null,
  });
});

it('gates nothing for change types without configs and for kinds it does not judge', () => {
  expect(readPreCommitBody({ ...base, type: 'update_target_apps' }, 0).change).toEqual({
    kind: 'not-gated',
    reason: 'A update_target_apps change carries no config to benchmark.',
  });
  expect(
    readPreCommitBody({ ...base, config_type: 'experiment', new_config: {} }, 0).change,
  ).toMatchObject({
    kind: 'not-gated',
    reason: expect.stringContaining('a experiment change is validated without benchmarks'),
  });
});

it('passes on a config it cannot read, with the field at fault', () => {
  expect(readPreCommitBody({ ...base, new_config: { rules: 'all of them' } }, 0).change).toEqual({
    kind: 'unreadable',
    reason: expect.stringMatching(/^new_config\.rules: /),
  });
  expect(readPreCommitBody({ ...base, new_config: gate(5), old_config: [] }, 0).change).toEqual({
    kind: 'unreadable',
    reason: 'old_config is not an object',
  });
  expect(readPreCommitBody({ ...base }, 0).change).toEqual({
    kind: 'unreadable',
    reason: 'a rules change arrived without new_config',
  });
});

it('refuses a body that names no review to answer', () => {
  for (const body of [[], { ...base, review_id: '' }, { ...base, config_name: undefined }]) {
    expect(() => readPreCommitBody(body, 0)).toThrow(PreCommitBodyError);
  }
});
