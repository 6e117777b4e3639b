// The example gate the demo uses: judges a prompt/model configuration kept in a Statsig dynamic
// config by asking a deterministic local model a fixed question set. Copy it as a starting point.
import { defineBenchmark, defineGate, defineSuite } from '../src/index';
import { complete, type PromptConfig, QUESTIONS } from './local-model';

function asPromptConfig(value: unknown): PromptConfig {
  const config = value as Partial<PromptConfig> | null;
  if (!config || typeof config.template !== 'string' || typeof config.model !== 'string') {
    throw new Error('the dynamic config has no { model, template } in its default value');
  }
  return { temperature: 0, ...config } as PromptConfig;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

export default defineGate({
  suites: [
    defineSuite({
      name: 'prompt-quality',
      benchmarks: [
        defineBenchmark({
          name: 'factual-answers',
          timeoutMs: 60_000,
          async run({ target, heartbeat }) {
            const config = asPromptConfig(target.value);
            let correct = 0;
            const latencies: number[] = [];
            for (const [index, { question, expected }] of QUESTIONS.entries()) {
              const answer = complete(config, question);
              if (answer.text.toLowerCase().includes(expected.toLowerCase())) correct += 1;
              latencies.push(answer.latencyMs);
              heartbeat({ done: index + 1, of: QUESTIONS.length });
            }
            return {
              metrics: {
                quality: correct / QUESTIONS.length,
                latency_p95_ms: percentile(latencies, 95),
              },
            };
          },
        }),
      ],
      criteria: [
        { metric: 'quality', op: '>=', threshold: 0.8 },
        { metric: 'latency_p95_ms', op: '<=', threshold: 250 },
      ],
    }),
  ],
});
