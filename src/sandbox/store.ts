// The sandbox's in-memory Statsig project: gates, dynamic configs, release pipelines and the trigger
// state machine. Every method returns copies, so callers never hold a live reference to the state.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  type DynamicConfig,
  dynamicConfigSchema,
  type Gate,
  gateSchema,
  type ReleasePipeline,
  type ReleasePipelineTrigger,
  type Rule,
  releasePipelineSchema,
  releasePipelineTriggerSchema,
  ruleSchema,
  type TriggerAction,
  type TriggerStatus,
} from '../statsig/schemas';
import { notFound, SandboxError } from './errors';

export interface SandboxSeed {
  gates?: Gate[];
  dynamicConfigs?: DynamicConfig[];
  pipelines?: ReleasePipeline[];
  triggers?: ReleasePipelineTrigger[];
}

export const sandboxSeedSchema = z.object({
  gates: z.array(gateSchema).optional(),
  dynamicConfigs: z.array(dynamicConfigSchema).optional(),
  pipelines: z.array(releasePipelineSchema).optional(),
  triggers: z.array(releasePipelineTriggerSchema).optional(),
});

/** The change a person saves to an entity that has a release pipeline attached. */
export type ReleaseEntityChange =
  | { kind: 'gate'; id: string; rules?: Rule[] }
  | { kind: 'dynamic_config'; id: string; defaultValue?: unknown; rules?: Rule[] };

export interface StartReleaseInput {
  pipelineID: string;
  entity: ReleaseEntityChange;
  description?: string;
  creatorName?: string;
}

export const startReleaseInputSchema = z.object({
  pipelineID: z.string().min(1),
  entity: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('gate'),
      id: z.string().min(1),
      rules: z.array(ruleSchema).optional(),
    }),
    z.object({
      kind: z.literal('dynamic_config'),
      id: z.string().min(1),
      defaultValue: z.unknown().optional(),
      rules: z.array(ruleSchema).optional(),
    }),
  ]),
  description: z.string().optional(),
  creatorName: z.string().optional(),
});

/** Filters of the documented `GET /gates|dynamic_configs/{id}/versions` (UTC days, inclusive). */
export interface VersionFilter {
  /** Only versions last modified on or after this day (YYYY-MM-DD). */
  startDate?: string;
  /** Only versions last modified on or before this day (YYYY-MM-DD), inclusive. */
  endDate?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function inDateRange(timeMs: number, filter: VersionFilter): boolean {
  if (filter.startDate !== undefined && timeMs < Date.parse(`${filter.startDate}T00:00:00Z`)) {
    return false;
  }
  if (
    filter.endDate !== undefined &&
    timeMs >= Date.parse(`${filter.endDate}T00:00:00Z`) + DAY_MS
  ) {
    return false;
  }
  return true;
}

export interface TriggerFilter {
  releasePipelineID?: string;
  gateID?: string;
  dynamicConfigID?: string;
  status?: TriggerStatus;
}

// Who the Console API acts as. Statsig records the API key's owner; the sandbox has one key.
const CONSOLE_ACTOR = { actorID: 'console_api_key', actorName: 'Console API' } as const;
const SANDBOX_USER_ID = 'sandbox_user';
const DEFAULT_CREATOR_NAME = 'Sandbox User';

type EntityContent =
  | { kind: 'gate'; id: string; rules: Rule[] }
  | { kind: 'dynamic_config'; id: string; rules: Rule[]; defaultValue: unknown };

interface TriggerState {
  trigger: ReleasePipelineTrigger;
  /** The entity as it was before the release; absent for seeded triggers, which cannot revert. */
  preRelease?: EntityContent;
  /** Set while PAUSED: the status to return to and how much of the phase's timer was left. */
  paused?: { status: TriggerStatus; remainingMs: number | null };
}

const FINISHED: readonly TriggerStatus[] = ['ABORTED', 'COMPLETED'];

export class SandboxStore {
  private readonly gates = new Map<string, Gate>();
  private readonly configs = new Map<string, DynamicConfig>();
  // Every version each entity has had, oldest first: full snapshots, as Statsig's /versions lists them.
  private readonly gateVersions = new Map<string, Gate[]>();
  private readonly configVersions = new Map<string, DynamicConfig[]>();
  private readonly pipelines = new Map<string, ReleasePipeline>();
  private readonly triggers = new Map<string, TriggerState>();
  // Never reset: a trigger ID must not come back after a reset, because workflows are keyed on it.

