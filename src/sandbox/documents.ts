// The documents the sandbox serves, typed after the DTOs of Statsig's Console API spec
// (capiopenapi.json), not after what rollout-gate's client reads.

/** The values Statsig documents for a trigger's status (the list endpoint's `status` filter). */
export const TRIGGER_STATUSES = [
  'IN_PROGRESS',
  'PAUSED',
  'ABORTED',
  'COMPLETED',
  'WAITING_FOR_REVIEW',
] as const;
export type TriggerStatus = (typeof TRIGGER_STATUSES)[number];

/** ReleasePipelineTriggerResponseDto.actions[].type. */
export const TRIGGER_ACTION_TYPES = [
  'STARTED',
  'ABORTED',
  'PAUSED',
  'UNPAUSED',
  'APPROVED_FOR',
  'SKIPPED',
  'FULL_ROLL_OUT',
  'CLEANED_UP',
] as const;
export type TriggerActionType = (typeof TRIGGER_ACTION_TYPES)[number];

/** The `type` of a rule condition: the spec's enum of 23. */
export const CONDITION_TYPES = [
  'app_version',
  'browser_name',
  'browser_version',
  'country',
  'custom_field',
  'email',
  'environment_tier',
  'fails_gate',
  'fails_segment',
  'ip_address',
  'locale',
  'os_name',
  'os_version',
  'passes_gate',
  'passes_segment',
  'public',
  'time',
  'unit_id',
  'user_id',
  'url',
  'javascript',
  'device_model',
  'target_app',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const GATE_STATUSES = ['In Progress', 'Launched', 'Disabled', 'Archived'] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];
export const GATE_TYPES = ['TEMPORARY', 'PERMANENT', 'STALE', 'TEMPLATE'] as const;
export const GATE_TYPE_REASONS = [
  'NONE',
  'STALE_PROBABLY_LAUNCHED',
  'STALE_PROBABLY_UNLAUNCHED',
  'STALE_PROBABLY_FORGOTTEN',
  'STALE_NO_RULES',
  'STALE_PROBABLY_DEAD_CHECK',
  'STALE_EMPTY_CHECKS',
  'STALE_ALL_TRUE',
  'STALE_ALL_FALSE',
] as const;
export const DYNAMIC_CONFIG_STATUSES = ['Enabled', 'Disabled', 'Archived'] as const;
export type DynamicConfigStatus = (typeof DYNAMIC_CONFIG_STATUSES)[number];

export interface Condition {
  type: ConditionType;
  operator?: string;
  targetValue?: string | number | string[] | number[] | null;
  field?: string | null;
  customID?: string | null;
  [extra: string]: unknown;
}

export interface AutomatedRollout {
  time: number;
  passPercent: number;
}

export interface Variant {
  id?: string;
  name: string;
  passPercentage: number;
  returnValue?: Record<string, unknown>;
  returnValueJson5?: string;
}

/** A gate's or dynamic config's rule (ExternalGateDto / DynamicConfigDto `rules[]`). */
export interface SandboxRule {
  id: string;
  baseID: string;
  name: string;
  passPercentage: number;
  conditions: Condition[];
  environments: string[] | null;
  returnValue?: Record<string, unknown>;
  returnValueJson5?: string;
  variants?: Variant[];
  completedAutomatedRollouts?: AutomatedRollout[];
  pendingAutomatedRollouts?: AutomatedRollout[];
  [extra: string]: unknown;
}

/** Who last changed an entity and when: required (nullable) on both DTOs. */
export interface Modification {
  lastModifiedTime: number | null;
  lastModifierID: string | null;
  lastModifierName: string | null;
  lastModifierEmail: string | null;
}

interface EntityBase extends Modification {
  id: string;
  name: string;
  description: string;
  createdTime: number;
  creatorID: string | null;
  creatorName: string | null;
  creatorEmail: string | null;
  isEnabled: boolean;
  /** Optional in the spec; the sandbox always serves it (every saved change bumps it). */
  version: number;
  rules: SandboxRule[];
  releasePipelineID: string | null;
  tags?: string[];
  [extra: string]: unknown;
}

/** ExternalGateDto. */
export interface SandboxGate extends EntityBase {
  checksPerHour: number | null;
  status: GateStatus;
  type: (typeof GATE_TYPES)[number];
  typeReason: (typeof GATE_TYPE_REASONS)[number];
}

