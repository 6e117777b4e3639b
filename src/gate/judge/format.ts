// How numbers and criteria read in reasons and reports: short, without float noise.

import type { Criterion } from '../types';
import { isRelative } from '../types';

/** Numbers in reasons: up to 4 significant digits, no float noise. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

/** How a version reads: Statsig's number, or a note that Statsig gave none. */
export function versionText(version: number | null): string {
  return version === null ? 'a version Statsig gave no number' : `version ${version}`;
}

export const signed = (value: number) => `${value > 0 ? '+' : ''}${formatNumber(value)}`;
export const percent = (value: number) => `${formatNumber(value * 100)}%`;

/** The name reports show for a criterion. */
export function criterionName(criterion: Criterion): string {
  if (criterion.name) return criterion.name;
  const compareMode = criterion.compare ?? 'absolute';
  const how = criterion.aggregate ?? (isRelative(compareMode) ? 'mean' : undefined);
  const subject = how ? `${how}(${criterion.metric})` : criterion.metric;
  if (compareMode === 'delta') return `${subject} delta ${criterion.op} ${criterion.threshold}`;
  if (compareMode === 'regression') {
    return `${subject} regression ${criterion.op} ${percent(criterion.threshold)}`;
  }
  return `${subject} ${criterion.op} ${criterion.threshold}`;
}