  constructor(private readonly now: () => number) {}

  /** Replaces the whole project with the seed (validated and copied). */
  load(seed: SandboxSeed): void {
    const parsed = sandboxSeedSchema.parse(structuredClone(seed));
    this.gates.clear();
    this.configs.clear();
    this.gateVersions.clear();
    this.configVersions.clear();
    this.pipelines.clear();
    this.triggers.clear();
    for (const gate of parsed.gates ?? []) {
      gate.lastModifiedTime ??= this.now();
      this.gates.set(gate.id, gate);
      this.recordVersion(gate, this.gateVersions);
    }
    for (const config of parsed.dynamicConfigs ?? []) {
      config.lastModifiedTime ??= this.now();
      this.configs.set(config.id, config);
      this.recordVersion(config, this.configVersions);
    }
    for (const pipeline of parsed.pipelines ?? []) this.pipelines.set(pipeline.id, pipeline);
    for (const trigger of parsed.triggers ?? []) this.triggers.set(trigger.id, { trigger });
  }

  findGate(id: string): Gate | undefined {
    const gate = this.gates.get(id);
    return gate && structuredClone(gate);
  }

  findDynamicConfig(id: string): DynamicConfig | undefined {
    const config = this.configs.get(id);
    return config && structuredClone(config);
  }

  findTrigger(id: string): ReleasePipelineTrigger | undefined {
    const state = this.triggers.get(id);
    return state && structuredClone(state.trigger);
  }

  getGate(id: string): Gate {
    return structuredClone(this.gate(id));
  }

  getDynamicConfig(id: string): DynamicConfig {
    return structuredClone(this.config(id));
  }

  getPipeline(id: string): ReleasePipeline {
    return structuredClone(this.pipeline(id));
  }

  getTrigger(id: string): ReleasePipelineTrigger {
    return structuredClone(this.triggerState(id).trigger);
  }

  /**
   * Every version the gate has had, each the whole gate as of that version, newest first (the
   * current one included). Statsig does not document the order; newest first is the sandbox's.
   */
  getGateVersions(id: string, filter: VersionFilter = {}): Gate[] {
    this.gate(id);
    return this.versionsOf(this.gateVersions.get(id), filter);
  }

  /** Every version the dynamic config has had, like getGateVersions. */
  getDynamicConfigVersions(id: string, filter: VersionFilter = {}): DynamicConfig[] {
    this.config(id);
    return this.versionsOf(this.configVersions.get(id), filter);
  }

  /** Triggers matching every given filter, oldest first. */
  listTriggers(filter: TriggerFilter): ReleasePipelineTrigger[] {
    const matches = [...this.triggers.values()]
      .map((state) => state.trigger)
      .filter(
        (trigger) =>
          (filter.releasePipelineID === undefined ||
            trigger.releasePipelineID === filter.releasePipelineID) &&
          (filter.gateID === undefined || trigger.gateID === filter.gateID) &&
          (filter.dynamicConfigID === undefined ||
            trigger.dynamicConfigID === filter.dynamicConfigID) &&
          (filter.status === undefined || trigger.status === filter.status),
      );
    return structuredClone(matches);
  }

  /** Disabling a disabled entity (or enabling an enabled one) changes nothing, as in Statsig. */
  setGateEnabled(id: string, enabled: boolean): Gate {
    const gate = this.gate(id);
    if (gate.isEnabled !== enabled) {
      gate.isEnabled = enabled;
      this.changed(gate, CONSOLE_ACTOR, this.gateVersions);
    }
    return structuredClone(gate);
  }

  setDynamicConfigEnabled(id: string, enabled: boolean): DynamicConfig {
    const config = this.config(id);
    if (config.isEnabled !== enabled) {
      config.isEnabled = enabled;
      this.changed(config, CONSOLE_ACTOR, this.configVersions);
    }
    return structuredClone(config);
  }

