// The Mann-Whitney U test with the normal tail it needs: exact for small samples, normal
// approximation with tie correction otherwise; checked against scipy in test/gate/stats.test.ts.

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erfc(x) for x ≥ 0: a series of positive terms below 2.5 (no cancellation), and the continued
 * fraction (evaluated with Lentz's method) above, both accurate to about 1e-15.
 */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    // erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n += 1) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = e^(−x²)/√π · 1 / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n += 1) {
    const a = n / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return x >= 0 ? erfcNonNegative(x) : 2 - erfcNonNegative(-x);
}

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  if (z === Number.POSITIVE_INFINITY) return 0;
  if (z === Number.NEGATIVE_INFINITY) return 1;
  return erfc(z / Math.SQRT2) / 2;
}

// ---------------------------------------------------------------------------------------------
// Mann-Whitney U

export type Alternative = 'two-sided' | 'greater' | 'less';

export interface MannWhitneyResult {
  /** U of the first sample: the number of (x, y) pairs with x > y, ties counting one half. */
  u: number;
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/** Average ranks (1-based) of the pooled values, and the sizes of the groups of ties. */
function rankWithTies(values: readonly number[]): { ranks: Float64Array; ties: number[] } {
  const order = Array.from(values.keys()).sort(
    (a, b) => (values[a] as number) - (values[b] as number),
  );
  const ranks = new Float64Array(values.length);
  const ties: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    const value = values[order[start] as number];
    while (end < order.length && values[order[end] as number] === value) end += 1;
    const averageRank = (start + 1 + end) / 2;
    for (let index = start; index < end; index += 1) ranks[order[index] as number] = averageRank;
    ties.push(end - start);
    start = end;
  }
  return { ranks, ties };
}

/**
 * P(U ≥ u) under the null hypothesis for samples of n1 and n2 without ties. Built up by the
 * recurrence on sample sizes in probabilities (not counts), so nothing overflows.
 */
function exactUpperTail(u: number, n1: number, n2: number): number {
  const small = Math.min(n1, n2);
  const large = Math.max(n1, n2);
  // previous[j] / current[j]: distribution of U for (i − 1, j) / (i, j), over u = 0..i·j.
  let previous: Float64Array[] = Array.from({ length: large + 1 }, () => Float64Array.of(1));
  for (let i = 1; i <= small; i += 1) {
    const current: Float64Array[] = [Float64Array.of(1)];
    for (let j = 1; j <= large; j += 1) {
      const distribution = new Float64Array(i * j + 1);
      const fromSmaller = previous[j] as Float64Array; // the largest value came from the i-sample
      const fromLarger = current[j - 1] as Float64Array;
      const weightSmaller = i / (i + j);
      const weightLarger = j / (i + j);
      for (let k = 0; k < fromSmaller.length; k += 1) {
        distribution[k + j] =
          (distribution[k + j] as number) + weightSmaller * (fromSmaller[k] as number);
      }
      for (let k = 0; k < fromLarger.length; k += 1) {
        distribution[k] = (distribution[k] as number) + weightLarger * (fromLarger[k] as number);
      }
      current.push(distribution);
    }
    previous = current;
  }
  const distribution = previous[large] as Float64Array;
  let tail = 0;
  for (let k = Math.max(0, Math.ceil(u - 1e-9)); k < distribution.length; k += 1) {
    tail += distribution[k] as number;
  }
  return Math.min(1, tail);
}

/**
 * The Mann-Whitney U test of x against y, as scipy.stats.mannwhitneyu computes it by default:
 * exact when one sample has at most 8 values and nothing ties, otherwise the normal approximation
 * with tie and continuity corrections. `greater` asks whether x tends to be larger than y.
 */
export function mannWhitneyU(
  x: readonly number[],
  y: readonly number[],
  alternative: Alternative = 'two-sided',
  method: 'auto' | 'exact' | 'asymptotic' = 'auto',
): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (!x.every(Number.isFinite) || !y.every(Number.isFinite)) {
    throw new RangeError('Mann-Whitney U needs finite numbers');
  }
  if (n1 === 0 || n2 === 0) return { u: Number.NaN, pValue: Number.NaN, method: 'asymptotic' };
  const { ranks, ties } = rankWithTies([...x, ...y]);
  let rankSum = 0;
  for (let index = 0; index < n1; index += 1) rankSum += ranks[index] as number;
  const u1 = rankSum - (n1 * (n1 + 1)) / 2;
  const u2 = n1 * n2 - u1;
  const [u, factor] =
    alternative === 'greater' ? [u1, 1] : alternative === 'less' ? [u2, 1] : [Math.max(u1, u2), 2];
  const hasTies = ties.some((size) => size > 1);
  const chosen =
    method === 'auto' ? ((n1 > 8 && n2 > 8) || hasTies ? 'asymptotic' : 'exact') : method;
  let p: number;
  if (chosen === 'exact') {
    p = exactUpperTail(u, n1, n2);
  } else {
    const n = n1 + n2;
    let tieTerm = 0;
    for (const size of ties) tieTerm += size ** 3 - size;
    const sd = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
    // Subtracting ½ always: the tail probability is taken at U inclusive.
    const numerator = u - (n1 * n2) / 2 - 0.5;
    const z =
      sd === 0
        ? numerator < 0
          ? Number.NEGATIVE_INFINITY
          : Number.POSITIVE_INFINITY
        : numerator / sd;
    p = normalSf(z);
  }
  return { u: u1, pValue: Math.min(1, Math.max(0, p * factor)), method: chosen };
}
