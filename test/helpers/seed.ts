// A minimal Statsig project: one dynamic config and one gate, each with a 3-phase pipeline.
import type { SandboxSeed } from '../../src/sandbox/app';
import type { ReleasePipeline } from '../../src/statsig/schemas';

function pipeline(id: string): ReleasePipeline {
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
  return {
    pipelines: [pipeline('rp_config'), pipeline('rp_gate')],
    dynamicConfigs: [
      {
        id: 'model_config',
        name: 'model_config',
        isEnabled: true,
        version: 1,
        defaultValue: { quality: 0.85 },
        rules: [],
        releasePipelineID: 'rp_config',
      },
    ],
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
