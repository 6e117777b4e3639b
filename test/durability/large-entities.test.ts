// Dynamic configs of 1 MB and 5 MB reviewed end to end on the dev server: the entity travels through
// the review's history by reference (its snapshot is stored once, in the report store), so the
// history stays a few kilobytes whatever the config weighs, while every benchmark still sees the
// whole value, candidate and baseline alike. Before snapshots, a 1 MB config made a 10 MB history
// that the client could not fetch (RESOURCE_EXHAUSTED) and a 5 MB one never got past loading it
// (its result was refused over Temporal's 2 MiB payload limit, retried for 30 minutes).
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { defineGate } from '../../src/gate/define';
import type { RunRole, Target } from '../../src/gate/types';
import type { ReviewReport } from '../../workflows/contract';
import { startReview } from '../helpers/review';
import { testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

const MB = 1_000_000;
/** What every activity input and result of one review may add up to, whatever the config's size. */
const HISTORY_PAYLOAD_BUDGET = 64 * 1024;

/** A config value of about `bytes`, as teams keep prompts: one long string, plus the quality read. */
function bigValue(bytes: number, fill: string, quality: number) {
  return { quality, prompt: fill.repeat(bytes) };
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

interface Seen {
  entity: string;
  role: RunRole;
  version: number | null;
  /** sha256 of the run's value, its raw defaultValue and the baseline's value. */
  value: string;
  raw: string;
  baseline: string | null;
  tags: string[];
}

const seen: Seen[] = [];
const promptOf = (target: Target | null) => (target ? digest(JSON.stringify(target.value)) : null);

const gate = defineGate({
  policy: { maxReruns: 0, decisionTimeoutMs: 1_000 },
  suites: [
    {
      // Selected by tag: planning reads the tags from the snapshot, not from the reference.
      name: 'whole-value',
      targets: { tags: ['big-prompt'] },
      benchmarks: [
        {
          name: 'reads-the-prompt',
          repeats: 2,
          retries: 0,
          run: async ({ target, baseline, role }) => {
            seen.push({
              entity: target.id,
              role,
              version: target.version,
              value: digest(JSON.stringify(target.value)),
              raw: digest(JSON.stringify(target.raw.defaultValue)),
              baseline: promptOf(baseline),
              tags: target.tags ?? [],
            });
            const value = target.value as { quality: number; prompt: string };
            return { metrics: { quality: value.quality, prompt_bytes: value.prompt.length } };
          },
        },
      ],
      criteria: [
        { metric: 'quality', op: '>=', threshold: 0.8 },
        { metric: 'quality', op: '>=', threshold: -0.1, compare: 'delta', test: 'none' },
      ],
    },
    {
      name: 'lost-snapshot',
      targets: { tags: ['lost-snapshot'] },
      benchmarks: [
        {
          name: 'second-run-finds-none',
          repeats: 2,
          parallelRuns: 1,
          retries: 0,
          // The first run takes the store's snapshots away, as a worker without the shared
          // GATE_REPORTS_DIR would see it; the second run must say so.
          run: async () => {
            await rm(path.join(stack.reportsDir, 'snapshots'), { recursive: true, force: true });
            return { metrics: { quality: 0.9 } };
          },
        },
      ],
      criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
    },
  ],
});

let stack: Stack;

beforeAll(async () => {
  const seed = testSeed();
  // The first three configs start big too: their released version is the baseline, also big.
  for (const [index, size] of [1 * MB, 5 * MB, 1_000].entries()) {
    const config = seed.dynamicConfigs?.[index];
    if (!config) throw new Error('the test seed has too few dynamic configs');
    config.defaultValue = bigValue(size, 'b', 0.85);
    config.tags = [index < 2 ? 'big-prompt' : 'lost-snapshot'];
  }
  stack = await startStack({ gate, seed });
});

afterAll(async () => {
  await stack?.stop();
});

/** A person saving `value` to the seed's config number `index` (each test has its own config). */
function release(index: number, value: unknown) {
  return stack.sandbox.sandbox.startRelease({
    pipelineID: `rp_config_${index}`,
    entity: { kind: 'dynamic_config', id: `model_config_${index}`, defaultValue: value },
  });
}

async function historyOf(handle: WorkflowHandle) {
  return (await handle.fetchHistory()).events ?? [];
}

/** Every activity input and result in the history, by activity type, with its size in bytes. */
function activityPayloads(events: temporal.api.history.v1.IHistoryEvent[]) {
  const types = new Map<number, string>();
  const payloads: Array<{ type: string; bytes: number }> = [];
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? '?';
      types.set(Number(event.eventId), type);
      for (const payload of scheduled.input?.payloads ?? []) {
        payloads.push({ type, bytes: payload.data?.length ?? 0 });
      }
    }
    const completed = event.activityTaskCompletedEventAttributes;
    for (const payload of completed?.result?.payloads ?? []) {
      const type = types.get(Number(completed?.scheduledEventId)) ?? '?';
      payloads.push({ type, bytes: payload.data?.length ?? 0 });
    }
  }
  return payloads;
}

