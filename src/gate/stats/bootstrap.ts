// Seeded randomness and percentile bootstrap intervals: the same seed gives the same interval on
// every machine, so a verdict can be reproduced from the review's ID.
import { quantileOfSorted } from './descriptive';

/** A 32-bit string hash (FNV-1a), to derive seeds from names such as a review's workflow ID. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * A small fast generator (sfc32) seeded from a string: the same seed gives the same sequence on
 * every machine, so a bootstrap verdict can be reproduced from the review's ID.
 */
export function seededRandom(seed: string): () => number {
  let a = hashSeed(`${seed}#a`);
  let b = hashSeed(`${seed}#b`);
  let c = hashSeed(`${seed}#c`);
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // The first outputs of sfc32 still echo the seed; skip them.
  for (let index = 0; index < 15; index += 1) next();
  return next;
}

export interface BootstrapOptions {
  /** Number of resamples. */
  resamples: number;
  /** Two-sided coverage of the interval, e.g. 0.9. */
  confidence: number;
  random: () => number;
}

function percentileInterval(estimates: Float64Array, confidence: number): [number, number] {
  estimates.sort();
  const tail = (1 - confidence) / 2;
  return [quantileOfSorted(estimates, tail), quantileOfSorted(estimates, 1 - tail)];
}

function resample(values: readonly number[], random: () => number, into: number[]): number[] {
  for (let index = 0; index < values.length; index += 1) {
    into[index] = values[Math.floor(random() * values.length)] as number;
  }
  return into;
}

/** Percentile bootstrap interval of statistic(sample). */
export function bootstrapOneSample(
  sample: readonly number[],
  statistic: (values: readonly number[]) => number,
  options: BootstrapOptions,
): [number, number] {
  if (sample.length === 0) return [Number.NaN, Number.NaN];
  const estimates = new Float64Array(options.resamples);
  const scratch = new Array<number>(sample.length);
  for (let b = 0; b < options.resamples; b += 1) {
    estimates[b] = statistic(resample(sample, options.random, scratch));
  }
  return percentileInterval(estimates, options.confidence);
}

/** Percentile bootstrap interval of statistic(x, y), resampling the two samples independently. */
export function bootstrapTwoSample(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: readonly number[], y: readonly number[]) => number,
  options: BootstrapOptions,
): [number, number] {
  if (x.length === 0 || y.length === 0) return [Number.NaN, Number.NaN];
  const estimates = new Float64Array(options.resamples);
  const scratchX = new Array<number>(x.length);
  const scratchY = new Array<number>(y.length);
  for (let b = 0; b < options.resamples; b += 1) {
    estimates[b] = statistic(
      resample(x, options.random, scratchX),
      resample(y, options.random, scratchY),
    );
  }
  return percentileInterval(estimates, options.confidence);
}

/**
 * Percentile bootstrap interval of statistic(x, y) for paired samples (x[i] and y[i] measure the
 * same case): pairs are resampled together, so case-to-case variation cancels out.
 */
export function bootstrapPaired(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: readonly number[], y: readonly number[]) => number,
  options: BootstrapOptions,
): [number, number] {
  if (x.length !== y.length) throw new RangeError('paired samples must have the same length');
  if (x.length === 0) return [Number.NaN, Number.NaN];
  const estimates = new Float64Array(options.resamples);
  const scratchX = new Array<number>(x.length);
  const scratchY = new Array<number>(y.length);
  for (let b = 0; b < options.resamples; b += 1) {
    for (let index = 0; index < x.length; index += 1) {
      const pick = Math.floor(options.random() * x.length);
      scratchX[index] = x[pick] as number;
      scratchY[index] = y[pick] as number;
    }
    estimates[b] = statistic(scratchX, scratchY);
  }
  return percentileInterval(estimates, options.confidence);
}
