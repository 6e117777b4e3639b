// Runs a gate's planned benchmarks in this process, without Temporal, for `rollout-gate gate run`:
// the same runs a review schedules (repeats, candidate and baseline side by side, parallelRuns at a
// time, retries, timeouts, more repeats while the verdict waits for samples) and the same judge.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { outputProblem } from '../../activities/run-benchmark';
import { errorMessage } from '../error-message';
import { type Evaluation, evaluate, type RunData } from '../gate/judge';
import { InvalidBenchmarkOutputError } from '../gate/kinds/kind';
import { findBenchmark } from '../gate/plan';
import { hashSeed } from '../gate/stats';
import type {
  BenchmarkDefinition,
  BenchmarkLogger,
  BenchmarkOutput,
  GateDefinition,
  RunRole,
  Target,
} from '../gate/types';
import type { BaselineStatus, PlannedBenchmark, ReviewPlan, RunKey, RunRecord } from '../gate/wire';

/** A run starting or ending, for a progress display. */
export type RunEvent =
  | { type: 'start'; run: RunKey; done: number; total: number }
  | {
      type: 'end';
      run: RunKey;
      status: 'completed' | 'error';
      durationMs: number;
      error?: string;
      done: number;
      total: number;
    };

export interface LocalRunInput {
  gate: GateDefinition;
  plan: ReviewPlan;
  candidate: Target;
  baseline: Target | null;
  baselineStatus: BaselineStatus;
  /** Seeds every run and the judge's bootstrap: the same inputs give the same verdict. */
  seed: string;
  onEvent?: (event: RunEvent) => void;
  log?: BenchmarkLogger;
}

export interface LocalRunResult {
  evaluation: Evaluation;
  /** What a review would keep of each run; outputs stay in memory (`ref` names no stored file). */
  runs: RunRecord[];
  samplingRounds: number;
}

interface RunRequest {
  planned: PlannedBenchmark;
  role: RunRole;
  repeat: number;
}

const QUIET: BenchmarkLogger = { info: () => undefined, warn: () => undefined };

class RunTimeout extends Error {}

function requestsFor(
  planned: PlannedBenchmark,
  from: number,
  to: number,
  withBaseline: boolean,
): RunRequest[] {
  const requests: RunRequest[] = [];
  for (let repeat = from; repeat < to; repeat += 1) {
    requests.push({ planned, role: 'candidate', repeat });
    if (withBaseline && planned.baseline) requests.push({ planned, role: 'baseline', repeat });
  }
  return requests;
}

