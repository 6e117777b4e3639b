// `rollout-gate gate run`: the gate config's suites for the pre-commit stage, run in this process on
// a candidate (a file, or the entity as Statsig has it) against a baseline, with no Temporal server.
// For CI and local work: exit 0 pass, 1 fail, 2 inconclusive or error; JUnit XML and a Markdown
// summary for a pull request on request.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_GATE_CONFIG } from '../config';
import { errorMessage } from '../error-message';
import { versionText } from '../gate/judge/format';
import { loadGateConfig } from '../gate/load';
import { planReview } from '../gate/plan';
import type { GateStage, Target } from '../gate/types';
import type { BaselineStatus, Verdict } from '../gate/wire';
import { configHash } from '../statsig/targets';
import { CliError, type ExitCode, UsageError } from './errors';
import { fileSnapshot, type StatsigSource, statsigSource } from './gate-sources';
import { gateRunMarkdown, verdictLines } from './gate-summary';
import { junitXml } from './junit';
import { type RunEvent, runLocally } from './local-runner';
import type { Output } from './webhook';

export const GATE_OPTIONS = {
  gate: { type: 'string' },
  candidate: { type: 'string' },
  entity: { type: 'string' },
  baseline: { type: 'string' },
  kind: { type: 'string' },
  stage: { type: 'string' },
  junit: { type: 'string' },
  markdown: { type: 'string' },
} as const;

export interface GateRunArgs {
  action: string | undefined;
  gate?: string;
  candidate?: string;
  entity?: string;
  baseline?: string;
  kind?: string;
  stage?: string;
  junit?: string;
  markdown?: string;
}

/** The exit codes CI keys on. */
export const GATE_EXIT: Record<Verdict, ExitCode> = { pass: 0, fail: 1, inconclusive: 2 };

interface Subjects {
  candidate: Target;
  candidateFrom: string;
  baseline: Target | null;
  baselineFrom: string;
}

function kindOption(value: string | undefined) {
  if (value === undefined || value === 'gate' || value === 'dynamic_config') return value;
  throw new UsageError(`--kind is gate or dynamic_config, not '${value}'.`, 'gate');
}

function stageOption(value: string | undefined): GateStage {
  if (value === undefined) return 'pre-commit';
  if (value === 'pre-commit' || value === 'phase') return value;
  throw new UsageError(`--stage is pre-commit or phase, not '${value}'.`, 'gate');
}

/** The candidate and the baseline, from files or from Statsig. */
async function subjects(args: GateRunArgs, statsig: () => StatsigSource): Promise<Subjects> {
  const kind = kindOption(args.kind);
  const name = args.entity;
  let candidate: Target;
  let candidateFrom: string;
  if (args.candidate !== undefined) {
    candidate = fileSnapshot(args.candidate, kind, name);
    candidateFrom = args.candidate;
  } else if (name !== undefined) {
    candidate = await statsig().current(name, kind);
    candidateFrom = `Statsig (${versionText(candidate.version)})`;
  } else {
    throw new UsageError('Name the candidate: --candidate FILE or --entity NAME.', 'gate');
  }
  if (args.baseline !== undefined) {
    const baseline = fileSnapshot(args.baseline, candidate.kind, candidate.name);
    return { candidate, candidateFrom, baseline, baselineFrom: args.baseline };
  }
  if (name === undefined) {
    return { candidate, candidateFrom, baseline: null, baselineFrom: 'none given' };
  }
  // A candidate from a file is compared with what Statsig serves; one read from Statsig with the
  // version released before it.
  const baseline =
    args.candidate !== undefined
      ? await statsig().current(name, candidate.kind)
      : await statsig().released(candidate);
  return {
    candidate,
    candidateFrom,
    baseline,
    baselineFrom: baseline ? `Statsig (${versionText(baseline.version)})` : 'none in Statsig',
  };
}

