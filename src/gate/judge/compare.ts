// Comparisons against a criterion's threshold, and the direction in which a metric improves.
import type { Criterion, Operator } from '../types';
import type { Verdict } from '../wire';

export function compare(observed: number, op: Operator, threshold: number): boolean {
  switch (op) {
    case '>=':
      return observed >= threshold;
    case '>':
      return observed > threshold;
    case '<=':
      return observed <= threshold;
    case '<':
      return observed < threshold;
    case '==':
      return observed === threshold;
  }
}

export function better(criterion: Criterion): 'higher' | 'lower' {
  if (criterion.better) return criterion.better;
  return criterion.op === '<=' || criterion.op === '<' ? 'lower' : 'higher';
}

/** The judged difference between candidate and baseline values, for a relative criterion. */
export function differenceOf(criterion: Criterion, candidate: number, baseline: number): number {
  if (criterion.compare === 'delta') return candidate - baseline;
  const worse = better(criterion) === 'higher' ? baseline - candidate : candidate - baseline;
  if (baseline === 0)
    return worse === 0 ? 0 : worse > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  return worse / Math.abs(baseline);
}

/** Whether a value "meets" the criterion lies toward smaller values (`<=`, `<`) or larger ones. */
export function meetsBelow(op: Operator): boolean {
  return op === '<=' || op === '<';
}

export function intervalVerdict(
  interval: [number, number],
  op: Operator,
  threshold: number,
): Verdict {
  const [low, high] = interval;
  const lowMeets = compare(low, op, threshold);
  const highMeets = compare(high, op, threshold);
  if (lowMeets && highMeets) return 'pass';
  if (!lowMeets && !highMeets) return 'fail';
  return 'inconclusive';
}

/** k-th worst value (0-based) for the criterion's direction. */
export function kthWorst(values: readonly number[], op: Operator, k: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (op === '==') return sorted[0] as number;
  const worstFirst = meetsBelow(op) ? sorted.reverse() : sorted;
  return worstFirst[Math.min(k, worstFirst.length - 1)] as number;
}
