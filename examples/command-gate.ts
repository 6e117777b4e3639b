// A gate around an eval script you already have (examples/scripts/prompt_lint.py): rollout-gate
// runs it once per version, hands it the config in a JSON file, and judges the metrics it prints.
// The script runs in its own process group and is stopped on a timeout or a cancelled review.
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { command, defineGate, defineSuite } from '../src/index';

const SCRIPT = path.join(PROJECT_ROOT, 'examples', 'scripts', 'prompt_lint.py');

export const promptLint = defineSuite({
  name: 'prompt-lint',
  benchmarks: [
    command({
      name: 'lint-script',
      command: process.env.PYTHON ?? 'python3',
      args: [SCRIPT],
      // Declared so a criterion naming anything else fails at startup, not in a review.
      metrics: ['has_question_slot', 'template_chars', 'temperature', 'banned_phrases'],
      timeoutMs: 30_000,
      retries: 1,
    }),
  ],
  criteria: [
    {
      name: 'keeps the {question} slot',
      metric: 'has_question_slot',
      op: '==',
      threshold: 1,
      critical: true,
    },
    { name: 'no banned phrases', metric: 'banned_phrases', op: '==', threshold: 0 },
    { name: 'temperature at most 1', metric: 'temperature', op: '<=', threshold: 1 },
    { name: 'template length', metric: 'template_chars', op: '<=', threshold: 400 },
  ],
});

export default defineGate({ suites: [promptLint] });
