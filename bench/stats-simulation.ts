// Simulated reviews through the real judge (src/gate/judge): a latency criterion judged on runs of
// normally distributed samples, with the adaptive rounds of workflows/measure.ts replayed in memory
// (judge; while inconclusive, `repeats` more runs per side for the benchmarks it asks for, up to
// `maxRepeats`; judge again). Used by `npm run bench:stats` and test/gate/sequential.test.ts.
import { evaluate, type RunData } from '../src/gate/judge';
import { seededRandom } from '../src/gate/stats';
import type { Criterion, Spending } from '../src/gate/types';
import type { Verdict } from '../src/gate/wire';

export interface SimulationDesign {
  /** Samples each run reports. */
  samplesPerRun: number;
  /** Standard deviation of one sample. */
  sd: number;
  /** The criterion: mean(latency_ms) delta <= threshold. */
  threshold: number;
  alpha: number;
  spending?: Spending;
}

/**
 * How a review samples: `fixed` runs `runs` per side and judges once; `sequential` starts with
 * `repeats` and adds `repeats` per round up to `maxRepeats`, spending α over the looks; `naive`
 * rounds the same way but judges every look at α (what rollout-gate did before alpha spending).
 */
export type Method =
  | { kind: 'fixed'; runs: number }
  | { kind: 'sequential' | 'naive'; repeats: number; maxRepeats: number };

export interface Tally {
  reviews: number;
  pass: number;
  fail: number;
  inconclusive: number;
  /** Runs per side, summed over reviews. */
  runs: number;
  /** Looks (judgings), summed over reviews. */
  looks: number;
}

const BASE = 100;

/** Standard normal draws (Box-Muller) from a seeded generator. */
function normals(random: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    let u = 0;
    while (u === 0) u = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * random();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}

function criterionOf(design: SimulationDesign): Criterion & { suite: string } {
  return {
    suite: 'sim',
    metric: 'latency_ms',
    aggregate: 'mean',
    compare: 'delta',
    test: 'mann-whitney',
    op: '<=',
    threshold: design.threshold,
    alpha: design.alpha,
    ...(design.spending ? { spending: design.spending } : {}),
  };
}

/** One simulated review: its verdict, the runs per side it took and how many times it was judged. */
export function simulateReview(
  design: SimulationDesign,
  method: Method,
  trueDelta: number,
  seed: string,
): { verdict: Verdict; runs: number; looks: number } {
  const gauss = normals(seededRandom(seed));
  const criterion = criterionOf(design);
  const runs: RunData[] = [];
  const addRuns = (from: number, to: number) => {
    for (let repeat = from; repeat < to; repeat += 1) {
      for (const role of ['candidate', 'baseline'] as const) {
        const center = BASE + (role === 'candidate' ? trueDelta : 0);
        const samples = Array.from(
          { length: design.samplesPerRun },
          () => center + design.sd * gauss(),
        );
        runs.push({
          suite: 'sim',
          benchmark: 'probe',
          role,
          repeat,
          status: 'completed',
          output: { metrics: {}, samples: { latency_ms: samples } },
        });
      }
    }
  };
  const repeats = method.kind === 'fixed' ? method.runs : method.repeats;
  const maxRepeats = method.kind === 'fixed' ? method.runs : method.maxRepeats;
  const planned = [{ suite: 'sim', benchmark: 'probe', repeats, maxRepeats }];
  let done = repeats;
  addRuns(0, done);
  for (let round = 1; ; round += 1) {
    const evaluation = evaluate({
      criteria: [criterion],
      suites: [{ name: 'sim', passScore: 100 }],
      runs,
      baseline: { version: 1 },
      onError: 'inconclusive',
      seed,
      round,
      ...(method.kind === 'sequential' ? { benchmarks: planned } : {}),
    });
    const verdict = evaluation.judgement.verdict;
    const next = Math.min(maxRepeats, done + repeats);
    if (verdict !== 'inconclusive' || evaluation.moreSamples.length === 0 || next === done) {
      return { verdict, runs: done, looks: round };
    }
    addRuns(done, next);
    done = next;
  }
}

/** `reviews` simulated reviews of one method at one true delta (candidate − baseline mean). */
export function simulate(
  design: SimulationDesign,
  method: Method,
  trueDelta: number,
  reviews: number,
  seed = 'bench-stats',
): Tally {
  const tally: Tally = { reviews, pass: 0, fail: 0, inconclusive: 0, runs: 0, looks: 0 };
  for (let index = 0; index < reviews; index += 1) {
    const result = simulateReview(design, method, trueDelta, `${seed}|${trueDelta}|${index}`);
    tally[result.verdict] += 1;
    tally.runs += result.runs;
    tally.looks += result.looks;
  }
  return tally;
}

/** Three standard errors of a rate estimated from `reviews` reviews, at rate `p`. */
export function monteCarloMargin(p: number, reviews: number): number {
  return 3 * Math.sqrt((p * (1 - p)) / reviews);
}
