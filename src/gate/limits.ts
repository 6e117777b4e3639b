// How large a review a gate config may ask for, checked when the gate loads. A review is one Temporal
// workflow, and Temporal ends a workflow whose history passes 51,200 events (50 MB) and refuses more
// than 2,000 activities pending at once. Those limits hit mid-review, after hours of benchmarks, as a
// terminated workflow and a phase nobody decided; a bound at load time fails the worker's boot
// instead, naming the benchmark and the numbers.
//
// Why a bound rather than continue-as-new: the review's state lives in one run (the runs judged so
// far, a person's decision, the query, update and signal handlers, the report store's key by run
// ID), and a review has a natural size set by its gate. A bound on that size keeps the workflow
// simple and its histories replayable; continue-as-new would add commands to every long review and
// split its evidence across runs to serve configs nobody needs (see README, "Scale").
import { MAX_FOR_EACH_SCOPES, needsBaselineRun } from './plan';
import { DEFAULT_POLICY } from './policy';
import type { BenchmarkDefinition, GateDefinition } from './types';

/**
 * Events one activity can add, at worst: scheduled, started, completed (or failed, timed out), plus
 * the workflow task its result wakes the review with (scheduled, started, completed). Retries add
 * none (an attempt is recorded only when it ends) and results that arrive together share a task:
 * measured, a review of 1,000 no-op runs wrote 3.2 events per activity.
 */
export const EVENTS_PER_ACTIVITY = 6;
/**
 * Everything besides runs and judging: reads, planning, the baseline, search attributes, a person's
 * decision and its timer, acting and recording. The recorded reviews (test/fixtures/histories)
 * write 44 to 74 events in all, runs and judging included.
 */
export const REVIEW_FIXED_EVENTS = 100;
/** Per version judged, two Statsig reads: loading it (on a rerun) and reconciling after judging. */
const VERSION_EVENTS = 2 * EVENTS_PER_ACTIVITY;
/**
 * The most events the largest review a gate allows may write. Well under Temporal's 51,200: the rest
 * is headroom for what no gate config bounds (configChanged signals from a busy entity, people's
 * decisions, workflow tasks retried after a worker died). It also keeps the largest review to about
 * 3,300 runs, which the dev server on a shared 2-core machine gets through in 40 to 80 s of no-op
 * runs (about 10,300 events, 5.5 MB: test/durability/review-size.test.ts).
 */
export const MAX_REVIEW_EVENTS = 20_000;
/** Runs in flight at once across all benchmarks: half Temporal's 2,000 pending activities. */
export const MAX_RUNS_IN_FLIGHT = 1_000;

export interface BenchmarkLoad {
  suite: string;
  benchmark: string;
  /** Runs per version judged at most: maxRepeats on each side it runs on. */
  runs: number;
  sides: 1 | 2;
  maxRepeats: number;
  /** Sampling rounds beyond the first in which it can add runs. */
  extraRounds: number;
  inFlight: number;
}

export interface ReviewLoad {
  benchmarks: BenchmarkLoad[];
  /** Versions one review may judge: the first, then one per rerun (the largest maxReruns). */
  versions: number;
  maxReruns: number;
  /** Judging rounds per version: the first, then every round a benchmark can add repeats in. */
  rounds: number;
  runs: number;
  inFlight: number;
  /** The worst case: every suite selects the review, every benchmark goes to maxRepeats. */
  events: number;
}

/** A benchmark's load, times its suite's copies (`forEach` suites run up to MAX_FOR_EACH_SCOPES). */
function benchmarkLoad(
  suite: string,
  benchmark: BenchmarkDefinition,
  sides: 1 | 2,
  copies: number,
): BenchmarkLoad {
  const repeats = benchmark.repeats ?? 1;
  const maxRepeats = Math.max(repeats, benchmark.maxRepeats ?? repeats);
  const runs = maxRepeats * sides;
  return {
    suite,
    benchmark: benchmark.name,
    runs: runs * copies,
    sides,
    maxRepeats,
    extraRounds: Math.ceil((maxRepeats - repeats) / repeats) * copies,
    inFlight: Math.min(benchmark.parallelRuns ?? 2, runs) * copies,
  };
}

