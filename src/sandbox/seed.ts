// What tests and the demo may seed the sandbox with (minimal: ids, rules, values), and how each seed
// becomes a document carrying every field Statsig's spec requires, with plausible defaults.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  CONDITION_TYPES,
  type Condition,
  DYNAMIC_CONFIG_STATUSES,
  GATE_STATUSES,
  GATE_TYPE_REASONS,
  GATE_TYPES,
  type SandboxDynamicConfig,
  type SandboxGate,
  type SandboxPipeline,
  type SandboxRule,
  TRIGGER_ACTION_TYPES,
  TRIGGER_STATUSES,
} from './documents';

// The person the sandbox's own changes (releases started by tests, seeded entities) are made by.
export const SANDBOX_USER = {
  id: 'sandbox_user',
  name: 'Sandbox User',
  email: 'sandbox.user@example.com',
} as const;

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

export const passPercentageSchema = z
  .number()
  .min(0)
  .max(100)
  .refine((value) => Math.abs(value * 100 - Math.round(value * 100)) < 1e-6, {
    message: 'must be a multiple of 0.01',
  });

export const conditionSchema = z.looseObject({
  type: z.enum(CONDITION_TYPES),
  operator: z.string().optional(),
  targetValue: z
    .union([z.array(z.string()), z.array(z.number()), z.string(), z.number()])
    .nullish(),
  field: z.string().nullish(),
  customID: z.string().nullish(),
});

// Callers type conditions as unknown[] (the client's Rule does), so the input stays unknown.
const conditionsSchema = z
  .array(z.unknown())
  .default([])
  .transform((items, context) =>
    items.map((item, index) => {
      const parsed = conditionSchema.safeParse(item);
      if (parsed.success) return parsed.data as Condition;
      for (const issue of parsed.error.issues) {
        context.addIssue({ ...issue, path: [index, ...issue.path] } as never);
      }
      return {} as Condition;
    }),
  );

const automatedRolloutsSchema = z.array(z.object({ time: z.number(), passPercent: z.number() }));
const objectValue = z.record(z.string(), z.unknown());

export const variantSchema = z.object({
  id: z.string().optional(),
  name: z.string(),
  passPercentage: passPercentageSchema,
  returnValue: objectValue.optional(),
  returnValueJson5: z.string().optional(),
});

export const ruleSeedSchema = z.looseObject({
  id: z.string().min(1).optional(),
  baseID: z.string().min(1).optional(),
  name: z.string(),
  passPercentage: passPercentageSchema,
  conditions: conditionsSchema,
  environments: z.array(z.string()).nullish(),
  returnValue: z
    .unknown()
    .optional()
    .refine((value) => value === undefined || objectOrUndefined(value) !== undefined, {
      message: 'must be an object',
    }),
  returnValueJson5: z.string().optional(),
  variants: z.array(variantSchema).optional(),
  completedAutomatedRollouts: automatedRolloutsSchema.optional(),
  pendingAutomatedRollouts: automatedRolloutsSchema.optional(),
});
export type RuleSeed = z.input<typeof ruleSeedSchema>;

// Every field an entity's DTO requires, optional here; nulls the client's types allow are accepted.
const entitySeedFields = {
  id: z.string().min(1),
  name: z.string().optional(),
  description: z.string().nullish(),
  isEnabled: z.boolean(),
  version: z.number().int().positive().optional(),
  rules: z.array(ruleSeedSchema).default([]),
  releasePipelineID: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  createdTime: z.number().optional(),
  creatorID: z.string().nullish(),
  creatorName: z.string().nullish(),
  creatorEmail: z.string().nullish(),
  lastModifiedTime: z.number().nullish(),
  lastModifierID: z.string().nullish(),
  lastModifierName: z.string().nullish(),
  lastModifierEmail: z.string().nullish(),
};

