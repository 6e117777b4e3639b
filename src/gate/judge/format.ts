// How numbers and criteria read in reasons and reports: short, without float noise.

import type { Criterion } from '../types';
import { isRelative } from '../types';
import type { SequentialEvidence } from '../wire';

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

/** "90% interval", or on one of several looks "97.4% interval (look 2 of 4, nominal α 0.0131 …)". */
export function intervalText(confidence: number, look: SequentialEvidence | undefined): string {
  const base = `${formatNumber(confidence * 100)}% interval`;
  return look ? `${base} (${lookText(look)})` : base;
}

/** How a look reads in a reason: "look 2 of 4, nominal α 0.0131 (0.0229 of α spent)". */
export function lookText(look: SequentialEvidence): string {
  return `look ${look.look} of ${look.looks}, nominal α ${formatNumber(look.nominalAlpha)} (${formatNumber(look.spent)} of α spent)`;
}

/** What an undecided test says next: more samples, or at the plan's last look, a person. */
export function undecided(canSampleMore: boolean): string {
  return canSampleMore ? 'more samples could decide' : 'no more looks planned';
}
