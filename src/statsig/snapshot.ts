// A gate or dynamic config given as a document rather than read from the Console API: the configs of
// a pre-commit webhook (old_config, new_config) and the files `rollout-gate gate run` takes. Read as
// the Console API's read answers are (./schemas.ts, tolerantly), with or without their
// `{ message, data }` envelope, into the Target a benchmark sees.
import type { Target } from '../gate/types';
import { issuePath } from '../zod-issues';
import {
  type DynamicConfig,
  dynamicConfigSchema,
  type EntityKind,
  type Gate,
  gateSchema,
} from './schemas';
import { entityTarget } from './targets';

export type SnapshotReading = { ok: true; target: Target } | { ok: false; reason: string };

/** The entity inside a read answer's envelope, or the value itself. */
function unwrap(value: Record<string, unknown>): Record<string, unknown> {
  const { data } = value;
  if (data && typeof data === 'object' && !Array.isArray(data) && !('rules' in value)) {
    return data as Record<string, unknown>;
  }
  return value;
}

/** The kind a document is, when nobody says: only a dynamic config has a defaultValue. */
export function snapshotKind(value: unknown): EntityKind {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return 'defaultValue' in unwrap(value as Record<string, unknown>) ? 'dynamic_config' : 'gate';
  }
  return 'gate';
}

/**
 * Reads a document as a gate or dynamic config. Its ID and name default to `name`; `field` names
 * the document in the reason when it cannot be read.
 */
export function readSnapshot(
  kind: EntityKind,
  value: unknown,
  options: { name: string; field: string },
): SnapshotReading {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, reason: `${options.field} is not an object` };
  }
  const schema = kind === 'gate' ? gateSchema : dynamicConfigSchema;
  const parsed = schema.safeParse({
    id: options.name,
    name: options.name,
    ...unwrap(value as Record<string, unknown>),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issuePath(issue?.path ?? [], options.field);
    return { ok: false, reason: `${where}: ${issue?.message ?? 'unreadable'}` };
  }
  return { ok: true, target: entityTarget(kind, parsed.data as Gate | DynamicConfig) };
}
