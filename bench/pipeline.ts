// `npm run bench:pipeline`: the run cache over whole release pipelines. The demo's project (two
// prompt configs, each with a three-phase pipeline that requires review at every phase) goes
// through three releases: a good change to chat_assistant_prompt (three phases), a regressed one to
// search_summary_prompt (aborted at the first), then a good one to it (three phases). Every phase is
// reviewed with the example gates (examples/demo-gate.ts: a dataset eval, a latency SLO against the
// local model service, an eval script), once with the run cache off and once on, on one dev server.
// Counted per review: benchmark executions (a benchmark's code run), model calls (dataset cases
// answered, and completions the model service served), and the decision, which must not change.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type WorkflowBundle,
} from '@temporalio/worker';
import demoGate from '../examples/demo-gate';
import { startModelService } from '../src/demo/model-service';
import { DEMO_PIPELINES, demoSeed, IMPROVED_PROMPT, REGRESSED_PROMPT } from '../src/demo/seed';
import type { GateDefinition } from '../src/gate/types';
import { startSandbox } from '../src/sandbox/app';
import { StatsigConsoleClient } from '../src/statsig/console-client';
import { connectWorker, createClient } from '../src/temporal/connection';
import { createReviewWorkers } from '../src/worker';
import { type ReviewReport, type ReviewRequest, reviewWorkflowId } from '../workflows/contract';
import { fmt, machine, median, table, writeResults } from './report';
import { progressLog, startBenchDevServer } from './stack';

const say = progressLog('bench:pipeline');
const API_KEY = 'console-bench-pipeline';
const CACHE_MAX_AGE_MS = 7 * 24 * 3_600_000;

const RELEASES = [
  { entity: 'chat_assistant_prompt', pipelineID: DEMO_PIPELINES.chat, value: IMPROVED_PROMPT },
  { entity: 'search_summary_prompt', pipelineID: DEMO_PIPELINES.summary, value: REGRESSED_PROMPT },
  { entity: 'search_summary_prompt', pipelineID: DEMO_PIPELINES.summary, value: IMPROVED_PROMPT },
];

interface Counts {
  executions: number;
  datasetCases: number;
}

interface PhaseResult {
  release: string;
  phase: number;
  decision: string;
  executions: number;
  modelCalls: number;
  reusedRuns: number;
  runs: number;
  reviewMs: number;
}

/** The example gate, each benchmark counted as it runs (the same gate in both modes). */
function countingGate(gate: GateDefinition, counts: Counts): GateDefinition {
  return {
    ...gate,
    suites: gate.suites.map((suite) => ({
      ...suite,
      benchmarks: suite.benchmarks.map((benchmark) => ({
        ...benchmark,
        run: async (context) => {
          counts.executions += 1;
          const output = await benchmark.run(context);
          // A dataset asks its model once per case.
          if (benchmark.kind === 'dataset') counts.datasetCases += output.cases?.length ?? 0;
          return output;
        },
      })),
    })),
  };
}

/** Every release through its pipeline with one worker (run cache on or off); one row per review. */
async function runPipelines(
  client: Client,
  address: string,
  bundle: WorkflowBundle,
  modelCompletions: () => number,
  cache: boolean,
): Promise<PhaseResult[]> {
  const counts: Counts = { executions: 0, datasetCases: 0 };
  const sandbox = await startSandbox({ consoleApiKey: API_KEY, seed: demoSeed() });
  const reportsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-pipeline-reports-'));
  const taskQueue = `bench-pipeline-${cache ? 'on' : 'off'}`;
  const connection = await connectWorker({ address, namespace: 'default' });
  const workers = await createReviewWorkers({
    connection,
    namespace: 'default',
    taskQueue,
    workflows: { workflowBundle: bundle },
    statsigWritesPerSecond: 100,
    dependencies: {
      statsig: new StatsigConsoleClient({
        baseUrl: sandbox.consoleApiUrl,
        apiKey: API_KEY,
        timeoutMs: 10_000,
      }),
      gate: countingGate(demoGate, counts),
      reportsDir,
      ...(cache ? { runCache: { maxAgeMs: CACHE_MAX_AGE_MS } } : {}),
    },
  });
  const running = workers.run();
  const rows: PhaseResult[] = [];
  try {
    for (const [index, release] of RELEASES.entries()) {
      const trigger = sandbox.sandbox.startRelease({
        pipelineID: release.pipelineID,
        entity: { kind: 'dynamic_config', id: release.entity, defaultValue: release.value },
      });
      const label = `${index + 1}. ${release.entity}, ${release.value === IMPROVED_PROMPT ? 'improved' : 'regressed'}`;
      for (let phase = 1; ; phase += 1) {
        const phaseID = sandbox.sandbox.waitingPhase(trigger.id);
        if (phaseID === null) break;
        const before = { ...counts, completions: modelCompletions() };
        const request: ReviewRequest = {
          releasePipelineID: release.pipelineID,
          triggerID: trigger.id,
          phaseID,
          receivedAtMs: Date.now(),
        };
        const report = (await client.workflow.execute('releasePipelineReview', {
          workflowId: reviewWorkflowId(trigger.id, phaseID),
          taskQueue,
          args: [request],
        })) as ReviewReport;
        rows.push({
          release: label,
          phase,
          decision: `${report.verdict ?? report.outcome} → ${report.action}`,
          executions: counts.executions - before.executions,
          modelCalls:
            counts.datasetCases - before.datasetCases + modelCompletions() - before.completions,
          reusedRuns: report.evaluation?.reused?.runs ?? 0,
          runs: report.evaluation?.runs ?? 0,
          reviewMs: report.decidedAtMs - report.startedAtMs,
        });
        say(`cache ${cache ? 'on' : 'off'}: ${label}, phase ${phase}: ${rows.at(-1)?.decision}`);
        if (report.action !== 'approved') break;
        // The approved phase runs its course; the next one waits for review.
        sandbox.sandbox.advanceTrigger(trigger.id);
      }
    }
  } finally {
    workers.shutdown();
    await running;
    await connection.close();
    await sandbox.close();
    await fs.rm(reportsDir, { recursive: true, force: true });
  }
  return rows;
}

