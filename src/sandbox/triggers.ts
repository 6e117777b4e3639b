// The release-pipeline trigger state machine: releases start, phases wait for review or run on a
// timer, and the Console API's controls move a trigger along. Which phase `currentPhaseID` names
// while a trigger waits is a reading the sandbox is told (PhaseReading, trigger-record.ts).
import { randomBytes } from 'node:crypto';
import type {
  EntityKind,
  SandboxPhase,
  SandboxPipeline,
  SandboxTrigger,
  TriggerActionType,
} from './documents';
import { type Actor, CONSOLE_ACTOR, type EntityStore } from './entities';
import { notFound, SandboxError } from './errors';
import { SANDBOX_USER, type StartReleaseCommand, type TriggerSeed } from './seed';
import {
  assertNotFinished,
  isFinished,
  matchesFilter,
  type PhaseReading,
  phaseInQuestion,
  presentRecord,
  recordFromSeed,
  type TriggerFilter,
  type TriggerRecord,
} from './trigger-record';
import type { ReviewEventInput } from './webhook-sender';

export class TriggerMachine {
  private readonly triggers = new Map<string, TriggerRecord>();

  constructor(
    private readonly entities: EntityStore,
    private readonly now: () => number,
    private readonly reading: PhaseReading,
  ) {}

  load(seeds: TriggerSeed[]): void {
    this.triggers.clear();
    for (const seed of seeds) {
      const phases = this.entities.findPipeline(seed.releasePipelineID)?.phases ?? [];
      this.triggers.set(seed.id, recordFromSeed(seed, phases));
    }
  }

  find(id: string): SandboxTrigger | undefined {
    const record = this.triggers.get(id);
    return record && this.present(record);
  }

  get(id: string): SandboxTrigger {
    return this.present(this.record(id));
  }

  /** Triggers matching every given filter, oldest first. */
  list(filter: TriggerFilter): SandboxTrigger[] {
    return [...this.triggers.values()]
      .filter(({ fields }) => matchesFilter(fields, filter))
      .map((record) => this.present(record));
  }

  /** The phase waiting for review (whatever the reading), or null when none is. */
  waitingPhase(id: string): string | null {
    const record = this.record(id);
    return record.fields.status === 'WAITING_FOR_REVIEW' ? this.phaseInQuestion(record) : null;
  }

  /** What Statsig's review event for this trigger names; throws unless a phase waits. */
  reviewTarget(id: string): ReviewEventInput {
    const phaseID = this.waitingPhase(id);
    const { fields } = this.record(id);
    if (!phaseID) {
      throw new SandboxError(
        'NOT_WAITING_FOR_REVIEW',
        400,
        `Trigger ${id} is ${fields.status}, not WAITING_FOR_REVIEW: no review event to send`,
      );
    }
    return {
      triggerID: id,
      phaseID,
      releasePipelineID: fields.releasePipelineID,
      ...(fields.gateID ? { gateID: fields.gateID } : {}),
      ...(fields.dynamicConfigID ? { dynamicConfigID: fields.dynamicConfigID } : {}),
    };
  }

  /**
   * Simulates a person saving a change to an entity with a release pipeline: the change is applied
   * (the pipeline then gates who sees it) and a trigger starts at the pipeline's first phase.
   */
  start(command: StartReleaseCommand): SandboxTrigger {
    const pipeline = this.entities.pipeline(command.pipelineID);
    const { kind, id: entityID } = command.entity;
    this.assertCanRelease(pipeline, kind, entityID);
    const creator: Actor = {
      id: SANDBOX_USER.id,
      name: command.creatorName ?? SANDBOX_USER.name,
      email: SANDBOX_USER.email,
    };
    const preRelease = this.entities.applyRelease(command.entity, pipeline.id, creator);
    const id = this.nextTriggerID();
    const createdTime = this.now();
    const record: TriggerRecord = {
      fields: {
        id,
        releasePipelineID: pipeline.id,
        status: 'IN_PROGRESS',
        currentPhaseEndTime: null,
        ...(kind === 'gate' ? { gateID: entityID } : { dynamicConfigID: entityID }),
        ...(command.description === undefined ? {} : { description: command.description }),
        creatorID: creator.id,
        createdTime,
        lastModifierID: creator.id,
        lastModifierName: creator.name,
        actions: [],
      },
      at: null,
      lastStarted: null,
      preRelease,
    };
    this.enterPhase(record, 0);
    this.act(record, 'STARTED', creator);
    this.triggers.set(id, record);
    return this.present(record);
  }

