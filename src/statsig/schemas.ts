// Shapes of Statsig's Console API (version 20240601) as documented; see ../shared/reference/statsig-api.md.
// Both the client (which validates what it reads) and the sandbox (which serves it) use these, so the
// sandbox cannot drift from what the client accepts. Unknown fields are kept: real responses carry more.
import { z } from 'zod';

export const STATSIG_API_VERSION = '20240601';

export const TRIGGER_STATUSES = [
  'IN_PROGRESS',
  'PAUSED',
  'ABORTED',
  'COMPLETED',
  'WAITING_FOR_REVIEW',
] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

const TRIGGER_ACTION_TYPES = [
  'STARTED',
  'ABORTED',
  'PAUSED',
  'UNPAUSED',
  'APPROVED_FOR',
  'SKIPPED',
  'FULL_ROLL_OUT',
  'CLEANED_UP',
] as const;

export const triggerActionSchema = z.looseObject({
  type: z.enum(TRIGGER_ACTION_TYPES),
  timeMs: z.number(),
  phaseID: z.string().nullish(),
  actorID: z.string().nullish(),
  actorName: z.string().nullish(),
});
export type TriggerAction = z.infer<typeof triggerActionSchema>;

export const releasePipelineTriggerSchema = z.looseObject({
  id: z.string(),
  releasePipelineID: z.string(),
  status: z.enum(TRIGGER_STATUSES),
  currentPhase: z.number().nullish(),
  currentPhaseID: z.string().nullish(),
  currentPhaseEndTime: z.number().nullish(),
  gateID: z.string().nullish(),
  dynamicConfigID: z.string().nullish(),
  configSnapshotID: z.string().nullish(),
  description: z.string().nullish(),
  creatorID: z.string().nullish(),
  createdTime: z.number(),
  lastModifierID: z.string().nullish(),
  lastModifierName: z.string().nullish(),
  actions: z.array(triggerActionSchema).default([]),
});
export type ReleasePipelineTrigger = z.infer<typeof releasePipelineTriggerSchema>;

export const ruleSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  passPercentage: z.number(),
  conditions: z.array(z.unknown()).default([]),
  environments: z.array(z.string()).nullish(),
  returnValue: z.unknown().optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

// Who last changed an entity and when; every version listed by /versions carries them too.
const modificationFields = {
  lastModifiedTime: z.number().nullish(),
  lastModifierID: z.string().nullish(),
  lastModifierName: z.string().nullish(),
};

export const gateSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().nullish(),
  isEnabled: z.boolean(),
  version: z.number(),
  rules: z.array(ruleSchema).default([]),
  releasePipelineID: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  ...modificationFields,
});
export type Gate = z.infer<typeof gateSchema>;

export const dynamicConfigSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  description: z.string().nullish(),
  isEnabled: z.boolean(),
  version: z.number(),
  defaultValue: z.unknown(),
  rules: z.array(ruleSchema).default([]),
  schema: z.unknown().optional(),
  releasePipelineID: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  ...modificationFields,
});
export type DynamicConfig = z.infer<typeof dynamicConfigSchema>;

/** The two kinds of entity a release pipeline rolls out, in the Console API's path spelling. */
export type EntityKind = 'gate' | 'dynamic_config';

export const releasePipelinePhaseSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  timeIntervalMs: z.number().nullish(),
  requiredReview: z.boolean(),
  rules: z.array(z.looseObject({ environments: z.array(z.string()).nullish() })).default([]),
});
export const releasePipelineSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  phases: z.array(releasePipelinePhaseSchema),
});
export type ReleasePipeline = z.infer<typeof releasePipelineSchema>;

/** Every successful Console API answer wraps its payload: `{ message, data }`. */
export function successBody<T extends z.ZodType>(data: T) {
  return z.looseObject({ message: z.string(), data });
}

/** The `pagination` object of every list answer; pages are 1-based. */
export const paginationSchema = z.looseObject({
  itemsPerPage: z.number(),
  pageNumber: z.number(),
  nextPage: z.number().nullish(),
  previousPage: z.number().nullish(),
  totalItems: z.number(),
});
export type Pagination = z.infer<typeof paginationSchema>;

/** A list answer: `{ message, data: [...], pagination }`. */
export function pageBody<T extends z.ZodType>(item: T) {
  return z.looseObject({ message: z.string(), data: z.array(item), pagination: paginationSchema });
}

/** Console API error body for 400/401/403/404. */
export const errorBodySchema = z.looseObject({ status: z.number(), message: z.string() });
export type StatsigErrorBody = z.infer<typeof errorBodySchema>;

/** Events API (`POST {events}/log_event`) request body. */
export const logEventBodySchema = z.object({
  events: z
    .array(
      z.object({
        eventName: z.string().min(1),
        value: z.union([z.string(), z.number()]).optional(),
        time: z.number(),
        user: z.looseObject({ userID: z.string() }),
        metadata: z.record(z.string(), z.string()).optional(),
      }),
    )
    .min(1),
});
export type LogEventBody = z.infer<typeof logEventBodySchema>;