  /**
   * Simulates a person saving a change to an entity with a release pipeline: the change is applied
   * (the pipeline then gates who sees it) and a trigger starts at the pipeline's first phase.
   */
  startRelease(input: StartReleaseInput): ReleasePipelineTrigger {
    const pipeline = this.pipeline(input.pipelineID);
    if (pipeline.phases.length === 0) {
      throw new SandboxError(
        'PIPELINE_HAS_NO_PHASES',
        400,
        `Release pipeline ${pipeline.id} has no phases`,
      );
    }
    const change = input.entity;
    const entity = change.kind === 'gate' ? this.gate(change.id) : this.config(change.id);
    const label = change.kind === 'gate' ? 'Gate' : 'Dynamic config';
    if (entity.releasePipelineID != null && entity.releasePipelineID !== pipeline.id) {
      throw new SandboxError(
        'PIPELINE_MISMATCH',
        400,
        `${label} ${entity.id} is attached to release pipeline ${entity.releasePipelineID}, not ${pipeline.id}`,
      );
    }
    const active = [...this.triggers.values()].find(
      ({ trigger }) =>
        !FINISHED.includes(trigger.status) &&
        (change.kind === 'gate' ? trigger.gateID : trigger.dynamicConfigID) === entity.id,
    );
    if (active) {
      throw new SandboxError(
        'RELEASE_ALREADY_ACTIVE',
        400,
        `${label} ${entity.id} already has an active release (${active.trigger.id}); abort or complete it first`,
      );
    }

    let preRelease: EntityContent;
    if (change.kind === 'gate') {
      const gate = this.gate(change.id);
      preRelease = { kind: 'gate', id: gate.id, rules: structuredClone(gate.rules) };
      if (change.rules) gate.rules = structuredClone(change.rules);
    } else {
      const config = this.config(change.id);
      preRelease = {
        kind: 'dynamic_config',
        id: config.id,
        rules: structuredClone(config.rules),
        defaultValue: structuredClone(config.defaultValue),
      };
      if (change.rules) config.rules = structuredClone(change.rules);
      if (change.defaultValue !== undefined)
        config.defaultValue = structuredClone(change.defaultValue);
    }
    entity.releasePipelineID = pipeline.id;
    const creatorName = input.creatorName ?? DEFAULT_CREATOR_NAME;
    const creator = { actorID: SANDBOX_USER_ID, actorName: creatorName };
    if (change.kind === 'gate') this.changed(this.gate(change.id), creator, this.gateVersions);
    else this.changed(this.config(change.id), creator, this.configVersions);

    const id = this.nextTriggerID();
    const createdTime = this.now();
    const trigger: ReleasePipelineTrigger = {
      id,
      releasePipelineID: pipeline.id,
      status: 'IN_PROGRESS',
      currentPhase: 0,
      currentPhaseID: null,
      currentPhaseEndTime: null,
      ...(change.kind === 'gate' ? { gateID: entity.id } : { dynamicConfigID: entity.id }),
      configSnapshotID: `snap_${id}`,
      description: input.description ?? null,
      creatorID: SANDBOX_USER_ID,
      createdTime,
      lastModifierID: SANDBOX_USER_ID,
      lastModifierName: creatorName,
      actions: [],
    };
    const state: TriggerState = { trigger, preRelease };
    this.enterPhase(state, pipeline, 0);
    trigger.actions.push({
      type: 'STARTED',
      timeMs: createdTime,
      phaseID: trigger.currentPhaseID,
      actorID: SANDBOX_USER_ID,
      actorName: creatorName,
    });
    this.triggers.set(id, state);
    return structuredClone(trigger);
  }

  /** Simulates the current phase's time interval elapsing. */
  advanceTrigger(id: string): ReleasePipelineTrigger {
    const state = this.triggerState(id);
    const { trigger } = state;
    this.assertNotFinished(trigger);
    if (trigger.status !== 'IN_PROGRESS') {
      throw new SandboxError(
        'INVALID_TRANSITION',
        400,
        `Trigger ${id} is ${trigger.status}: only an IN_PROGRESS phase has a timer that can elapse`,
      );
    }
    this.enterPhase(
      state,
      this.pipeline(trigger.releasePipelineID),
      (trigger.currentPhase ?? 0) + 1,
    );
    return structuredClone(trigger);
  }

  approve(id: string, phaseID: string): ReleasePipelineTrigger {
    const state = this.triggerState(id);
    const { trigger } = state;
    this.assertNotFinished(trigger);
    if (trigger.status !== 'WAITING_FOR_REVIEW') {
      throw new SandboxError(
        'NOT_WAITING_FOR_REVIEW',
        400,
        `Trigger ${id} is ${trigger.status}, not WAITING_FOR_REVIEW: there is no phase to approve`,
      );
    }
    this.assertPhase(trigger, phaseID);
    trigger.status = 'IN_PROGRESS';
    trigger.currentPhaseEndTime = this.phaseEndTime(trigger);
    this.act(trigger, 'APPROVED_FOR', phaseID);
    return structuredClone(trigger);
  }

