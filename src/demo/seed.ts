// The Statsig project the demo (and the end-to-end tests) start from: two prompt configurations kept
// in dynamic configs, each rolled out by a three-phase release pipeline that requires review, and a
// third served per region (a rule per region, whose conditions name it), rolled out region by region.

import type { SandboxSeed } from '../sandbox/app';

type PipelineSeed = NonNullable<SandboxSeed['pipelines']>[number];
type DynamicConfigSeed = NonNullable<SandboxSeed['dynamicConfigs']>[number];

function pipeline(id: string, name: string): PipelineSeed {
  // Statsig's phase rules carry no percentage (the spec has none); the phase name says it.
  const phase = (suffix: string, label: string) => ({
    id: `${id}_${suffix}`,
    name: label,
    timeIntervalMs: 60 * 60 * 1000,
    requiredReview: true,
    rules: [{ name: label, environments: [suffix === 'prod' ? 'production' : suffix] }],
  });
  return {
    id,
    name,
    phases: [
      phase('dev', 'Dev (10%)'),
      phase('staging', 'Staging (50%)'),
      phase('prod', 'Production (100%)'),
    ],
  };
}

function promptConfig(id: string, pipelineID: string, defaultValue: unknown): DynamicConfigSeed {
  return {
    id,
    name: id,
    description: 'Prompt and model settings for an AI feature',
    isEnabled: true,
    version: 1,
    defaultValue,
    rules: [],
    releasePipelineID: pipelineID,
    tags: ['ai-config'],
  };
}

export const DEMO_PIPELINES = {
  chat: 'rp_chat_assistant',
  summary: 'rp_search_summary',
  regional: 'rp_regional_answer',
} as const;

/** The regional config, and the tag the demo gate's per-region suite selects it by. */
export const REGIONAL_CONFIG = 'regional_answer_prompt';
export const REGIONAL_TAG = 'regional-ai-config';
export const DEMO_REGIONS = ['SouthAmerica', 'Europe'] as const;

/** A rule for users whose `region` custom field names the region ("Region" is not a Statsig primitive). */
function regionCondition(region: string) {
  return { type: 'custom_field' as const, field: 'region', operator: 'any', targetValue: [region] };
}

/** The regional config's rules, one per region, each serving its own prompt. */
export function regionalRules(prompts: Record<(typeof DEMO_REGIONS)[number], unknown>) {
  return DEMO_REGIONS.map((region) => ({
    id: `rule_${region.toLowerCase()}`,
    name: region,
    passPercentage: 100,
    conditions: [regionCondition(region)],
    returnValue: prompts[region] as Record<string, unknown>,
  }));
}

/** A pipeline whose first reviewed phase reaches the two regions' rules, then everyone. */
function regionalPipeline(): PipelineSeed {
  return {
    id: DEMO_PIPELINES.regional,
    name: 'Regional answer prompt rollout',
    phases: [
      {
        id: `${DEMO_PIPELINES.regional}_regions`,
        name: 'Regions (South America, Europe)',
        timeIntervalMs: 60 * 60 * 1000,
        requiredReview: true,
        rules: DEMO_REGIONS.map((region) => ({
          name: region,
          conditions: [regionCondition(region)],
        })),
      },
      {
        id: `${DEMO_PIPELINES.regional}_everyone`,
        name: 'Everyone (100%)',
        timeIntervalMs: 60 * 60 * 1000,
        requiredReview: true,
        rules: [],
      },
    ],
  };
}

export const RELEASED_PROMPT = {
  model: 'local-echo-1',
  template: 'You are a helpful assistant. Answer the question: {question}',
  temperature: 0.7,
  maxTokens: 128,
};

/** A change that should pass: tighter instructions, lower temperature, smaller token budget. */
export const IMPROVED_PROMPT = {
  model: 'local-echo-1',
  template: 'You are a concise assistant. Answer in one word: {question}',
  temperature: 0.2,
  maxTokens: 32,
};

/** A change that should fail: the template lost its {question} slot and the temperature is high. */
export const REGRESSED_PROMPT = {
  model: 'local-echo-2',
  template: 'You are a creative assistant. Be imaginative and surprising in every reply.',
  temperature: 1.3,
  maxTokens: 512,
};

export function demoSeed(): SandboxSeed {
  return {
    pipelines: [
      pipeline(DEMO_PIPELINES.chat, 'Chat assistant prompt rollout'),
      pipeline(DEMO_PIPELINES.summary, 'Search summary prompt rollout'),
      regionalPipeline(),
    ],
    dynamicConfigs: [
      promptConfig('chat_assistant_prompt', DEMO_PIPELINES.chat, RELEASED_PROMPT),
      promptConfig('search_summary_prompt', DEMO_PIPELINES.summary, RELEASED_PROMPT),
      {
        ...promptConfig(REGIONAL_CONFIG, DEMO_PIPELINES.regional, RELEASED_PROMPT),
        description: 'The answer prompt, per region',
        rules: regionalRules({ SouthAmerica: RELEASED_PROMPT, Europe: RELEASED_PROMPT }),
        tags: [REGIONAL_TAG],
      },
    ],
  };
}
