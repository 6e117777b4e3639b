// `npm run bench:stats`: 10,000 simulated reviews per scenario through the real judge, fixed-n vs
// sequential (alpha spending over adaptive rounds), with no real difference, with a known
// regression, and with a regression exactly at the allowance (the worst case for both error rates).
// Writes its section of bench/RESULTS.md.
import { fmt, machine, table, writeResults } from './report';
import {
  type Method,
  monteCarloMargin,
  type SimulationDesign,
  simulate,
  type Tally,
} from './stats-simulation';

const REVIEWS = Number(process.env.BENCH_STATS_REVIEWS ?? 10_000);
const ALPHA = 0.05;
const BETA = 0.1;
// 10 latency samples per run, sd 10; the criterion allows a mean delta of 6.3, which is what five
// runs per side detect with about 90% power (1 − β) at α = 5% (Mann-Whitney, one-sided).
const DESIGN: SimulationDesign = { samplesPerRun: 10, sd: 10, threshold: 6.3, alpha: ALPHA };
const FIXED_RUNS = 5;

interface Row {
  name: string;
  method: Method;
  design: SimulationDesign;
}

const ROWS: Row[] = [
  {
    name: 'fixed-n: 5 runs per side, one look',
    method: { kind: 'fixed', runs: 5 },
    design: DESIGN,
  },
  {
    name: 'sequential (Pocock spending): 1 run per round, up to 6',
    method: { kind: 'sequential', repeats: 1, maxRepeats: 6 },
    design: DESIGN,
  },
  {
    name: "sequential (O'Brien-Fleming spending): 1 per round, up to 5",
    method: { kind: 'sequential', repeats: 1, maxRepeats: 5 },
    design: { ...DESIGN, spending: 'obrien-fleming' },
  },
  {
    name: 'naive (before): α at every look, 1 per round, up to 6',
    method: { kind: 'naive', repeats: 1, maxRepeats: 6 },
    design: DESIGN,
  },
];

const SCENARIOS = {
  none: 0,
  limit: DESIGN.threshold,
  regression: 2 * DESIGN.threshold,
} as const;

const rate = (count: number, tally: Tally) => count / tally.reviews;
const pct = (value: number) => `${fmt(value * 100, 2)}%`;
const meanRuns = (tally: Tally) => tally.runs / tally.reviews;

async function main(): Promise<void> {
  const started = Date.now();
  const results = ROWS.map((row) => {
    const tallies = Object.fromEntries(
      Object.entries(SCENARIOS).map(([scenario, delta]) => [
        scenario,
        simulate(row.design, row.method, delta, REVIEWS),
      ]),
    ) as Record<keyof typeof SCENARIOS, Tally>;
    process.stdout.write(`[bench:stats] ${row.name}: done\n`);
    return { row, tallies };
  });
  const fixed = results[0]?.tallies as Record<keyof typeof SCENARIOS, Tally>;
  const fixedRuns = FIXED_RUNS;

  const errors = table(
    [
      'method',
      'false pass at the limit',
      'false fail at the limit',
      'false pass, regression',
      'false fail, no difference',
    ],
    results.map(({ row, tallies }) => [
      row.name,
      pct(rate(tallies.limit.pass, tallies.limit)),
      pct(rate(tallies.limit.fail, tallies.limit)),
      pct(rate(tallies.regression.pass, tallies.regression)),
      pct(rate(tallies.none.fail, tallies.none)),
    ]),
  );
  const power = table(
    [
      'method',
      'passes, no difference',
      'fails, regression',
      'runs/side, no difference',
      'runs/side, regression',
      'runs/side, at the limit',
      '× fixed-n (mean of first two)',
    ],
    results.map(({ row, tallies }) => [
      row.name,
      pct(rate(tallies.none.pass, tallies.none)),
      pct(rate(tallies.regression.fail, tallies.regression)),
      fmt(meanRuns(tallies.none), 2),
      fmt(meanRuns(tallies.regression), 2),
      fmt(meanRuns(tallies.limit), 2),
      fmt((meanRuns(tallies.none) + meanRuns(tallies.regression)) / 2 / fixedRuns, 3),
    ]),
  );

  const sequential = results[1]?.tallies as Record<keyof typeof SCENARIOS, Tally>;
  const alphaBound = ALPHA + monteCarloMargin(ALPHA, REVIEWS);
  const betaBound = BETA + monteCarloMargin(BETA, REVIEWS);
  const worstError = Math.max(
    rate(sequential.limit.pass, sequential.limit),
    rate(sequential.limit.fail, sequential.limit),
  );
  const worstMiss = Math.max(
    1 - rate(sequential.none.pass, sequential.none),
    1 - rate(sequential.regression.fail, sequential.regression),
  );
  const ratio = (meanRuns(sequential.none) + meanRuns(sequential.regression)) / 2 / fixedRuns;
  const fixedPower =
    (rate(fixed.none.pass, fixed.none) + rate(fixed.regression.fail, fixed.regression)) / 2;
  const sequentialPower =
    (rate(sequential.none.pass, sequential.none) +
      rate(sequential.regression.fail, sequential.regression)) /
    2;
  const section = [
    '## Sequential sampling (`npm run bench:stats`)',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${machine()}`,
    '- Command: `npm run bench:stats` (`tsx bench/stats.ts`; simulation in bench/stats-simulation.ts)',
    `- Setup: ${REVIEWS.toLocaleString('en')} simulated reviews per method and scenario, each through the real judge (\`evaluate\`) with the adaptive rounds of workflows/measure.ts replayed in memory. One criterion: mean(latency_ms) delta <= ${DESIGN.threshold}, Mann-Whitney, α = ${ALPHA}. A run reports ${DESIGN.samplesPerRun} samples, normal with sd ${DESIGN.sd}; the allowance is what ${FIXED_RUNS} runs per side detect with about ${100 * (1 - BETA)}% power (β = ${BETA}). Scenarios: no real difference (candidate − baseline = 0: the right verdict is pass), a known regression (2 × the allowance: fail), and a regression exactly at the allowance, the boundary where both error rates are largest (a delta just above it makes every pass wrong, just below it every fail): there each must stay within α. The sequential row allows 6 runs per side at most (1.2 × fixed-n, the usual price of looking early at equal power).`,
    `- Took ${fmt((Date.now() - started) / 1000, 0)} s. Monte Carlo margin (3 standard errors) at ${REVIEWS.toLocaleString('en')} reviews: ±${pct(monteCarloMargin(ALPHA, REVIEWS))} around α, ±${pct(monteCarloMargin(BETA, REVIEWS))} around β.`,
    '',
    'Error rates (a false pass: the candidate passes though it regresses by at least the allowance; a false fail: it fails though it is within it):',
    '',
    errors,
    '',
    'Power and cost (runs per side until the review decides or reaches its last look):',
    '',
    power,
    '',
    `- Sequential, worst false conclusion: **${pct(worstError)}** (goal ≤ α + margin = ${pct(alphaBound)}); the naive rounds reach ${pct(rate(results[3]?.tallies.limit.pass ?? 0, results[3]?.tallies.limit ?? fixed.limit))} false passes.`,
    `- Sequential, decisions missed (1 − power): **${pct(worstMiss)}** (goal ≤ β + margin = ${pct(betaBound)}); power ${pct(sequentialPower)} vs fixed-n ${pct(fixedPower)}.`,
    `- Sequential mean runs per side: **${fmt(ratio, 3)}×** fixed-n at equal power (goal ≤ 0.7×).`,
  ].join('\n');
  await writeResults('stats', section);
  process.stdout.write(`${section}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