export const gateSeedSchema = z.looseObject({
  ...entitySeedFields,
  checksPerHour: z.number().nullish(),
  status: z.enum(GATE_STATUSES).optional(),
  type: z.enum(GATE_TYPES).optional(),
  typeReason: z.enum(GATE_TYPE_REASONS).optional(),
});

export const dynamicConfigSeedSchema = z.looseObject({
  ...entitySeedFields,
  status: z.enum(DYNAMIC_CONFIG_STATUSES).optional(),
  defaultValue: z.unknown(),
  // The spec serves a JSON Schema as a string; a seeded object is serialized.
  schema: z.unknown().optional(),
});

const phaseRuleSeedSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  conditions: conditionsSchema,
  environments: z.array(z.string()).nullish(),
});

const phaseSeedSchema = z.looseObject({
  id: z.string().min(1).optional(),
  name: z.string(),
  timeIntervalMs: z.number().min(0).nullish(),
  requiredReview: z.boolean(),
  rules: z.array(phaseRuleSeedSchema).default([]),
});

export const pipelineSeedSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  creatorID: z.string().optional(),
  createdTime: z.number().optional(),
  lastModifierID: z.string().optional(),
  phases: z.array(phaseSeedSchema).default([]),
});

const actionSeedSchema = z.looseObject({
  type: z.enum(TRIGGER_ACTION_TYPES),
  timeMs: z.number(),
  phaseID: z.string().nullish(),
  actorID: z.string().nullish(),
  actorName: z.string().nullish(),
});

export const triggerSeedSchema = z.looseObject({
  id: z.string().min(1),
  releasePipelineID: z.string().min(1),
  status: z.enum(TRIGGER_STATUSES),
  // Older seeds give the phase's index; the served value is always the phase's name.
  currentPhase: z.union([z.number(), z.string()]).nullish(),
  currentPhaseID: z.string().nullish(),
  currentPhaseEndTime: z.number().nullish(),
  gateID: z.string().nullish(),
  dynamicConfigID: z.string().nullish(),
  description: z.string().nullish(),
  creatorID: z.string().nullish(),
  createdTime: z.number(),
  lastModifierID: z.string().nullish(),
  lastModifierName: z.string().nullish(),
  actions: z.array(actionSeedSchema).default([]),
});
export type TriggerSeed = z.output<typeof triggerSeedSchema>;

export const sandboxSeedSchema = z.object({
  gates: z.array(gateSeedSchema).optional(),
  dynamicConfigs: z.array(dynamicConfigSeedSchema).optional(),
  pipelines: z.array(pipelineSeedSchema).optional(),
  triggers: z.array(triggerSeedSchema).optional(),
});

/** A Statsig project to start from: only ids, rules and values are needed. */
export type SandboxSeed = z.input<typeof sandboxSeedSchema>;
export type ParsedSeed = z.output<typeof sandboxSeedSchema>;

/** A new rule base ID, shaped like Statsig's (22 characters of base62-ish text). */
export function newBaseID(): string {
  return randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22);
}

/** The spec's rule id form, `<baseID>:<passPercentage>:<n>` (e.g. `38ttpCpzrQFTMKcqFKk02l:10.00:1`). */
export function derivedRuleID(baseID: string, passPercentage: number, n: number): string {
  return `${baseID}:${passPercentage.toFixed(2)}:${n}`;
}

/** A seeded rule keeps its id; baseID is the id's part before the first `:`. */
export function ruleFromSeed(seed: z.output<typeof ruleSeedSchema>): SandboxRule {
  const { id, baseID, environments, returnValue, ...rest } = seed;
  const base = baseID ?? id?.split(':')[0] ?? newBaseID();
  const rule: SandboxRule = {
    ...rest,
    id: id ?? derivedRuleID(base, seed.passPercentage, 1),
    baseID: base,
    environments: environments ?? null,
  };
  const value = objectOrUndefined(returnValue);
  if (value) rule.returnValue = value;
  return rule;
}

type EntitySeed = z.output<typeof gateSeedSchema> | z.output<typeof dynamicConfigSeedSchema>;

