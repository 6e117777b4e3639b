// What a review judges, from what Statsig returns: a gate or dynamic config as a Target (the value
// and rules under review, and the entity exactly as read), and a content hash of what it serves.
import { contentHash } from '../gate/hash';
import type { Target } from '../gate/types';
import type { DynamicConfig, EntityKind, Gate } from './schemas';

/**
 * The Target of a gate or dynamic config: a dynamic config's `defaultValue` is the value under review
 * (where teams keep prompt and model settings); a gate has none, only its rules.
 */
export function entityTarget(kind: EntityKind, entity: Gate | DynamicConfig): Target {
  return {
    kind,
    id: entity.id,
    name: entity.name ?? entity.id,
    version: entity.version ?? null,
    value: kind === 'gate' ? null : (entity as DynamicConfig).defaultValue,
    rules: entity.rules,
    tags: entity.tags ?? [],
    raw: entity,
  };
}

/** A stable hash of what a version of the entity serves: its value and rules. */
export function configHash(target: Pick<Target, 'kind' | 'id' | 'value' | 'rules'>): string {
  return contentHash({
    kind: target.kind,
    id: target.id,
    value: target.value,
    rules: target.rules,
  });
}
