// One trigger as the state machine keeps it (where it is in its pipeline, what it replaced), and how
// it is served: which phase currentPhase/currentPhaseID name depends on the phase reading.
import type { SandboxPhase, SandboxTrigger, TriggerFields, TriggerStatus } from './documents';
import type { EntityContent } from './entities';
import { SandboxError } from './errors';
import { SANDBOX_USER, type TriggerSeed } from './seed';

/**
 * Statsig's docs say a pipeline "pauses at the last completed phase awaiting approval", so while a
 * trigger waits, `currentPhaseID` may name the phase already live instead of the one to approve.
 * - `waiting-phase`: currentPhase/currentPhaseID name the phase waiting for review;
 * - `last-completed`: they name the last phase that started (null before any did).
 */
export type PhaseReading = 'waiting-phase' | 'last-completed';

export interface TriggerRecord {
  /** The served document but for currentPhase/currentPhaseID, which depend on the reading. */
  fields: TriggerFields;
  /**
   * Index of the phase in question: the one waiting for review, or the one running. Null when the
   * sandbox cannot place the trigger (a seeded one whose phase is not in a known pipeline).
   */
  at: number | null;
  /** Index of the last phase that started; null before any did. */
  lastStarted: number | null;
  /** The phase fields of a seeded trigger the sandbox cannot place, served as seeded. */
  seededPhase?: { id: string | null; name: string | null };
  /** The entity as it was before the release; absent for seeded triggers, which cannot revert. */
  preRelease?: EntityContent;
  /** Set while PAUSED: the status to return to and how much of the phase's timer was left. */
  paused?: { status: TriggerStatus; remainingMs: number | null };
}

export interface TriggerFilter {
  releasePipelineID?: string;
  gateID?: string;
  dynamicConfigID?: string;
  status?: TriggerStatus;
  /** Only triggers created on or after this UTC day (YYYY-MM-DD). */
  startDate?: string;
  /** Only triggers created on or before this UTC day (YYYY-MM-DD), inclusive. */
  endDate?: string;
}

const FINISHED: readonly TriggerStatus[] = ['ABORTED', 'COMPLETED'];
const DAY_MS = 24 * 60 * 60 * 1000;

export const isFinished = (status: TriggerStatus): boolean => FINISHED.includes(status);

export function assertNotFinished({ fields: { id, status } }: TriggerRecord): void {
  if (isFinished(status)) {
    throw new SandboxError(
      'TRIGGER_FINISHED',
      400,
      `Trigger ${id} is ${status} and can no longer change`,
    );
  }
}

export function matchesFilter(fields: TriggerFields, filter: TriggerFilter): boolean {
  const start = filter.startDate && Date.parse(`${filter.startDate}T00:00:00Z`);
  const end = filter.endDate && Date.parse(`${filter.endDate}T00:00:00Z`) + DAY_MS;
  return (
    (filter.releasePipelineID === undefined ||
      fields.releasePipelineID === filter.releasePipelineID) &&
    (filter.gateID === undefined || fields.gateID === filter.gateID) &&
    (filter.dynamicConfigID === undefined || fields.dynamicConfigID === filter.dynamicConfigID) &&
    (filter.status === undefined || fields.status === filter.status) &&
    (!start || fields.createdTime >= start) &&
    (!end || fields.createdTime < end)
  );
}

/** The phase a control's phaseID must name: the one waiting for review, or the one running. */
export function phaseInQuestion(record: TriggerRecord, phases: SandboxPhase[]): string | null {
  if (record.at === null) return record.seededPhase?.id ?? null;
  return phases[record.at]?.id ?? null;
}

function currentPhase(
  record: TriggerRecord,
  phases: SandboxPhase[],
  reading: PhaseReading,
): { id: string | null; name: string | null } {
  if (record.at === null) return record.seededPhase ?? { id: null, name: null };
  const index = reading === 'last-completed' ? record.lastStarted : record.at;
  const phase = index === null ? undefined : phases[index];
  return phase ? { id: phase.id, name: phase.name } : { id: null, name: null };
}

/** The trigger as the Console API serves it (a copy). */
export function presentRecord(
  record: TriggerRecord,
  phases: SandboxPhase[],
  reading: PhaseReading,
): SandboxTrigger {
  const { id, releasePipelineID, status, ...rest } = record.fields;
  const phase = currentPhase(record, phases, reading);
  // Key order as in Statsig's examples, so answers read the same.
  return structuredClone({
    id,
    releasePipelineID,
    status,
    currentPhase: phase.name,
    currentPhaseID: phase.id,
    ...rest,
  });
}

/** A seeded trigger, placed on its pipeline's phases when its phase is there. */
export function recordFromSeed(seed: TriggerSeed, phases: SandboxPhase[]): TriggerRecord {
  const { currentPhase, currentPhaseID, gateID, dynamicConfigID, description, ...rest } = seed;
  const byID = currentPhaseID == null ? -1 : phases.findIndex((p) => p.id === currentPhaseID);
  const byIndex = typeof currentPhase === 'number' && phases[currentPhase] ? currentPhase : -1;
  // Seeds name the phase in question, as the waiting-phase reading does, whatever the option.
  const found = currentPhaseID == null ? byIndex : byID;
  const at = found === -1 ? null : found;
  const fields: TriggerFields = {
    ...rest,
    currentPhaseEndTime: seed.currentPhaseEndTime ?? null,
    ...(gateID ? { gateID } : {}),
    ...(dynamicConfigID ? { dynamicConfigID } : {}),
    ...(description == null ? {} : { description }),
    creatorID: seed.creatorID ?? SANDBOX_USER.id,
    lastModifierID: seed.lastModifierID ?? seed.creatorID ?? SANDBOX_USER.id,
    lastModifierName: seed.lastModifierName ?? SANDBOX_USER.name,
    actions: seed.actions.map((action) => ({
      ...action,
      // The spec requires a string; a seeded action without a phase gets '' (see act()).
      phaseID: action.phaseID ?? '',
      actorID: action.actorID ?? SANDBOX_USER.id,
      actorName: action.actorName ?? SANDBOX_USER.name,
    })),
  };
  const record: TriggerRecord = { fields, at, lastStarted: null };
  if (at !== null) {
    const waiting = seed.status === 'WAITING_FOR_REVIEW';
    record.lastStarted = !waiting ? at : at > 0 ? at - 1 : null;
  } else {
    // A name goes with an ID; the sandbox knows no better one than the seed's.
    const name = typeof currentPhase === 'string' ? currentPhase : (currentPhaseID ?? null);
    record.seededPhase = { id: currentPhaseID ?? null, name };
  }
  return record;
}