/** The largest review the gate can run, in runs, rounds and history events. */
export function reviewLoad(gate: GateDefinition): ReviewLoad {
  const benchmarks = gate.suites.flatMap((suite) =>
    suite.benchmarks.map((benchmark) =>
      benchmarkLoad(
        suite.name,
        benchmark,
        needsBaselineRun(suite, benchmark) ? 2 : 1,
        suite.forEach ? MAX_FOR_EACH_SCOPES : 1,
      ),
    ),
  );
  const maxReruns = Math.max(
    gate.policy?.maxReruns ?? DEFAULT_POLICY.maxReruns,
    ...(gate.policies ?? []).map((entry) => entry.policy.maxReruns ?? 0),
  );
  const sum = (pick: (load: BenchmarkLoad) => number) =>
    benchmarks.reduce((total, load) => total + pick(load), 0);
  const runs = sum((load) => load.runs);
  // A round may add repeats to one benchmark only, so rounds add up across benchmarks.
  const rounds = 1 + sum((load) => load.extraRounds);
  const inFlight = sum((load) => load.inFlight);
  const versions = maxReruns + 1;
  const perVersion = (runs + rounds) * EVENTS_PER_ACTIVITY + VERSION_EVENTS;
  // A person's decision cancels what is in flight: a cancel request and its answer each.
  const events = REVIEW_FIXED_EVENTS + versions * perVersion + 2 * inFlight;
  return { benchmarks, versions, maxReruns, rounds, runs, inFlight, events };
}

const count = (value: number) => value.toLocaleString('en-US');

function describe(load: BenchmarkLoad): string {
  const sides = load.sides === 2 ? ' × 2 sides' : '';
  const rounds = load.extraRounds > 0 ? `, ${count(load.extraRounds)} more rounds` : '';
  return `suites[${load.suite}].benchmarks[${load.benchmark}]: maxRepeats ${count(load.maxRepeats)}${sides} = ${count(load.runs)} runs${rounds}`;
}

/** Adds a problem when the gate's largest review would not stay well inside Temporal's limits. */
export function checkReviewLoad(gate: GateDefinition, problems: string[]): void {
  const load = reviewLoad(gate);
  if (load.events > MAX_REVIEW_EVENTS) {
    const largest = [...load.benchmarks]
      .sort((a, b) => b.runs + b.extraRounds - (a.runs + a.extraRounds))
      .slice(0, 3)
      .map(describe);
    problems.push(
      `a review could write ${count(load.events)} events to its Temporal history, over the ${count(MAX_REVIEW_EVENTS)} allowed (Temporal ends a workflow at 51,200): ` +
        `(maxReruns ${load.maxReruns} + 1) versions × (${count(load.runs)} runs + ${count(load.rounds)} judging rounds + 2 Statsig reads) × ${EVENTS_PER_ACTIVITY} events, ` +
        `plus ${REVIEW_FIXED_EVENTS} for the review and ${count(2 * load.inFlight)} to cancel ${count(load.inFlight)} runs in flight. ` +
        `Largest: ${largest.join('; ')}. Lower maxRepeats, raise repeats (fewer rounds) or lower maxReruns`,
    );
  }
  if (load.inFlight > MAX_RUNS_IN_FLIGHT) {
    const widest = [...load.benchmarks]
      .sort((a, b) => b.inFlight - a.inFlight)
      .slice(0, 3)
      .map((entry) => `suites[${entry.suite}].benchmarks[${entry.benchmark}]: ${entry.inFlight}`);
    problems.push(
      `${count(load.inFlight)} runs could be in flight at once, over the ${count(MAX_RUNS_IN_FLIGHT)} allowed (Temporal refuses more than 2,000 pending activities per workflow). Widest parallelRuns: ${widest.join('; ')}`,
    );
  }
}