/** One attempt, stopped at the benchmark's timeout even if it ignores its signal. */
async function attempt(
  definition: BenchmarkDefinition,
  input: LocalRunInput,
  { planned, role, repeat }: RunRequest,
): Promise<BenchmarkOutput> {
  const scratchDir = await mkdtemp(path.join(tmpdir(), 'rollout-gate-run-'));
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new RunTimeout(`timed out after ${planned.timeoutMs} ms`));
    }, planned.timeoutMs);
  });
  try {
    const output = await Promise.race([
      definition.run({
        target: role === 'baseline' && input.baseline ? input.baseline : input.candidate,
        baseline: input.baseline,
        role,
        repeat,
        seed: hashSeed(`${input.seed}|${planned.suite}|${planned.benchmark}|${repeat}`),
        signal: controller.signal,
        heartbeat: () => undefined,
        log: input.log ?? QUIET,
        scratchDir,
      }),
      timedOut,
    ]);
    const problem = outputProblem(output);
    if (problem) throw new InvalidBenchmarkOutputError(problem);
    return output;
  } finally {
    clearTimeout(timer);
    await rm(scratchDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A run with its retries: the full output for the judge and what a review would keep of it. */
async function runOnce(
  input: LocalRunInput,
  request: RunRequest,
): Promise<{ data: RunData; record: RunRecord }> {
  const { planned, role, repeat } = request;
  const key: RunKey = { suite: planned.suite, benchmark: planned.benchmark, role, repeat };
  const definition = findBenchmark(input.gate, planned.suite, planned.benchmark);
  let error = `${planned.suite}/${planned.benchmark} is not in the gate config`;
  for (let tries = 0; definition && tries <= planned.retries; tries += 1) {
    const started = Date.now();
    try {
      const output = await attempt(definition, input, request);
      const record: RunRecord = {
        ...key,
        status: 'completed',
        metrics: output.metrics,
        durationMs: Date.now() - started,
        ref: '(in memory)',
        sampleCount: Object.values(output.samples ?? {}).reduce((n, list) => n + list.length, 0),
        caseCount: output.cases?.length ?? 0,
      };
      return { data: { ...key, status: 'completed', output }, record };
    } catch (thrown) {
      const prefix = thrown instanceof RunTimeout ? '' : 'threw: ';
      error = `${planned.suite}/${planned.benchmark} ${prefix}${errorMessage(thrown)}`;
      // Running it again would not mend an output of the wrong shape.
      if (thrown instanceof InvalidBenchmarkOutputError) break;
    }
  }
  const failed = { ...key, status: 'error' as const, error };
  return { data: failed, record: failed };
}

/** Every requested run: each benchmark `parallelRuns` at a time, all benchmarks at once. */
async function runAll(
  input: LocalRunInput,
  requests: readonly RunRequest[],
  collected: { data: RunData[]; records: RunRecord[] },
): Promise<void> {
  let done = 0;
  const total = requests.length;
  const queue = async (planned: PlannedBenchmark) => {
    const own = requests.filter((request) => request.planned === planned);
    let next = 0;
    const worker = async () => {
      while (next < own.length) {
        const request = own[next] as RunRequest;
        next += 1;
        const run = {
          suite: planned.suite,
          benchmark: planned.benchmark,
          role: request.role,
          repeat: request.repeat,
        };
        input.onEvent?.({ type: 'start', run, done, total });
        const started = Date.now();
        const { data, record } = await runOnce(input, request);
        collected.data.push(data);
        collected.records.push(record);
        done += 1;
        input.onEvent?.({
          type: 'end',
          run,
          status: record.status,
          durationMs: Date.now() - started,
          ...(record.status === 'error' ? { error: record.error } : {}),
          done,
          total,
        });
      }
    };
    const lanes = Math.min(planned.parallelRuns, own.length);
    await Promise.all(Array.from({ length: lanes }, worker));
  };
  await Promise.all(input.plan.benchmarks.map(queue));
}

/** Runs the plan and judges it, adding repeats while the verdict waits for samples. */
export async function runLocally(input: LocalRunInput): Promise<LocalRunResult> {
  const { plan } = input;
  const withBaseline = input.baseline !== null;
  const collected = { data: [] as RunData[], records: [] as RunRecord[] };
  let requests = plan.benchmarks.flatMap((planned) =>
    requestsFor(planned, 0, planned.repeats, withBaseline),
  );
  for (let samplingRounds = 1; ; samplingRounds += 1) {
    await runAll(input, requests, collected);
    const evaluation = evaluate({
      criteria: plan.criteria,
      suites: plan.suites,
      runs: collected.data,
      baseline: input.baselineStatus,
      onError: plan.policy.onError,
      seed: input.seed,
    });
    if (evaluation.judgement.verdict === 'inconclusive') {
      requests = evaluation.moreSamples.flatMap(({ suite, benchmark }) => {
        const planned = plan.benchmarks.find(
          (entry) => entry.suite === suite && entry.benchmark === benchmark,
        );
        if (!planned) return [];
        const done = collected.records.filter(
          (run) => run.suite === suite && run.benchmark === benchmark && run.role === 'candidate',
        ).length;
        const next = Math.min(planned.maxRepeats, done + planned.repeats);
        return requestsFor(planned, done, next, withBaseline);
      });
      if (requests.length > 0) continue;
    }
    return { evaluation, runs: collected.records, samplingRounds };
  }
}
