// Kill switches scoped to where a change fails: the prompt eval judged once per region (a rule each),
// rolling back only the failing region's rule and approving the rest; stricter before everyone gets
// the change, and paused rather than reverted there; a feature gate whose failure halts staging only.
import { defineGate } from '../src/index';
import { promptQuality } from './prompt-gate';

export default defineGate({
  policy: { onFail: 'abort', afterRollback: 'approve' },
  policies: [
    {
      // Roll back the flag's staging rules and leave the phase waiting for a person.
      match: { entity: 'new_checkout' },
      policy: { onFail: { action: 'rollback', environments: ['staging'] }, afterRollback: 'none' },
    },
  ],
  suites: [
    {
      ...promptQuality,
      name: 'prompt-quality-by-region',
      targets: { tags: ['regional-ai-config'], passPercentage: { max: 50 } },
      // One copy per rule the phase rolls out (`prompt-quality-by-region@SouthAmerica`, …).
      forEach: 'rule',
      // The failing region's rule goes back to its released prompt; the phase goes on for the rest.
      onFail: 'rollback',
    },
    {
      ...promptQuality,
      name: 'prompt-quality-before-everyone',
      targets: { tags: ['regional-ai-config'], passPercentage: { min: 100 } },
      criteria: [
        {
          name: 'quality',
          metric: 'pass',
          aggregate: 'passRate',
          op: '>=',
          // Stricter the further the phase rolls out.
          threshold: (phase) => ((phase?.passPercentage ?? 0) >= 100 ? 0.9 : 0.8),
          critical: true,
        },
        // The rest as the prompt eval judges it everywhere (no regression, latency).
        ...promptQuality.criteria.filter((criterion) => criterion.name !== 'quality'),
      ],
      // Held at its phase for a person to look (`rollout-gate review undo` unpauses).
      onFail: 'pause',
    },
  ],
});
