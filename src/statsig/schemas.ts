// What rollout-gate reads from Statsig's Console API, as Statsig's published OpenAPI spec describes it
// (test/fixtures/statsig-spec.json; checked by test/contract/). Read tolerantly: a field the spec
// marks optional may be missing, enums are free strings (Statsig adds values), and unknown fields
// are kept. Only what a review cannot do without is required. The sandbox has its own types.
import { z } from 'zod';

export const STATSIG_API_VERSION = '20240601';

/** Trigger statuses Statsig documents today; `status` itself is a free string and may hold others. */
export const TRIGGER_STATUSES = [
  'IN_PROGRESS',
  'PAUSED',
  'ABORTED',
  'COMPLETED',
  'WAITING_FOR_REVIEW',
] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

/** An optional string that may also come as null; either way it reads as undefined. */
const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? undefined);

export const triggerActionSchema = z.looseObject({
  /** STARTED, ABORTED, PAUSED, UNPAUSED, APPROVED_FOR, SKIPPED, FULL_ROLL_OUT, CLEANED_UP, or newer. */
  type: z.string(),
  timeMs: z.number().nullish(),
  phaseID: optionalText,
  actorID: optionalText,
  actorName: optionalText,
});
export type TriggerAction = z.infer<typeof triggerActionSchema>;

export const releasePipelineTriggerSchema = z.looseObject({
  id: z.string(),
  releasePipelineID: z.string(),
  status: z.string(),
  /** The phase's display name ("Phase 1"); a number in some older answers. Shown, never decided on. */
  currentPhase: z.union([z.string(), z.number()]).nullish(),
  currentPhaseID: z.string().nullish(),
  currentPhaseEndTime: z.number().nullish(),
  gateID: optionalText,
  dynamicConfigID: optionalText,
  description: z.string().nullish(),
  creatorID: z.string().nullish(),
  /** When the release started (ms); the spec requires it, a review survives without it. */
  createdTime: z.number().nullish(),
  lastModifierID: z.string().nullish(),
  lastModifierName: z.string().nullish(),
  actions: z
    .array(triggerActionSchema)
    .nullish()
    .transform((actions) => actions ?? []),
});
export type ReleasePipelineTrigger = z.infer<typeof releasePipelineTriggerSchema>;

/** A rule as both gates and dynamic configs carry it; its fields are passed on to benchmarks. */
export const ruleSchema = z.looseObject({
  id: z.string().nullish(),
  baseID: z.string().nullish(),
  name: z.string().nullish(),
  passPercentage: z.number().nullish(),
  conditions: z.array(z.unknown()).nullish(),
  environments: z.array(z.string()).nullish(),
  returnValue: z.unknown().optional(),
});
export type Rule = z.infer<typeof ruleSchema>;

const rules = z
  .array(ruleSchema)
  .nullish()
  .transform((list) => list ?? []);

// Who last changed an entity and when; every version listed by /versions carries them too.
const modificationFields = {
  lastModifiedTime: z.number().nullish(),
  lastModifierID: z.string().nullish(),
  lastModifierName: z.string().nullish(),
};

const entityFields = {
  id: z.string(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  /** Required by the spec; an entity whose answer lacks it is treated as enabled. */
  isEnabled: z.boolean().nullish(),
  /** Optional in the spec, and absent from every one of its examples. */
  version: z.number().nullish(),
  rules,
  releasePipelineID: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  ...modificationFields,
};

export const gateSchema = z.looseObject(entityFields);
export type Gate = z.infer<typeof gateSchema>;

export const dynamicConfigSchema = z.looseObject({
  ...entityFields,
  defaultValue: z.unknown(),
  /** A JSON Schema serialised as a string, per the spec. */
  schema: z.unknown().optional(),
});
export type DynamicConfig = z.infer<typeof dynamicConfigSchema>;

/** The two kinds of entity a release pipeline rolls out, in the Console API's path spelling. */
export type EntityKind = 'gate' | 'dynamic_config';

export const releasePipelinePhaseSchema = z.looseObject({
  /** Optional in the spec; a phase without one cannot be matched to a trigger's phaseIDs. */
  id: z.string().nullish(),
  name: z.string().nullish(),
  timeIntervalMs: z.number().nullish(),
  requiredReview: z.boolean().nullish(),
  rules: z
    .array(z.looseObject({ environments: z.array(z.string()).nullish() }))
    .nullish()
    .transform((list) => list ?? []),
});
export const releasePipelineSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullish(),
  phases: z
    .array(releasePipelinePhaseSchema)
    .nullish()
    .transform((list) => list ?? []),
});
export type ReleasePipeline = z.infer<typeof releasePipelineSchema>;