  /** Simulates the running phase's time interval elapsing. */
  advance(id: string): SandboxTrigger {
    const record = this.record(id);
    assertNotFinished(record);
    if (record.fields.status !== 'IN_PROGRESS') {
      throw new SandboxError(
        'INVALID_TRANSITION',
        400,
        `Trigger ${id} is ${record.fields.status}: only an IN_PROGRESS phase has a timer that can elapse`,
      );
    }
    this.enterPhase(record, this.position(record) + 1);
    return this.present(record);
  }

  /** Starts the phase waiting for review; `phaseID` must name that phase, whatever the reading. */
  approve(id: string, phaseID: string): SandboxTrigger {
    const record = this.record(id);
    assertNotFinished(record);
    if (record.fields.status !== 'WAITING_FOR_REVIEW') {
      throw new SandboxError(
        'NOT_WAITING_FOR_REVIEW',
        400,
        `Trigger ${id} is ${record.fields.status}, not WAITING_FOR_REVIEW: there is no phase to approve`,
      );
    }
    this.assertPhase(record, phaseID);
    record.fields.status = 'IN_PROGRESS';
    record.lastStarted = record.at;
    record.fields.currentPhaseEndTime = this.phaseEndTime(record);
    this.act(record, 'APPROVED_FOR');
    return this.present(record);
  }

  /** Halts the rollout and reverts the entity to what it was before the release. Irreversible. */
  abort(id: string): SandboxTrigger {
    const record = this.record(id);
    assertNotFinished(record);
    record.fields.status = 'ABORTED';
    record.fields.currentPhaseEndTime = null;
    record.paused = undefined;
    this.act(record, 'ABORTED');
    if (record.preRelease) this.entities.revert(record.preRelease, CONSOLE_ACTOR);
    return this.present(record);
  }

  /** Stops the phase's timer (or holds a pending review); unpause resumes where it stopped. */
  pause(id: string, phaseID: string): SandboxTrigger {
    const record = this.record(id);
    const { fields } = record;
    assertNotFinished(record);
    if (fields.status !== 'IN_PROGRESS' && fields.status !== 'WAITING_FOR_REVIEW') {
      throw new SandboxError('INVALID_TRANSITION', 400, `Trigger ${id} is already PAUSED`);
    }
    this.assertPhase(record, phaseID);
    const endTime = fields.currentPhaseEndTime;
    record.paused = {
      status: fields.status,
      remainingMs: endTime == null ? null : Math.max(0, endTime - this.now()),
    };
    fields.status = 'PAUSED';
    fields.currentPhaseEndTime = null;
    this.act(record, 'PAUSED');
    return this.present(record);
  }

  unpause(id: string, phaseID: string): SandboxTrigger {
    const record = this.record(id);
    const { fields } = record;
    assertNotFinished(record);
    if (fields.status !== 'PAUSED') {
      throw new SandboxError(
        'INVALID_TRANSITION',
        400,
        `Trigger ${id} is ${fields.status}, not PAUSED: nothing to unpause`,
      );
    }
    this.assertPhase(record, phaseID);
    const paused = record.paused ?? { status: 'IN_PROGRESS', remainingMs: null };
    record.paused = undefined;
    fields.status = paused.status;
    fields.currentPhaseEndTime =
      paused.remainingMs === null ? null : this.now() + paused.remainingMs;
    this.act(record, 'UNPAUSED');
    return this.present(record);
  }

  /** Ends the phase in question now (skipping its review or remaining time) and moves on. */
  skip(id: string, phaseID: string): SandboxTrigger {
    const record = this.record(id);
    assertNotFinished(record);
    if (record.fields.status === 'PAUSED') {
      throw new SandboxError(
        'INVALID_TRANSITION',
        400,
        `Trigger ${id} is PAUSED: unpause it first`,
      );
    }
    this.assertPhase(record, phaseID);
    const next = this.position(record) + 1;
    this.act(record, 'SKIPPED');
    this.enterPhase(record, next);
    return this.present(record);
  }

  /** Releases to everyone at once: the trigger completes from whatever phase it was in. */
  rollout(id: string): SandboxTrigger {
    const record = this.record(id);
    assertNotFinished(record);
    record.paused = undefined;
    this.act(record, 'FULL_ROLL_OUT');
    record.fields.status = 'COMPLETED';
    record.fields.currentPhaseEndTime = null;
    return this.present(record);
  }

  private record(id: string): TriggerRecord {
    const record = this.triggers.get(id);
    if (!record) throw notFound('TRIGGER_NOT_FOUND', 'Release pipeline trigger', id);
    return record;
  }

