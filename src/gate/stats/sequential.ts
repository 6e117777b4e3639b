// Group-sequential boundaries by alpha spending (Lan & DeMets): a test looked at up to K times, as the
// review's adaptive rounds look at a criterion, spends its α over the looks so that the chance of a
// false conclusion at any of them stays α. Each look's boundary is computed exactly for z statistics
// with the canonical joint distribution (Brownian motion in information time), by recursive
// numerical integration (Armitage, McPherson & Rowe; Jennison & Turnbull, ch. 19). Pure and
// deterministic; checked against published boundaries and by simulation in test/gate/sequential.test.ts.
import { normalSf } from './mann-whitney';

/**
 * How α is spent over information time t ∈ [0, 1]:
 * - `pocock`: α·ln(1 + (e − 1)·t), nearly even over the looks: stops early most often;
 * - `obrien-fleming`: 2 − 2Φ(z_{1−α/2}/√t), almost nothing early: the last look keeps nearly α.
 */
export type Spending = 'pocock' | 'obrien-fleming';
export const SPENDINGS: readonly Spending[] = ['pocock', 'obrien-fleming'];

/** Beyond this many looks the exact integration gets slow; looks then spend their α increments alone. */
export const MAX_EXACT_LOOKS = 50;

const density = (z: number) => Math.exp(-(z * z) / 2) / Math.sqrt(2 * Math.PI);

/** Φ⁻¹(p): Newton's method on Φ, kept inside a bracket, to the precision of normalSf (~1e-15). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p > 0.5) return -normalQuantile(1 - p);
  // Φ(x) = p with x ≤ 0, where Φ(x) = normalSf(−x) keeps its precision deep in the tail.
  let low = -40;
  let high = 0;
  let x = -Math.sqrt(-2 * Math.log(p));
  for (let iteration = 0; iteration < 100; iteration += 1) {
    const error = normalSf(-x) - p;
    if (error > 0) high = x;
    else low = x;
    let next = x - error / density(x);
    if (!(next > low && next < high)) next = (low + high) / 2;
    if (Math.abs(next - x) < 1e-13 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}

/** The α spent by information fraction t (cumulative; `alpha` at t = 1). */
export function spentAlpha(alpha: number, t: number, spending: Spending): number {
  if (t <= 0) return 0;
  const fraction = Math.min(1, t);
  if (spending === 'pocock') return alpha * Math.log(1 + (Math.E - 1) * fraction);
  return Math.min(alpha, 2 * normalSf(normalQuantile(1 - alpha / 2) / Math.sqrt(fraction)));
}

/**
 * The planned looks of adaptive sampling: `repeats` runs per side first, `repeats` more each round,
 * up to `maxRepeats`. Returns each look's information fraction (runs so far / maxRepeats).
 */
export function lookSchedule(repeats: number, maxRepeats: number): number[] {
  const step = Math.max(1, Math.floor(repeats));
  const last = Math.max(step, Math.floor(maxRepeats));
  const fractions: number[] = [];
  for (let runs = step; ; runs += step) {
    fractions.push(Math.min(runs, last) / last);
    if (runs >= last) break;
  }
  return fractions;
}

/** Composite Simpson weights for an odd number of equally spaced points. */
function simpsonWeights(points: number, step: number): Float64Array {
  const weights = new Float64Array(points);
  for (let index = 0; index < points; index += 1) {
    const inner = index === 0 || index === points - 1 ? 1 : index % 2 === 1 ? 4 : 2;
    weights[index] = (inner * step) / 3;
  }
  return weights;
}

interface Grid {
  /** Points of the score S = Z·√t in the continuation region, and the density there. */
  points: Float64Array;
  values: Float64Array;
  weights: Float64Array;
}

/** An odd grid from `low` to `high` with spacing at most `step`. */
function gridOver(low: number, high: number, step: number): { points: Float64Array; h: number } {
  let count = Math.max(3, Math.ceil((high - low) / step) + 1);
  if (count % 2 === 0) count += 1;
  const h = (high - low) / (count - 1);
  const points = new Float64Array(count);
  for (let index = 0; index < count; index += 1) points[index] = low + index * h;
  return { points, h };
}

/** P(S_k ≥ b and no earlier crossing), given the continuation density at the previous look. */
function crossing(previous: Grid, b: number, sd: number): number {
  let total = 0;
  for (let index = 0; index < previous.points.length; index += 1) {
    const u = previous.points[index] as number;
    total +=
      (previous.weights[index] as number) *
      (previous.values[index] as number) *
      normalSf((b - u) / sd);
  }
  return total;
}

