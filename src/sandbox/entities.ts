// Gates, dynamic configs and release pipelines, with every version each entity has had. Reads hand
// out copies, so no caller ever holds a live reference to the state.
import { z } from 'zod';
import type {
  EntityByKind,
  EntityKind,
  SandboxDynamicConfig,
  SandboxEntity,
  SandboxGate,
  SandboxPipeline,
  SandboxRule,
} from './documents';
import { notFound, SandboxError } from './errors';
import {
  conditionSchema,
  derivedRuleID,
  dynamicConfigFromSeed,
  gateFromSeed,
  type ParsedSeed,
  passPercentageSchema,
  pipelineFromSeed,
  ruleFromSeed,
  type StartReleaseCommand,
  variantSchema,
} from './seed';

/** Who made a change, as the entity's lastModifier* fields record it. */
export interface Actor {
  id: string;
  name: string;
  email: string | null;
}

// Who the Console API acts as: Statsig records the API key's owner; its examples name it so.
export const CONSOLE_ACTOR: Actor = { id: 'console_api_key', name: 'CONSOLE API', email: null };

/**
 * Whether a rule keeps its id when its pass percentage changes. Statsig's examples show ids such as
 * `38ttpCpzrQFTMKcqFKk02l:10.00:1` that seem to embed the percentage; nothing says they change.
 */
export type RuleIdOnUpdate = 'stable' | 'follow-percentage';

const automatedRollouts = z.array(z.object({ time: z.number(), passPercent: z.number() }));
const objectValue = z.record(z.string(), z.unknown());

/** RuleUpdateDto (gates): every field optional. */
export const gateRulePatchSchema = z.object({
  id: z.string().optional(),
  baseID: z.string().optional(),
  name: z.string().optional(),
  passPercentage: passPercentageSchema.optional(),
  conditions: z.array(conditionSchema).optional(),
  environments: z.array(z.string()).nullable().optional(),
  returnValue: objectValue.optional(),
  completedAutomatedRollouts: automatedRollouts.optional(),
  pendingAutomatedRollouts: automatedRollouts.optional(),
});

/** DynamicConfigRulePartialDto: the gate's fields plus returnValueJson5 and variants. */
export const dynamicConfigRulePatchSchema = gateRulePatchSchema.extend({
  returnValueJson5: z.string().optional(),
  variants: z.array(variantSchema).optional(),
});
export type RulePatch = z.infer<typeof dynamicConfigRulePatchSchema>;

/** The part of an entity a release changes, kept so an abort can put it back. */
export type EntityContent =
  | { kind: 'gate'; id: string; rules: SandboxRule[] }
  | { kind: 'dynamic_config'; id: string; rules: SandboxRule[]; defaultValue: unknown };

const LABELS: Record<EntityKind, string> = { gate: 'Gate', dynamic_config: 'Dynamic config' };
const NOT_FOUND = { gate: 'GATE_NOT_FOUND', dynamic_config: 'DYNAMIC_CONFIG_NOT_FOUND' } as const;

export class EntityStore {
  private readonly live: { [K in EntityKind]: Map<string, EntityByKind[K]> } = {
    gate: new Map(),
    dynamic_config: new Map(),
  };
  // Full snapshots, oldest first, as Statsig's /versions lists them.
  private readonly history: { [K in EntityKind]: Map<string, Array<EntityByKind[K]>> } = {
    gate: new Map(),
    dynamic_config: new Map(),
  };
  private readonly pipelines = new Map<string, SandboxPipeline>();

  constructor(
    private readonly now: () => number,
    private readonly ruleIdOnUpdate: RuleIdOnUpdate,
  ) {}

  load(seed: ParsedSeed): void {
    for (const map of [...Object.values(this.live), ...Object.values(this.history)]) map.clear();
    this.pipelines.clear();
    const now = this.now();
    for (const gate of seed.gates ?? []) this.add('gate', gateFromSeed(gate, now));
    for (const config of seed.dynamicConfigs ?? []) {
      this.add('dynamic_config', dynamicConfigFromSeed(config, now));
    }
    for (const pipeline of seed.pipelines ?? []) {
      this.pipelines.set(pipeline.id, pipelineFromSeed(pipeline, now));
    }
  }

  find<K extends EntityKind>(kind: K, id: string): EntityByKind[K] | undefined {
    const entity = this.live[kind].get(id);
    return entity && structuredClone(entity);
  }

  get<K extends EntityKind>(kind: K, id: string): EntityByKind[K] {
    return structuredClone(this.entity(kind, id));
  }

  getPipeline(id: string): SandboxPipeline {
    return structuredClone(this.pipeline(id));
  }

  /** The pipeline itself, for the trigger machine, which never changes it. */
  pipeline(id: string): SandboxPipeline {
    const pipeline = this.pipelines.get(id);
    if (!pipeline) throw notFound('PIPELINE_NOT_FOUND', 'Release pipeline', id);
    return pipeline;
  }

  findPipeline(id: string): SandboxPipeline | undefined {
    return this.pipelines.get(id);
  }

