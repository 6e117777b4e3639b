// The gate `npm run demo` runs: the three examples together, for dynamic configs tagged ai-config,
// and the prompt eval once per region for the config served per region, rolling back only the
// region whose prompt fails. (The demo starts the local model service and sets MODEL_SERVICE_URL.)
import { defineGate } from '../src/index';
import { promptLint } from './command-gate';
import { latencySlo } from './latency-gate';
import { promptQuality } from './prompt-gate';

const forAiConfigs = { tags: ['ai-config'] };

export default defineGate({
  version: 'demo-3',
  suites: [
    ...[promptQuality, latencySlo, promptLint].map((suite) => ({
      ...suite,
      targets: forAiConfigs,
    })),
    {
      ...promptQuality,
      name: 'prompt-quality-by-region',
      // One copy per rule the phase rolls out (a region each): a benchmark sees that rule's prompt.
      targets: { tags: ['regional-ai-config'], stages: ['phase'] },
      forEach: 'rule',
      // Only the failing region's rule goes back to its released prompt; the rest is approved.
      onFail: 'rollback',
    },
  ],
});