/** Solves crossing(b) = target for b by bisection (crossing falls as b rises). */
function solveBoundary(previous: Grid, target: number, sd: number, center: number): number {
  let low = center - 12;
  let high = center + 12;
  for (let iteration = 0; iteration < 100; iteration += 1) {
    const mid = (low + high) / 2;
    if (crossing(previous, mid, sd) > target) low = mid;
    else high = mid;
    if (high - low < 1e-10) break;
  }
  return (low + high) / 2;
}

/** Upper z boundaries for one-sided level-α looks at these information fractions. */
function exactBoundaries(alpha: number, information: readonly number[], spending: Spending) {
  const boundaries: number[] = [];
  let grid: Grid | undefined;
  let spentBefore = 0;
  let tBefore = 0;
  const minGap = Math.min(
    ...information.map((t, index) => t - (index === 0 ? 0 : (information[index - 1] as number))),
  );
  // Fine enough for the narrowest step's kernel: about 5 points per its standard deviation.
  const step = Math.min(0.05, Math.sqrt(Math.max(minGap, 1e-6)) / 5);
  for (const t of information) {
    const spent = spentAlpha(alpha, t, spending);
    const increment = spent - spentBefore;
    const root = Math.sqrt(t);
    let b: number;
    if (increment <= 0) b = Number.POSITIVE_INFINITY;
    else if (!grid) b = normalQuantile(1 - increment) * root;
    else b = solveBoundary(grid, increment, Math.sqrt(t - tBefore), 0);
    boundaries.push(b / root);
    // The continuation density of S at this look, on (−8√t, b].
    const top = Number.isFinite(b) ? b : 8 * root;
    const { points, h } = gridOver(-8 * root, Math.max(top, -8 * root + step * 2), step);
    const values = new Float64Array(points.length);
    if (!grid) {
      for (let index = 0; index < points.length; index += 1) {
        values[index] = density((points[index] as number) / root) / root;
      }
    } else {
      const sd = Math.sqrt(t - tBefore);
      const previous: Grid = grid;
      for (let j = 0; j < points.length; j += 1) {
        let sum = 0;
        for (let i = 0; i < previous.points.length; i += 1) {
          sum +=
            (previous.weights[i] as number) *
            (previous.values[i] as number) *
            density(((points[j] as number) - (previous.points[i] as number)) / sd);
        }
        values[j] = sum / sd;
      }
    }
    grid = { points, values, weights: simpsonWeights(points.length, h) };
    spentBefore = Math.max(spentBefore, spent);
    tBefore = t;
  }
  return boundaries;
}

/** What one look at the data may conclude, and what the plan has spent by then. */
export interface SequentialLook {
  /** 1-based. */
  look: number;
  /** Looks the plan allows. */
  looks: number;
  /** Information fraction of this look (its runs / the most the plan runs). */
  information: number;
  /** α spent by this look and the looks before it, per one-sided conclusion. */
  spent: number;
  /** The level this look's p-value (or interval, at 1 − 2·nominalAlpha) is judged at. */
  nominalAlpha: number;
  /** `exact`: boundaries from the joint distribution; `bonferroni`: α increments (over MAX_EXACT_LOOKS). */
  boundary: 'exact' | 'bonferroni';
}

const cache = new Map<string, number[]>();

/** Each look's nominal one-sided level under the plan, computed once per (α, spending, schedule). */
export function nominalLevels(
  alpha: number,
  information: readonly number[],
  spending: Spending,
): number[] {
  const key = `${alpha}|${spending}|${information.join(',')}`;
  let levels = cache.get(key);
  if (!levels) {
    if (information.length > MAX_EXACT_LOOKS) {
      levels = information.map(
        (t, index) =>
          spentAlpha(alpha, t, spending) -
          (index === 0 ? 0 : spentAlpha(alpha, information[index - 1] as number, spending)),
      );
    } else {
      levels = exactBoundaries(alpha, information, spending).map((z) => normalSf(z));
    }
    if (cache.size > 500) cache.clear();
    cache.set(key, levels);
  }
  return levels;
}

/** The look `look` (1-based, capped to the plan's last) of a plan looking at `information`. */
export function sequentialLook(
  alpha: number,
  information: readonly number[],
  look: number,
  spending: Spending,
): SequentialLook {
  const looks = information.length;
  const index = Math.min(Math.max(1, Math.floor(look)), looks) - 1;
  const t = information[index] as number;
  return {
    look: index + 1,
    looks,
    information: t,
    spent: spentAlpha(alpha, t, spending),
    nominalAlpha: (nominalLevels(alpha, information, spending)[index] as number) ?? 0,
    boundary: looks > MAX_EXACT_LOOKS ? 'bonferroni' : 'exact',
  };
}
