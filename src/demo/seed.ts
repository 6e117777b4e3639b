// The Statsig project the demo (and the end-to-end tests) start from: two prompt configurations kept
// in dynamic configs, each rolled out by a three-phase release pipeline that requires review.

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
} as const;

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
    ],
    dynamicConfigs: [
      promptConfig('chat_assistant_prompt', DEMO_PIPELINES.chat, RELEASED_PROMPT),
      promptConfig('search_summary_prompt', DEMO_PIPELINES.summary, RELEASED_PROMPT),
    ],
  };
}