const sum = (rows: PhaseResult[], pick: (row: PhaseResult) => number) =>
  rows.reduce((total, row) => total + pick(row), 0);

function section(off: PhaseResult[], on: PhaseResult[]): string {
  const sameDecisions =
    off.length === on.length && off.every((row, index) => row.decision === on[index]?.decision);
  const ratio = (pick: (row: PhaseResult) => number) => sum(on, pick) / sum(off, pick);
  return [
    '## Run cache over release pipelines (`npm run bench:pipeline`)',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine()}`,
    '- Command: `npm run bench:pipeline` (`tsx bench/pipeline.ts`)',
    `- Setup: a fresh in-memory \`temporal server start-dev\`, one worker in the bench process, the Statsig sandbox with the demo's project (two prompt configs, each with a three-phase pipeline requiring review at every phase), the local model service. Three releases, one after another: ${RELEASES.map((release, index) => `(${index + 1}) ${release.entity} ${release.value === IMPROVED_PROMPT ? 'improved' : 'regressed'}`).join(', ')}; every phase reviewed with the example gates (examples/demo-gate.ts), started as the receiver would; an approved phase's timer then runs out and the next waits. The same in both modes but for the run cache (off; on with GATE_CACHE_MAX_AGE 7d), each with its own sandbox, report store and task queue.`,
    '- Benchmark executions: runs of a benchmark’s code. Model calls: dataset cases answered plus completions the model service served (the latency SLO’s requests).',
    '',
    table(
      [
        'release',
        'phase',
        'decision, cache off',
        'decision, cache on',
        'executions off',
        'executions on',
        'model calls off',
        'model calls on',
        'runs reused (on)',
      ],
      off.map((row, index) => {
        const cached = on[index];
        return [
          row.release,
          String(row.phase),
          row.decision,
          cached?.decision ?? 'n/a',
          String(row.executions),
          String(cached?.executions ?? Number.NaN),
          String(row.modelCalls),
          String(cached?.modelCalls ?? Number.NaN),
          cached ? `${cached.reusedRuns} of ${cached.runs}` : 'n/a',
        ];
      }),
    ),
    '',
    `- Benchmark executions: ${sum(on, (row) => row.executions)} with the cache, ${sum(off, (row) => row.executions)} without: **${fmt(
      ratio((row) => row.executions),
      2,
    )}×** (goal ≤ 0.5×).`,
    `- Model calls: ${sum(on, (row) => row.modelCalls)} with the cache, ${sum(off, (row) => row.modelCalls)} without: **${fmt(
      ratio((row) => row.modelCalls),
      2,
    )}×** (goal ≤ 0.5×).`,
    `- Decisions: ${sameDecisions ? 'the same in every review' : '**different**'} (${off.length} reviews each).`,
    `- Review time (start to decision), median: ${fmt(median(on.map((row) => row.reviewMs)) / 1000, 1)} s with the cache, ${fmt(median(off.map((row) => row.reviewMs)) / 1000, 1)} s without.`,
  ].join('\n');
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const devServer = await startBenchDevServer();
  say(`Temporal dev server at ${devServer.address}`);
  const modelService = await startModelService();
  process.env.MODEL_SERVICE_URL = modelService.url;
  const client = createClient({ address: devServer.address, namespace: 'default' });
  try {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      logger: new DefaultLogger('WARN'),
    });
    const off = await runPipelines(
      client,
      devServer.address,
      bundle,
      modelService.completions,
      false,
    );
    const on = await runPipelines(
      client,
      devServer.address,
      bundle,
      modelService.completions,
      true,
    );
    const text = section(off, on);
    process.stdout.write(`${text}\n`);
    await writeResults('pipeline', text);
    say('results written to bench/RESULTS.md');
  } finally {
    await client.connection.close();
    await modelService.close();
    await devServer.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
