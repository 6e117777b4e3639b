// The released version a candidate is compared with, chosen from an entity's version history.
// Statsig documents neither the order of `/versions` nor that a version carries a number: with
// numbers, the highest one below the candidate's; without, the newest version saved before the
// candidate that serves something else (told apart by a content hash).
import type { DynamicConfig, EntityKind, Gate } from './schemas';
import { configHash, entityTarget } from './targets';

export interface Candidate {
  kind: EntityKind;
  id: string;
  version: number | null;
  /** The candidate's content hash; identifies it when Statsig gives no version number. */
  configHash?: string | undefined;
}

export type BaselineChoice =
  | { entity: Gate | DynamicConfig; reason?: undefined }
  | { entity: null; reason: string };

export function chooseBaseline(
  versions: ReadonlyArray<Gate | DynamicConfig>,
  candidate: Candidate,
): BaselineChoice {
  const { version } = candidate;
  if (typeof version === 'number') {
    let best: Gate | DynamicConfig | null = null;
    for (const entity of versions) {
      if (typeof entity.version !== 'number' || entity.version >= version) continue;
      if (best === null || entity.version > (best.version as number)) best = entity;
    }
    return best
      ? { entity: best }
      : {
          entity: null,
          reason: `${candidate.id} has no version older than ${version} to compare with`,
        };
  }
  const hashOf = (entity: Gate | DynamicConfig) => configHash(entityTarget(candidate.kind, entity));
  const timed = versions.filter((entity) => typeof entity.lastModifiedTime === 'number');
  const own = timed.find((entity) => hashOf(entity) === candidate.configHash);
  if (!own) {
    return {
      entity: null,
      reason: `Statsig gave ${candidate.id} no version number, and its version history does not show the candidate with a modification time`,
    };
  }
  const before = timed
    .filter(
      (entity) =>
        (entity.lastModifiedTime as number) < (own.lastModifiedTime as number) &&
        hashOf(entity) !== candidate.configHash,
    )
    .sort((a, b) => (b.lastModifiedTime as number) - (a.lastModifiedTime as number));
  return before[0]
    ? { entity: before[0] }
    : { entity: null, reason: `${candidate.id} has no earlier version serving something else` };
}