/** DynamicConfigDto. */
export interface SandboxDynamicConfig extends EntityBase {
  status: DynamicConfigStatus;
  /** The spec types it as an object; seeds may hold any JSON value, served as given. */
  defaultValue: unknown;
  /** A JSON Schema as a string, or null. */
  schema?: string | null;
}

export type EntityKind = 'gate' | 'dynamic_config';
export interface EntityByKind {
  gate: SandboxGate;
  dynamic_config: SandboxDynamicConfig;
}
export type SandboxEntity = SandboxGate | SandboxDynamicConfig;

export interface PhaseRule {
  id?: string;
  name: string;
  conditions: Condition[];
  environments?: string[] | null;
  [extra: string]: unknown;
}

export interface SandboxPhase {
  id: string;
  name: string;
  /** A number in the spec; 0 is how the sandbox serves a phase without a timer. */
  timeIntervalMs: number;
  requiredReview: boolean;
  rules: PhaseRule[];
  [extra: string]: unknown;
}

/** ReleasePipelineDto. */
export interface SandboxPipeline {
  id: string;
  name: string;
  creatorID: string;
  createdTime: number;
  lastModifierID: string;
  phases: SandboxPhase[];
  [extra: string]: unknown;
}

export interface TriggerAction {
  type: TriggerActionType;
  timeMs: number;
  phaseID: string;
  actorID: string;
  actorName: string;
}

/** ReleasePipelineTriggerResponseDto but for the two fields that depend on the phase reading. */
export interface TriggerFields {
  id: string;
  releasePipelineID: string;
  status: TriggerStatus;
  currentPhaseEndTime: number | null;
  gateID?: string;
  dynamicConfigID?: string;
  description?: string;
  creatorID: string;
  createdTime: number;
  lastModifierID: string;
  lastModifierName: string;
  actions: TriggerAction[];
}

/** ReleasePipelineTriggerResponseDto. */
export interface SandboxTrigger extends TriggerFields {
  /** The phase's display name, e.g. "Phase 1". */
  currentPhase: string | null;
  currentPhaseID: string | null;
}

/** PaginationResponseMetadataDto; the page links are relative URLs. */
export interface Pagination {
  itemsPerPage: number;
  pageNumber: number;
  nextPage: string | null;
  previousPage: string | null;
  totalItems: number;
}

/** What `POST /change_validation` and `PATCH /change_validation/message` received, in order. */
export type ChangeValidationRecord =
  | {
      kind: 'validation';
      reviewID: string;
      validated: boolean;
      message?: string;
      debugLinks?: Array<{ title: string; url: string }>;
      timeMs: number;
    }
  | { kind: 'message'; reviewID: string; message?: string; timeMs: number };

/** A StatsigEvent as log_event accepted it; `user` is the request's when the event had none. */
export interface LoggedEvent {
  eventName: string;
  value?: string | number;
  /** Milliseconds or an ISO date-time string, as sent; absent when the client sent none. */
  time?: number | string;
  user?: { userID?: string; [extra: string]: unknown };
  metadata?: Record<string, string>;
  [extra: string]: unknown;
}

/** GatePulseResultsDto.monitoringMetrics[].directionality: which way the metric is good. */
export const PULSE_DIRECTIONALITIES = ['increase', 'decrease'] as const;

/**
 * One metric of a rule's Pulse results: the test group (passing the rule) against control. The
 * spec closes this object (additionalProperties: false): only these fields may be served.
 */
export interface PulseMetric {
  metricID: string;
  metricName: string;
  directionality: (typeof PULSE_DIRECTIONALITIES)[number];
  absoluteChange?: number;
  absoluteToplineImpact?: number;
  absoluteToplineImpactDelta?: number;
  confidenceIntervalDelta?: number;
  controlMean?: number;
  controlStd?: number;
  controlUnits?: number;
  pValue?: number;
  percentChange?: number;
  percentConfidenceIntervalDelta?: number;
  percentSequentialTestingConfidenceIntervalDelta?: number;
  projectedAbsoluteToplineImpact?: number;
  projectedAbsoluteToplineImpactDelta?: number;
  projectedRelativeToplineImpact?: number;
  projectedRelativeToplineImpactDelta?: number;
  relativeToplineImpact?: number;
  relativeToplineImpactDelta?: number;
  sequentialTestingConfidenceIntervalDelta?: number;
  testMean?: number;
  testStd?: number;
  testUnits?: number;
}

/** GatePulseResultsDto: a rule's Pulse results as of `ds` (YYYY-MM-DD). */
export interface SandboxPulseResults {
  ds: string;
  monitoringMetrics: PulseMetric[];
}