  /** Halts the rollout and reverts the entity to what it was before the release. Irreversible. */
  abort(id: string): ReleasePipelineTrigger {
    const state = this.triggerState(id);
    const { trigger } = state;
    this.assertNotFinished(trigger);
    trigger.status = 'ABORTED';
    trigger.currentPhaseEndTime = null;
    state.paused = undefined;
    this.act(trigger, 'ABORTED', trigger.currentPhaseID);
    if (state.preRelease) this.revert(state.preRelease);
    return structuredClone(trigger);
  }

  /** Stops the phase's timer (or holds a pending review); unpause resumes where it stopped. */
  pause(id: string, phaseID: string): ReleasePipelineTrigger {
    const state = this.triggerState(id);
    const { trigger } = state;
    this.assertNotFinished(trigger);
    if (trigger.status !== 'IN_PROGRESS' && trigger.status !== 'WAITING_FOR_REVIEW') {
      throw new SandboxError('INVALID_TRANSITION', 400, `Trigger ${id} is already PAUSED`);
    }
    this.assertPhase(trigger, phaseID);
    const endTime = trigger.currentPhaseEndTime;
    state.paused = {
      status: trigger.status,
      remainingMs: endTime == null ? null : Math.max(0, endTime - this.now()),
    };
    trigger.status = 'PAUSED';
    trigger.currentPhaseEndTime = null;
    this.act(trigger, 'PAUSED', phaseID);
    return structuredClone(trigger);
  }

  unpause(id: string, phaseID: string): ReleasePipelineTrigger {
    const state = this.triggerState(id);
    const { trigger } = state;
    this.assertNotFinished(trigger);
    if (trigger.status !== 'PAUSED') {
      throw new SandboxError(
        'INVALID_TRANSITION',
        400,
        `Trigger ${id} is ${trigger.status}, not PAUSED: nothing to unpause`,
      );
    }
    this.assertPhase(trigger, phaseID);
    const paused = state.paused ?? { status: 'IN_PROGRESS', remainingMs: null };
    state.paused = undefined;
    trigger.status = paused.status;
    trigger.currentPhaseEndTime =
      paused.remainingMs === null ? null : this.now() + paused.remainingMs;
    this.act(trigger, 'UNPAUSED', phaseID);
    return structuredClone(trigger);
  }

  /** Ends the current phase now (skipping its review or remaining time) and moves to the next. */
  skip(id: string, phaseID: string): ReleasePipelineTrigger {
    const state = this.triggerState(id);
    const { trigger } = state;
    this.assertNotFinished(trigger);
    if (trigger.status === 'PAUSED') {
      throw new SandboxError(
        'INVALID_TRANSITION',
        400,
        `Trigger ${id} is PAUSED: unpause it first`,
      );
    }
    this.assertPhase(trigger, phaseID);
    const pipeline = this.pipeline(trigger.releasePipelineID);
    this.act(trigger, 'SKIPPED', phaseID);
    this.enterPhase(state, pipeline, (trigger.currentPhase ?? 0) + 1);
    return structuredClone(trigger);
  }

  /** Releases to everyone at once: the trigger completes from whatever phase it was in. */
  rollout(id: string): ReleasePipelineTrigger {
    const state = this.triggerState(id);
    const { trigger } = state;
    this.assertNotFinished(trigger);
    state.paused = undefined;
    this.act(trigger, 'FULL_ROLL_OUT', trigger.currentPhaseID);
    trigger.status = 'COMPLETED';
    trigger.currentPhaseEndTime = null;
    return structuredClone(trigger);
  }

  private gate(id: string): Gate {
    const gate = this.gates.get(id);
    if (!gate) throw notFound('GATE_NOT_FOUND', 'Gate', id);
    return gate;
  }

  private config(id: string): DynamicConfig {
    const config = this.configs.get(id);
    if (!config) throw notFound('DYNAMIC_CONFIG_NOT_FOUND', 'Dynamic config', id);
    return config;
  }