  /**
   * Every version the entity has had, each the whole entity as of that version, newest first (the
   * current one included). Statsig does not document the order; newest first is the sandbox's.
   */
  versions<K extends EntityKind>(kind: K, id: string): Array<EntityByKind[K]> {
    this.entity(kind, id);
    return structuredClone([...(this.history[kind].get(id) ?? [])].reverse());
  }

  rules(kind: EntityKind, id: string): SandboxRule[] {
    return structuredClone(this.entity(kind, id).rules);
  }

  /** Disabling a disabled entity (or enabling an enabled one) changes nothing, as in Statsig. */
  setEnabled<K extends EntityKind>(
    kind: K,
    id: string,
    enabled: boolean,
    actor: Actor,
  ): EntityByKind[K] {
    const entity = this.entity(kind, id);
    if (entity.isEnabled !== enabled) {
      entity.isEnabled = enabled;
      if (kind === 'gate') {
        const gate = entity as SandboxGate;
        if (!enabled) gate.status = 'Disabled';
        else if (gate.status === 'Disabled') gate.status = 'In Progress';
      } else {
        (entity as SandboxDynamicConfig).status = enabled ? 'Enabled' : 'Disabled';
      }
      this.changed(kind, entity, actor);
    }
    return structuredClone(entity);
  }

  /** Applies a partial rule update (the path names the rule; id and baseID in the body are ignored). */
  patchRule<K extends EntityKind>(
    kind: K,
    id: string,
    ruleID: string,
    patch: RulePatch,
    actor: Actor,
  ): EntityByKind[K] {
    const entity = this.entity(kind, id);
    const index = entity.rules.findIndex((rule) => rule.id === ruleID);
    const rule = entity.rules[index];
    if (!rule) {
      throw new SandboxError('RULE_NOT_FOUND', 404, `Rule ${ruleID} not found on ${id}`);
    }
    const { id: _id, baseID: _baseID, ...fields } = patch;
    const updated: SandboxRule = { ...rule, ...(fields as Partial<SandboxRule>) };
    if (
      this.ruleIdOnUpdate === 'follow-percentage' &&
      fields.passPercentage !== undefined &&
      fields.passPercentage !== rule.passPercentage
    ) {
      const counter = Number(rule.id.split(':')[2] ?? '0');
      updated.id = derivedRuleID(
        rule.baseID,
        fields.passPercentage,
        Number.isInteger(counter) ? counter + 1 : 1,
      );
    }
    entity.rules[index] = updated;
    this.changed(kind, entity, actor);
    return structuredClone(entity);
  }

  /** Applies a release's change; answers what it replaced, for an abort to put back. */
  applyRelease(
    change: StartReleaseCommand['entity'],
    pipelineID: string,
    actor: Actor,
  ): EntityContent {
    const entity = this.entity(change.kind, change.id);
    const before: EntityContent =
      change.kind === 'gate'
        ? { kind: 'gate', id: entity.id, rules: structuredClone(entity.rules) }
        : {
            kind: 'dynamic_config',
            id: entity.id,
            rules: structuredClone(entity.rules),
            defaultValue: structuredClone((entity as SandboxDynamicConfig).defaultValue),
          };
    if (change.rules) entity.rules = change.rules.map(ruleFromSeed);
    if (change.kind === 'dynamic_config' && change.defaultValue !== undefined) {
      (entity as SandboxDynamicConfig).defaultValue = structuredClone(change.defaultValue);
    }
    entity.releasePipelineID = pipelineID;
    this.changed(change.kind, entity, actor);
    return before;
  }

  // Only what the release changed is restored: a kill switch flipped meanwhile stays flipped.
  revert(content: EntityContent, actor: Actor): void {
    const entity = this.live[content.kind].get(content.id);
    if (!entity) return;
    entity.rules = structuredClone(content.rules);
    if (content.kind === 'dynamic_config') {
      (entity as SandboxDynamicConfig).defaultValue = structuredClone(content.defaultValue);
    }
    this.changed(content.kind, entity, actor);
  }

  /** The live entity, for checks that read it; throws the entity's 404. */
  entity<K extends EntityKind>(kind: K, id: string): EntityByKind[K] {
    const entity = this.live[kind].get(id);
    if (!entity) throw notFound(NOT_FOUND[kind], LABELS[kind], id);
    return entity;
  }

  private add<K extends EntityKind>(kind: K, entity: EntityByKind[K]): void {
    this.live[kind].set(entity.id, entity);
    this.record(kind, entity);
  }

  /** Every saved change makes a new version, stamped with who made it and when. */
  private changed(kind: EntityKind, entity: SandboxEntity, actor: Actor): void {
    entity.version += 1;
    entity.lastModifiedTime = this.now();
    entity.lastModifierID = actor.id;
    entity.lastModifierName = actor.name;
    entity.lastModifierEmail = actor.email;
    this.record(kind, entity);
  }

  private record(kind: EntityKind, entity: SandboxEntity): void {
    const versions = (this.history[kind] as Map<string, SandboxEntity[]>).get(entity.id) ?? [];
    versions.push(structuredClone(entity));
    (this.history[kind] as Map<string, SandboxEntity[]>).set(entity.id, versions);
  }
}

export const entityLabel = (kind: EntityKind): string => LABELS[kind];
