// A benchmark context for running a benchmark directly (outside a worker) in kind tests.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchmarkContext, Target } from '../../src/gate/types';

export function promptTarget(value: unknown, version = 2): Target {
  return {
    kind: 'dynamic_config',
    id: 'chat_prompt',
    name: 'chat_prompt',
    version,
    value,
    rules: [],
    tags: [],
    raw: { id: 'chat_prompt', version, defaultValue: value },
  };
}

export interface TestContext extends BenchmarkContext {
  controller: AbortController;
  heartbeats: unknown[];
}

export async function benchmarkContext(
  overrides: Partial<BenchmarkContext> = {},
): Promise<TestContext> {
  const controller = new AbortController();
  const heartbeats: unknown[] = [];
  return {
    target: promptTarget({ model: 'local-echo-1', template: 'Q: {question}', temperature: 0 }),
    baseline: null,
    role: 'candidate',
    repeat: 0,
    seed: 42,
    heartbeat: (progress) => heartbeats.push(progress),
    signal: controller.signal,
    log: { info: () => undefined, warn: () => undefined },
    scratchDir: await mkdtemp(path.join(tmpdir(), 'kind-test-')),
    controller,
    heartbeats,
    ...overrides,
  };
}