  private pipeline(id: string): ReleasePipeline {
    const pipeline = this.pipelines.get(id);
    if (!pipeline) throw notFound('PIPELINE_NOT_FOUND', 'Release pipeline', id);
    return pipeline;
  }

  private triggerState(id: string): TriggerState {
    const state = this.triggers.get(id);
    if (!state) throw notFound('TRIGGER_NOT_FOUND', 'Release pipeline trigger', id);
    return state;
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

  private assertNotFinished(trigger: ReleasePipelineTrigger): void {
    if (FINISHED.includes(trigger.status)) {
      throw new SandboxError(
        'TRIGGER_FINISHED',
        400,
        `Trigger ${trigger.id} is ${trigger.status} and can no longer change`,
      );
    }
  }

  // The phaseID in a request guards against acting on a pipeline that moved on meanwhile.
  private assertPhase(trigger: ReleasePipelineTrigger, phaseID: string): void {
    if (phaseID !== trigger.currentPhaseID) {
      throw new SandboxError(
        'PHASE_MISMATCH',
        400,
        `phaseID ${phaseID} is not the current phase of trigger ${trigger.id} (${trigger.currentPhaseID ?? 'none'})`,
      );
    }
  }

  /** Positions the trigger at phase `index`; past the last phase the rollout is COMPLETED. */
  private enterPhase(state: TriggerState, pipeline: ReleasePipeline, index: number): void {
    const { trigger } = state;
    const phase = pipeline.phases[index];
    if (!phase) {
      trigger.status = 'COMPLETED';
      trigger.currentPhaseEndTime = null;
      return;
    }
    trigger.currentPhase = index;
    trigger.currentPhaseID = phase.id;
    // A phase that requires review starts (and starts its timer) only once approved.
    trigger.status = phase.requiredReview ? 'WAITING_FOR_REVIEW' : 'IN_PROGRESS';
    trigger.currentPhaseEndTime = phase.requiredReview ? null : this.phaseEndTime(trigger);
  }

  private phaseEndTime(trigger: ReleasePipelineTrigger): number | null {
    const pipeline = this.pipelines.get(trigger.releasePipelineID);
    const interval = pipeline?.phases[trigger.currentPhase ?? 0]?.timeIntervalMs;
    return interval == null ? null : this.now() + interval;
  }

  private act(
    trigger: ReleasePipelineTrigger,
    type: TriggerAction['type'],
    phaseID: string | null | undefined,
  ): void {
    trigger.actions.push({ type, timeMs: this.now(), phaseID: phaseID ?? null, ...CONSOLE_ACTOR });
    trigger.lastModifierID = CONSOLE_ACTOR.actorID;
    trigger.lastModifierName = CONSOLE_ACTOR.actorName;
  }

  // Only what the release changed is restored: a kill switch flipped meanwhile stays flipped.
  private revert(content: EntityContent): void {
    if (content.kind === 'gate') {
      const gate = this.gates.get(content.id);
      if (!gate) return;
      gate.rules = structuredClone(content.rules);
      this.changed(gate, CONSOLE_ACTOR, this.gateVersions);
      return;
    }
    const config = this.configs.get(content.id);
    if (!config) return;
    config.rules = structuredClone(content.rules);
    config.defaultValue = structuredClone(content.defaultValue);
    this.changed(config, CONSOLE_ACTOR, this.configVersions);
  }

  /** Every saved change makes a new version, stamped with who made it and when. */
  private changed<T extends Gate | DynamicConfig>(
    entity: T,
    actor: { actorID: string; actorName: string },
    history: Map<string, T[]>,
  ): void {
    entity.version += 1;
    entity.lastModifiedTime = this.now();
    entity.lastModifierID = actor.actorID;
    entity.lastModifierName = actor.actorName;
    this.recordVersion(entity, history);
  }

  private recordVersion<T extends Gate | DynamicConfig>(
    entity: T,
    history: Map<string, T[]>,
  ): void {
    const versions = history.get(entity.id) ?? [];
    versions.push(structuredClone(entity));
    history.set(entity.id, versions);
  }

  private versionsOf<T extends Gate | DynamicConfig>(
    versions: readonly T[] | undefined,
    filter: VersionFilter,
  ): T[] {
    const matching = (versions ?? []).filter((entity) =>
      inDateRange(Number(entity.lastModifiedTime ?? 0), filter),
    );
    return structuredClone(matching.reverse());
  }
}