/** A live line on a terminal; a line per finished run elsewhere (CI logs). */
function progressDisplay(io: Output): { onEvent(event: RunEvent): void; done(): void } {
  const live = process.stderr.isTTY === true;
  const name = (event: RunEvent) =>
    `${event.run.suite}/${event.run.benchmark} (${event.run.role}, repeat ${event.run.repeat + 1})`;
  return {
    onEvent(event) {
      if (live) {
        const what = event.type === 'start' ? `running ${name(event)}` : `finished ${name(event)}`;
        process.stderr.write(`\r\u001b[K[${event.done}/${event.total}] ${what}`);
      } else if (event.type === 'end') {
        const result =
          event.status === 'completed' ? `${event.durationMs} ms` : `error: ${event.error}`;
        io.err(`[${event.done}/${event.total}] ${name(event)}: ${result}`);
      }
    },
    done() {
      if (live) process.stderr.write('\r\u001b[K');
    },
  };
}

function write(file: string, content: string, what: string): void {
  try {
    writeFileSync(file, content);
  } catch (error) {
    throw new CliError(`Cannot write the ${what} to ${file}: ${errorMessage(error)}`, 2);
  }
}

async function run(args: GateRunArgs, env: NodeJS.ProcessEnv, io: Output): Promise<number> {
  const stage = stageOption(args.stage);
  const gateFile = args.gate ?? env.GATE_CONFIG ?? DEFAULT_GATE_CONFIG;
  const gate = await loadGateConfig(gateFile);
  const found = await subjects(args, () => statsigSource(env));
  const { candidate, baseline } = found;
  const pipelineID = candidate.raw.releasePipelineID;
  const plan = planReview(gate, candidate, typeof pipelineID === 'string' ? pipelineID : '', stage);
  io.out(
    `rollout-gate gate run: ${candidate.kind} ${candidate.name} from ${found.candidateFrom}, baseline ${found.baselineFrom}, gate ${path.relative(process.cwd(), gateFile) || gateFile} (${stage})`,
  );
  if (plan.benchmarks.length === 0) {
    io.out(`Nothing was gated: no suite of the gate config selects ${candidate.name} at ${stage}.`);
    return GATE_EXIT.pass;
  }
  const baselineStatus: BaselineStatus = !plan.needsBaseline
    ? { version: null, reason: 'no criterion compares with a baseline' }
    : baseline
      ? { version: baseline.version }
      : { version: null, reason: `no baseline (${found.baselineFrom})` };
  const progress = progressDisplay(io);
  const result = await runLocally({
    gate,
    plan,
    candidate,
    baseline: plan.needsBaseline ? baseline : null,
    baselineStatus,
    seed: `gate-run|${configHash(candidate)}`,
    onEvent: progress.onEvent,
    log: { info: () => undefined, warn: (text) => io.err(`warning: ${text}`) },
  });
  progress.done();
  const summary = { ...found, plan, result, baselineStatus };
  for (const line of verdictLines(summary)) io.out(line);
  const { verdict } = result.evaluation.judgement;
  if (args.junit) {
    write(args.junit, junitXml(result.evaluation.judgement, result.runs, 'rollout-gate'), 'JUnit');
    io.err(`JUnit XML: ${args.junit}`);
  }
  if (args.markdown) {
    write(args.markdown, gateRunMarkdown(summary), 'Markdown summary');
    io.err(`Markdown summary: ${args.markdown}`);
  }
  return GATE_EXIT[verdict];
}

export async function gateCommand(
  args: GateRunArgs,
  env: NodeJS.ProcessEnv,
  io: Output,
): Promise<number> {
  if (args.action !== 'run') {
    throw new UsageError(
      args.action === undefined ? 'Name the action: gate run.' : `Unknown action '${args.action}'.`,
      'gate',
    );
  }
  try {
    return await run(args, env, io);
  } catch (error) {
    if (error instanceof CliError) throw error;
    // A gate that could not run decided nothing: exit 2, like an inconclusive verdict.
    throw new CliError(`gate run: ${errorMessage(error)}`, 2);
  }
}
