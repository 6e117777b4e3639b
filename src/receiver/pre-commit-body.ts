// Statsig's pre-commit webhook body, read into what the validation workflow takes. The envelope (the
// review, the entity, the change type) must be readable, or nothing can be answered: 400. The
// configs are read tolerantly, as the Console API's read answers are (src/statsig/schemas.ts); a
// config that still cannot be read is passed on as such, and the workflow refuses the change.
import { z } from 'zod';
import type { PreCommitChange, PreCommitRequest } from '../../workflows/pre-commit-contract';
import type { EntityKind } from '../statsig/schemas';
import { readSnapshot } from '../statsig/snapshot';
import { issuePath } from '../zod-issues';
import { statsigIdSchema } from './events';

const text = (max: number) => z.string().trim().min(1).max(max);

const preCommitBodySchema = z.looseObject({
  // Statsig documents no type for it: a number is read as its digits.
  review_id: z
    .union([z.string(), z.number().int().nonnegative()])
    .transform(String)
    .pipe(statsigIdSchema),
  submitter: z.unknown().optional(),
  committer: z.unknown().optional(),
  config_type: text(100),
  config_name: text(200),
  type: text(100),
  old_config: z.unknown().optional(),
  new_config: z.unknown().optional(),
});

/** The envelope could not be read: no review to answer. */
export class PreCommitBodyError extends Error {
  readonly code = 'PRECOMMIT_SCHEMA_INVALID';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || '(body)'}: ${message}`);
    this.name = 'PreCommitBodyError';
  }
}

/** A person as Statsig names one: a string, or `{ name, email }`. */
function person(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 200);
  if (value && typeof value === 'object') {
    const { name, email } = value as { name?: unknown; email?: unknown };
    const parts = [name, email].filter((part) => typeof part === 'string' && part !== '');
    if (parts.length === 2) return `${parts[0]} <${parts[1]}>`.slice(0, 200);
    if (parts.length === 1) return String(parts[0]).slice(0, 200);
  }
  return undefined;
}

const GATED_KINDS: Record<string, EntityKind> = { gate: 'gate', dynamic_config: 'dynamic_config' };

function changeOf(body: z.infer<typeof preCommitBodySchema>): PreCommitChange {
  const kind = GATED_KINDS[body.config_type];
  if (!kind) {
    return {
      kind: 'not-gated',
      reason: `rollout-gate gates feature gates and dynamic configs; a ${body.config_type} change is validated without benchmarks.`,
    };
  }
  if (body.new_config === undefined || body.new_config === null) {
    // Rules changes are documented to carry both configs: without one there is nothing to judge.
    if (body.type === 'rules') {
      return { kind: 'unreadable', reason: 'a rules change arrived without new_config' };
    }
    return {
      kind: 'not-gated',
      reason: `A ${body.type} change carries no config to benchmark.`,
    };
  }
  const name = body.config_name;
  const candidate = readSnapshot(kind, body.new_config, { name, field: 'new_config' });
  if (!candidate.ok) return { kind: 'unreadable', reason: candidate.reason };
  if (body.old_config === undefined || body.old_config === null) {
    return { kind: 'config', candidate: candidate.target, baseline: null };
  }
  const baseline = readSnapshot(kind, body.old_config, { name, field: 'old_config' });
  if (!baseline.ok) return { kind: 'unreadable', reason: baseline.reason };
  return { kind: 'config', candidate: candidate.target, baseline: baseline.target };
}

/** Reads a parsed JSON body; throws PreCommitBodyError when it names no review to answer. */
export function readPreCommitBody(value: unknown, receivedAtMs: number): PreCommitRequest {
  const parsed = preCommitBodySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PreCommitBodyError(issuePath(issue?.path ?? []), issue?.message ?? 'unreadable');
  }
  const body = parsed.data;
  const submitter = person(body.submitter);
  const committer = person(body.committer);
  return {
    reviewID: body.review_id,
    configType: body.config_type,
    configName: body.config_name,
    changeType: body.type,
    ...(submitter ? { submitter } : {}),
    ...(committer ? { committer } : {}),
    change: changeOf(body),
    receivedAtMs,
  };
}
