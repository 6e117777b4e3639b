// A Statsig project for tests: many dynamic configs, each with its own 3-phase pipeline (Statsig runs
// one release per entity at a time), plus one gate. `releaseConfig` takes the next unused config.
import type { Sandbox, SandboxSeed, SandboxTrigger } from '../../src/sandbox';

type PipelineSeed = NonNullable<SandboxSeed['pipelines']>[number];

export const CONFIG_COUNT = 40;

function pipeline(id: string): PipelineSeed {
  return {
    id,
    name: `${id} rollout`,
    phases: ['p10', 'p50', 'p100'].map((suffix) => ({
      id: `${id}_${suffix}`,
      name: suffix,
      timeIntervalMs: 3_600_000,
      requiredReview: true,
      rules: [],
    })),
  };
}

export function testSeed(): SandboxSeed {
  const indexes = Array.from({ length: CONFIG_COUNT }, (_, index) => index);
  return {
    pipelines: [...indexes.map((index) => pipeline(`rp_config_${index}`)), pipeline('rp_gate')],
    dynamicConfigs: indexes.map((index) => ({
      id: `model_config_${index}`,
      name: `model_config_${index}`,
      isEnabled: true,
      version: 1,
      defaultValue: { quality: 0.85 },
      rules: [],
      releasePipelineID: `rp_config_${index}`,
    })),
    gates: [
      {
        id: 'new_ranker',
        name: 'new_ranker',
        isEnabled: true,
        version: 1,
        rules: [{ id: 'r1', name: 'everyone', passPercentage: 0, conditions: [] }],
        releasePipelineID: 'rp_gate',
      },
    ],
  };
}

const used = new WeakMap<Sandbox, number>();

/** Simulates a person saving `{ quality }` (and `rules`, if given) to the next unused dynamic config. */
export function releaseConfig(
  sandbox: Sandbox,
  value: unknown,
  rules?: NonNullable<SandboxSeed['dynamicConfigs']>[number]['rules'],
): SandboxTrigger {
  const index = used.get(sandbox) ?? 0;
  if (index >= CONFIG_COUNT)
    throw new Error('test seed ran out of dynamic configs; raise CONFIG_COUNT');
  used.set(sandbox, index + 1);
  return sandbox.startRelease({
    pipelineID: `rp_config_${index}`,
    entity: {
      kind: 'dynamic_config',
      id: `model_config_${index}`,
      defaultValue: value,
      ...(rules ? { rules } : {}),
    },
  });
}
