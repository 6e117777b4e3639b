// The gate `npm run demo` runs: the three examples together, for dynamic configs tagged ai-config.
// (The demo starts the local model service and sets MODEL_SERVICE_URL.)
import { defineGate } from '../src/index';
import { promptLint } from './command-gate';
import { latencySlo } from './latency-gate';
import { promptQuality } from './prompt-gate';

const forAiConfigs = { tags: ['ai-config'] };

export default defineGate({
  version: 'demo-2',
  suites: [promptQuality, latencySlo, promptLint].map((suite) => ({
    ...suite,
    targets: forAiConfigs,
  })),
});