const optionalNumber = z.number().nullish();

/**
 * One metric of a rule's Pulse results (GatePulseResultsDto.monitoringMetrics[]): the test group
 * (passing the rule) against control. Changes are in the metric's units, `percent*` ones in
 * percent; `*ConfidenceIntervalDelta` is the half-width of the interval around the change.
 */
export const pulseMetricSchema = z.looseObject({
  /** Required by the spec; an item without one cannot be matched to a criterion and is skipped. */
  metricID: z.string().nullish(),
  metricName: z.string().nullish(),
  /** `increase` or `decrease` (which way is good), per the spec; a free string here. */
  directionality: z.string().nullish(),
  absoluteChange: optionalNumber,
  confidenceIntervalDelta: optionalNumber,
  sequentialTestingConfidenceIntervalDelta: optionalNumber,
  percentChange: optionalNumber,
  percentConfidenceIntervalDelta: optionalNumber,
  percentSequentialTestingConfidenceIntervalDelta: optionalNumber,
  pValue: optionalNumber,
  controlMean: optionalNumber,
  controlStd: optionalNumber,
  controlUnits: optionalNumber,
  testMean: optionalNumber,
  testStd: optionalNumber,
  testUnits: optionalNumber,
});
export type PulseMetric = z.infer<typeof pulseMetricSchema>;

/** `GET /gates/{id}/rules/{ruleID}/pulse_results`: the rule's Pulse results as of `ds`. */
export const gatePulseResultsSchema = z.looseObject({
  /** The day the results are for (YYYY-MM-DD). */
  ds: z.string().nullish(),
  monitoringMetrics: z
    .array(pulseMetricSchema)
    .nullish()
    .transform((list) => list ?? []),
});
export type GatePulseResults = z.infer<typeof gatePulseResultsSchema>;

/** Query of `pulse_results`; both are strings on the wire. */
export interface PulseQuery {
  /** Confidence level of the intervals, e.g. 95. */
  confidence?: number;
  /** Whether to apply CUPED variance reduction. */
  cuped?: boolean;
}

/** Every successful Console API answer wraps its payload: `{ message, data }`. */
export function successBody<T extends z.ZodType>(data: T) {
  return z.looseObject({ message: z.string().nullish(), data });
}

/**
 * The `pagination` object of every list answer; pages are 1-based. `nextPage` is an opaque link (a
 * string in the spec, a page number in older answers): only whether there is one matters.
 */
export const paginationSchema = z.looseObject({
  itemsPerPage: z.number().nullish(),
  pageNumber: z.number().nullish(),
  nextPage: z.union([z.string(), z.number()]).nullish(),
  previousPage: z.union([z.string(), z.number()]).nullish(),
  totalItems: z.number().nullish(),
});
export type Pagination = z.infer<typeof paginationSchema>;

/** A list answer: `{ message, data: [...], pagination }`. */
export function pageBody<T extends z.ZodType>(item: T) {
  return z.looseObject({
    message: z.string().nullish(),
    data: z.array(item),
    pagination: paginationSchema.nullish(),
  });
}

/** Console API error body for 400/401/403/404. */
export const errorBodySchema = z.looseObject({ status: z.number(), message: z.string() });
export type StatsigErrorBody = z.infer<typeof errorBodySchema>;

/** Events API (`POST {events}/log_event`) request body, as rollout-gate sends it. */
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

/** `POST /change_validation`: the answer to a pre-commit webhook. */
export interface ChangeValidation {
  reviewID: string;
  validated: boolean;
  message?: string;
  debugLinks?: Array<{ title: string; url: string }>;
}

/** A partial rule update (`PATCH /gates/{id}/rules/{ruleID}`, `PATCH /dynamic_configs/{id}/rule/{ruleId}`). */
export interface RuleUpdate {
  passPercentage?: number;
  returnValue?: unknown;
  name?: string;
  conditions?: unknown[];
  environments?: string[] | null;
}