function entityBase(seed: EntitySeed, now: number) {
  const createdTime = seed.createdTime ?? seed.lastModifiedTime ?? now;
  return {
    name: seed.name ?? seed.id,
    description: seed.description ?? '',
    createdTime,
    creatorID: seed.creatorID ?? SANDBOX_USER.id,
    creatorName: seed.creatorName ?? SANDBOX_USER.name,
    creatorEmail: seed.creatorEmail ?? SANDBOX_USER.email,
    lastModifiedTime: seed.lastModifiedTime ?? createdTime,
    lastModifierID: seed.lastModifierID ?? SANDBOX_USER.id,
    lastModifierName: seed.lastModifierName ?? SANDBOX_USER.name,
    lastModifierEmail: seed.lastModifierEmail ?? SANDBOX_USER.email,
    version: seed.version ?? 1,
    rules: seed.rules.map(ruleFromSeed),
    releasePipelineID: seed.releasePipelineID ?? null,
  };
}

export function gateFromSeed(seed: z.output<typeof gateSeedSchema>, now: number): SandboxGate {
  const { tags, ...rest } = seed;
  return {
    ...rest,
    ...(tags == null ? {} : { tags }),
    ...entityBase(seed, now),
    checksPerHour: seed.checksPerHour ?? null,
    status: seed.status ?? (seed.isEnabled ? 'In Progress' : 'Disabled'),
    type: seed.type ?? 'TEMPORARY',
    typeReason: seed.typeReason ?? 'NONE',
  };
}

export function dynamicConfigFromSeed(
  seed: z.output<typeof dynamicConfigSeedSchema>,
  now: number,
): SandboxDynamicConfig {
  const { schema, tags, ...rest } = seed;
  const config: SandboxDynamicConfig = {
    ...rest,
    ...(tags == null ? {} : { tags }),
    ...entityBase(seed, now),
    status: seed.status ?? (seed.isEnabled ? 'Enabled' : 'Disabled'),
  };
  if (schema === null || typeof schema === 'string') config.schema = schema;
  else if (schema !== undefined) config.schema = JSON.stringify(schema);
  return config;
}

export function pipelineFromSeed(
  seed: z.output<typeof pipelineSeedSchema>,
  now: number,
): SandboxPipeline {
  return {
    ...seed,
    creatorID: seed.creatorID ?? SANDBOX_USER.id,
    createdTime: seed.createdTime ?? now,
    lastModifierID: seed.lastModifierID ?? seed.creatorID ?? SANDBOX_USER.id,
    phases: seed.phases.map((phase, index) => ({
      ...phase,
      // Approve and its siblings name phases by ID, so every phase needs one.
      id: phase.id ?? `${seed.id}_phase_${index + 1}`,
      // The spec has no "no timer"; such a phase is served as 0 ms and gets no end time.
      timeIntervalMs: phase.timeIntervalMs ?? 0,
      rules: phase.rules.map((rule, ruleIndex) => ({
        ...rule,
        name: rule.name ?? `Rule ${ruleIndex + 1}`,
      })),
    })),
  };
}

/** A person saving a change to an entity that has a release pipeline attached. */
export const startReleaseInputSchema = z.object({
  pipelineID: z.string().min(1),
  entity: z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('gate'),
      id: z.string().min(1),
      rules: z.array(ruleSeedSchema).optional(),
    }),
    z.object({
      kind: z.literal('dynamic_config'),
      id: z.string().min(1),
      defaultValue: z.unknown().optional(),
      rules: z.array(ruleSeedSchema).optional(),
    }),
  ]),
  description: z.string().optional(),
  creatorName: z.string().optional(),
});
export type StartReleaseInput = z.input<typeof startReleaseInputSchema>;
/** The change a person saves to an entity that has a release pipeline attached. */
export type ReleaseEntityChange = StartReleaseInput['entity'];
export type StartReleaseCommand = z.output<typeof startReleaseInputSchema>;
