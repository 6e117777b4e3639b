// Small gate configs for tests: each reports metrics the test controls.
import { defineGate } from '../../src/gate/define';
import type { GateDefinition, Target } from '../../src/gate/types';

/** One suite, one benchmark whose `quality` comes from the dynamic config under review. */
export function qualityGate(extra: { timeoutMs?: number; retries?: number } = {}): GateDefinition {
  return defineGate({
    suites: [
      {
        name: 'prompt-quality',
        benchmarks: [
          {
            name: 'score',
            ...extra,
            run: async ({ target }: { target: Target }) => ({
              metrics: {
                quality: Number((target.value as { quality?: number } | null)?.quality ?? 0),
              },
            }),
          },
        ],
        criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
      },
    ],
  });
}
