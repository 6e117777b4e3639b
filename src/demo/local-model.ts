// A small deterministic stand-in for an LLM, so the example gate runs offline and gives the same
// answer every time. It reads the settings a team would keep in a Statsig dynamic config: the model
// name, the prompt template and the temperature, and degrades the way a real model would when they
// are wrong (a template that drops the question, a temperature that makes it ramble).

export interface PromptConfig {
  model: string;
  template: string;
  temperature: number;
  maxTokens?: number;
}

const FACTS: Record<string, string> = {
  'capital of france': 'Paris',
  'capital of japan': 'Tokyo',
  'largest planet': 'Jupiter',
  'boiling point of water in celsius': '100',
  'author of hamlet': 'Shakespeare',
  'chemical symbol for gold': 'Au',
  'speed of light in km/s': '299792',
  'square root of 144': '12',
  'first element of the periodic table': 'Hydrogen',
  'longest river in africa': 'Nile',
};

export const KNOWN_MODELS = ['local-echo-1', 'local-echo-2'] as const;

/** FNV-1a: a stable hash, so "randomness" from temperature is reproducible. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    value ^= text.charCodeAt(index);
    value = Math.imul(value, 0x01000193) >>> 0;
  }
  return value;
}

export interface Completion {
  text: string;
  /** Simulated generation time: grows with prompt length, the token budget and the model size. */
  latencyMs: number;
}

/**
 * Answers one question with the given settings. `seed` stands for sampling randomness: above the
 * drift temperature, which answers go wrong changes with it (as reruns of a real model would).
 */
export function complete(
  config: PromptConfig,
  question: string,
  { seed }: { seed?: number } = {},
): Completion {
  if (!(KNOWN_MODELS as readonly string[]).includes(config.model)) {
    throw new Error(`unknown model '${config.model}'`);
  }
  const prompt = config.template.replaceAll('{question}', question);
  const promptTokens = Math.ceil(prompt.length / 4);
  const perToken = config.model === 'local-echo-2' ? 1.6 : 0.9;
  const latencyMs = Math.round(20 + promptTokens * perToken + (config.maxTokens ?? 64) * 0.5);
  if (!config.template.includes('{question}')) {
    return { text: 'I am not sure what you are asking.', latencyMs };
  }
  const fact = FACTS[question.toLowerCase().replace(/^what is the |\?$/g, '')];
  if (fact === undefined) return { text: "I don't know.", latencyMs };
  // Above 0.7 the model drifts: a deterministic share of answers, growing with temperature, go wrong.
  const drift = Math.max(0, config.temperature - 0.7) * 1.5;
  const roll =
    (hash(`${question}|${config.temperature}${seed === undefined ? '' : `|${seed}`}`) % 1000) /
    1000;
  if (roll < drift) return { text: `Probably ${fact.split('').reverse().join('')}.`, latencyMs };
  const concise = /concise|short|brief/i.test(config.template);
  return { text: concise ? fact : `The answer is ${fact}.`, latencyMs };
}

export const QUESTIONS: ReadonlyArray<{ id: string; question: string; expected: string }> =
  Object.entries(FACTS).map(([topic, expected]) => ({
    id: topic.replaceAll(' ', '-'),
    question: `What is the ${topic}?`,
    expected,
  }));

/** The settings a dynamic config's defaultValue holds; refuses anything else with a clear message. */
export function asPromptConfig(value: unknown): PromptConfig {
  const config = value as Partial<PromptConfig> | null;
  if (!config || typeof config.template !== 'string' || typeof config.model !== 'string') {
    throw new Error('the dynamic config has no { model, template } in its default value');
  }
  return { temperature: 0, ...config } as PromptConfig;
}
