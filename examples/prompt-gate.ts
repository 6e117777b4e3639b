// A gate for a prompt configuration kept in a Statsig dynamic config: a dataset eval of a small
// deterministic local "model" that reads the config's prompt template and temperature. It judges
// the candidate on its own (quality, latency) and against the released version (no regression).
// The default GATE_CONFIG; copy it as a starting point.

import { asPromptConfig, complete, QUESTIONS } from '../src/demo/local-model';
import { dataset, defineGate, defineSuite, scorers } from '../src/index';

export const promptQuality = defineSuite({
  name: 'prompt-quality',
  benchmarks: [
    dataset({
      name: 'factual-answers',
      cases: QUESTIONS.map(({ id, question, expected }) => ({ id, input: question, expected })),
      // Each run asks every question once; three runs per side show flaky answers, and up to nine
      // are run when the comparison with the released prompt is too close to call.
      repeats: 3,
      maxRepeats: 9,
      timeoutMs: 60_000,
      model: (input, { target, seed, record }) => {
        const answer = complete(asPromptConfig(target.value), String(input), { seed });
        record('latency_ms', answer.latencyMs);
        record('answer_chars', answer.text.length);
        return answer.text;
      },
      scorers: [scorers.contains()],
      caseMetrics: ['answer_chars'],
    }),
  ],
  criteria: [
    // Critical: a prompt that answers fewer than 80% of the questions fails whatever else passes.
    {
      name: 'quality',
      metric: 'pass',
      aggregate: 'passRate',
      op: '>=',
      threshold: 0.8,
      critical: true,
    },
    {
      name: 'no quality regression',
      metric: 'pass',
      aggregate: 'passRate',
      compare: 'regression',
      better: 'higher',
      op: '<=',
      threshold: 0.02,
    },
    { name: 'p95 latency', metric: 'latency_ms', aggregate: 'p95', op: '<=', threshold: 250 },
    {
      name: 'p95 latency vs released',
      metric: 'latency_ms',
      aggregate: 'p95',
      compare: 'delta',
      op: '<=',
      threshold: 50,
    },
    // Reported, never blocking: long answers cost tokens but are not wrong.
    {
      name: 'answer length',
      metric: 'answer_chars',
      aggregate: 'mean',
      op: '<=',
      threshold: 40,
      advisory: true,
    },
  ],
});

export default defineGate({ suites: [promptQuality] });