  private phases(record: TriggerRecord): SandboxPhase[] {
    return this.entities.findPipeline(record.fields.releasePipelineID)?.phases ?? [];
  }

  private phaseInQuestion(record: TriggerRecord): string | null {
    return phaseInQuestion(record, this.phases(record));
  }

  private present(record: TriggerRecord): SandboxTrigger {
    return presentRecord(record, this.phases(record), this.reading);
  }

  private position(record: TriggerRecord): number {
    if (record.at === null) {
      throw new SandboxError(
        'UNKNOWN_POSITION',
        400,
        `Trigger ${record.fields.id}'s phase is not in release pipeline ${record.fields.releasePipelineID}`,
      );
    }
    return record.at;
  }

  private assertCanRelease(pipeline: SandboxPipeline, kind: EntityKind, entityID: string): void {
    if (pipeline.phases.length === 0) {
      throw new SandboxError(
        'PIPELINE_HAS_NO_PHASES',
        400,
        `Release pipeline ${pipeline.id} has no phases`,
      );
    }
    const entity = this.entities.entity(kind, entityID);
    const label = kind === 'gate' ? 'Gate' : 'Dynamic config';
    if (entity.releasePipelineID != null && entity.releasePipelineID !== pipeline.id) {
      throw new SandboxError(
        'PIPELINE_MISMATCH',
        400,
        `${label} ${entityID} is attached to release pipeline ${entity.releasePipelineID}, not ${pipeline.id}`,
      );
    }
    const active = [...this.triggers.values()].find(
      ({ fields }) =>
        !isFinished(fields.status) &&
        (kind === 'gate' ? fields.gateID : fields.dynamicConfigID) === entityID,
    );
    if (active) {
      throw new SandboxError(
        'RELEASE_ALREADY_ACTIVE',
        400,
        `${label} ${entityID} already has an active release (${active.fields.id}); abort or complete it first`,
      );
    }
  }

  // Random like Statsig's own IDs: review workflow IDs derive from trigger IDs, and a counter would
  // repeat across sandbox processes that share one Temporal server (demo reruns, parallel tests).
  private nextTriggerID(): string {
    let id: string;
    do {
      id = `rpt_${randomBytes(8).toString('hex')}`;
    } while (this.triggers.has(id));
    return id;
  }

  // The phaseID in a request guards against acting on a pipeline that moved on meanwhile.
  private assertPhase(record: TriggerRecord, phaseID: string): void {
    const expected = this.phaseInQuestion(record);
    if (phaseID !== expected) {
      const what = record.fields.status === 'WAITING_FOR_REVIEW' ? 'waiting for review' : 'current';
      throw new SandboxError(
        'PHASE_MISMATCH',
        400,
        `phaseID ${phaseID} is not the phase ${what} in trigger ${record.fields.id} (${expected ?? 'none'})`,
      );
    }
  }

  /** Positions the trigger at phase `index`; past the last phase the rollout is COMPLETED. */
  private enterPhase(record: TriggerRecord, index: number): void {
    const phase = this.phases(record)[index];
    const { fields } = record;
    if (!phase) {
      fields.status = 'COMPLETED';
      fields.currentPhaseEndTime = null;
      return;
    }
    record.at = index;
    // A phase that requires review starts (and starts its timer) only once approved.
    if (phase.requiredReview) {
      fields.status = 'WAITING_FOR_REVIEW';
      fields.currentPhaseEndTime = null;
    } else {
      fields.status = 'IN_PROGRESS';
      record.lastStarted = index;
      fields.currentPhaseEndTime = this.phaseEndTime(record);
    }
  }

  private phaseEndTime(record: TriggerRecord): number | null {
    const interval = record.at === null ? 0 : (this.phases(record)[record.at]?.timeIntervalMs ?? 0);
    return interval > 0 ? this.now() + interval : null;
  }

  // The spec requires a string phaseID on every action. A trigger the sandbox cannot place (a
  // seeded one without a phase) has none to name, and '' says so without breaking the shape.
  private act(record: TriggerRecord, type: TriggerActionType, actor: Actor = CONSOLE_ACTOR): void {
    record.fields.actions.push({
      type,
      timeMs: this.now(),
      phaseID: this.phaseInQuestion(record) ?? '',
      actorID: actor.id,
      actorName: actor.name,
    });
    record.fields.lastModifierID = actor.id;
    record.fields.lastModifierName = actor.name;
  }
}