describe('a large dynamic config', () => {
  it.each([
    ['1 MB', 0, 1 * MB],
    ['5 MB', 1, 5 * MB],
  ])(
    'of %s is reviewed and approved with a small history, its benchmark seeing the whole value',
    async (label, index, bytes) => {
      const candidate = bigValue(bytes, 'c', 0.9);
      const trigger = release(index, candidate);
      const entity = trigger.dynamicConfigID ?? '';
      const handle = await startReview(stack, trigger);
      const report = (await handle.result()) as ReviewReport;
      expect(report).toMatchObject({ outcome: 'decided', verdict: 'pass', action: 'approved' });

      // Both sides, both repeats: the whole value, exactly as Statsig holds it, and the tags.
      const baseline = bigValue(bytes, 'b', 0.85);
      const runs = seen.filter((run) => run.entity === entity);
      expect(runs).toHaveLength(4);
      for (const run of runs) {
        const own = run.role === 'candidate' ? candidate : baseline;
        expect(run).toMatchObject({
          version: run.role === 'candidate' ? 2 : 1,
          value: digest(JSON.stringify(own)),
          raw: digest(JSON.stringify(own)),
          baseline: digest(JSON.stringify(baseline)),
          tags: ['big-prompt'],
        });
      }

      const events = await historyOf(handle);
      const payloads = activityPayloads(events);
      const total = payloads.reduce((sum, payload) => sum + payload.bytes, 0);
      expect(total).toBeLessThan(HISTORY_PAYLOAD_BUDGET);
      expect(Math.max(...payloads.map((payload) => payload.bytes))).toBeLessThan(8 * 1024);
      const info = (await handle.describe()).raw.workflowExecutionInfo;
      const historyBytes = Number(info?.historySizeBytes);
      process.stderr.write(
        `\n${label} config: ${events.length} events, history ${historyBytes} bytes, activity inputs and results ${total} bytes\n`,
      );
      expect(historyBytes).toBeLessThan(HISTORY_PAYLOAD_BUDGET);
    },
    120_000,
  );
});

describe('a snapshot missing from the report store', () => {
  it('fails the run as SnapshotMissing, naming the version and the shared directory', async () => {
    const trigger = release(2, bigValue(1_000, 'c', 0.9));
    const handle = await startReview(stack, trigger);
    const report = (await handle.result()) as ReviewReport;
    // One of the two runs lost its entity: inconclusive, then nobody decides within the second.
    expect(report).toMatchObject({ verdict: 'inconclusive', action: 'none' });
    expect(report.benchmarks).toEqual([
      expect.objectContaining({
        benchmark: 'second-run-finds-none',
        runs: { candidate: { completed: 1, errored: 1 }, baseline: { completed: 0, errored: 0 } },
      }),
    ]);
    const failures = (await historyOf(handle)).flatMap((event) => {
      const failure = event.activityTaskFailedEventAttributes?.failure;
      return failure ? [failure] : [];
    });
    expect(failures).toHaveLength(1);
    expect(failures[0]?.applicationFailureInfo?.type).toBe('SnapshotMissing');
    expect(failures[0]?.message).toMatch(
      new RegExp(
        `^the snapshot of dynamic_config ${trigger.dynamicConfigID} version 2 \\(sha256:[0-9a-f]{64}\\) is not in .* \\(ENOENT\\); workers on several hosts need a shared GATE_REPORTS_DIR$`,
      ),
    );
    // The run was given a reference, under a name of its own: no value, no rules, no `target`
    // for a worker on the earlier code to benchmark as if it were whole.
    const inputs = (await historyOf(handle)).flatMap((event) => {
      const attributes = event.activityTaskScheduledEventAttributes;
      const payload = attributes?.input?.payloads?.[0];
      return attributes?.activityType?.name === 'runBenchmark' && payload
        ? [defaultPayloadConverter.fromPayload<Record<string, object>>(payload)]
        : [];
    });
    expect(inputs).toHaveLength(2);
    expect(inputs[0]).not.toHaveProperty('target');
    expect(Object.keys(inputs[0]?.targetRef ?? {}).sort()).toEqual([
      'configHash',
      'id',
      'kind',
      'name',
      'snapshot',
      'version',
    ]);
  }, 60_000);
});
