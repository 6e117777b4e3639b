// Descriptive statistics: aggregations of a metric's samples (mean, quantiles, pass rate). Pure
// functions over finite numbers, checked against numpy in test/gate/stats.test.ts.

/** How a criterion reduces a metric's samples to one number. */
export type Aggregation =
  | 'mean'
  | 'median'
  | 'p50'
  | 'p90'
  | 'p95'
  | 'p99'
  | 'min'
  | 'max'
  | 'passRate';

export const AGGREGATIONS: readonly Aggregation[] = [
  'mean',
  'median',
  'p50',
  'p90',
  'p95',
  'p99',
  'min',
  'max',
  'passRate',
];

export function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Sample variance (n − 1 in the denominator); NaN below two values. */
export function variance(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const center = mean(values);
  let sum = 0;
  for (const value of values) sum += (value - center) ** 2;
  return sum / (values.length - 1);
}

function sortedCopy(values: readonly number[]): Float64Array {
  return Float64Array.from(values).sort();
}

function smallest(values: readonly number[]): number {
  let result = Number.POSITIVE_INFINITY;
  for (const value of values) if (value < result) result = value;
  return result;
}

function largest(values: readonly number[]): number {
  let result = Number.NEGATIVE_INFINITY;
  for (const value of values) if (value > result) result = value;
  return result;
}

/** Quantile of sorted values by linear interpolation between order statistics (numpy's default). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  // Typed-array sort puts NaN last: one NaN makes every quantile NaN, as in numpy.
  if (n === 0 || Number.isNaN(sorted[n - 1])) return Number.NaN;
  const position = (n - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, n - 1);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (position - lower) * (high - low);
}

/** The q-quantile (0 ≤ q ≤ 1), interpolating linearly like numpy.percentile; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
  return quantileOfSorted(sortedCopy(values), q);
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

/** Share of values at or above `passAt` (1 by default, so 0/1 outcomes give their pass rate). */
export function passRate(values: readonly number[], passAt = 1): number {
  if (values.length === 0) return Number.NaN;
  let passed = 0;
  for (const value of values) if (value >= passAt) passed += 1;
  return passed / values.length;
}

const PERCENTILE: Partial<Record<Aggregation, number>> = {
  median: 0.5,
  p50: 0.5,
  p90: 0.9,
  p95: 0.95,
  p99: 0.99,
};

/** Reduces samples with an aggregation; NaN for no samples or when any sample is NaN. */
export function aggregate(values: readonly number[], how: Aggregation, passAt = 1): number {
  if (values.length === 0 || values.some(Number.isNaN)) return Number.NaN;
  switch (how) {
    case 'mean':
      return mean(values);
    case 'min':
      return smallest(values);
    case 'max':
      return largest(values);
    case 'passRate':
      return passRate(values, passAt);
    default:
      return quantile(values, PERCENTILE[how] as number);
  }
}
