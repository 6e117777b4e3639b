// What Statsig answered beyond its documentation: a status or action type it does not list yet, a
// field the spec requires left out, a number where the spec says string. None of them stops a
// review; each becomes a logged, counted reason (the worker's statsig_surprises_total metric).
import { TRIGGER_STATUSES } from './schemas';

export interface StatsigSurprise {
  /** The request path, e.g. `/release_pipeline_triggers/rpt_1`. */
  path: string;
  /** The field, e.g. `status` or `actions[].type`. */
  field: string;
  /** What was there instead, short and free of secrets: a value, `missing` or a type name. */
  value: string;
}

export type StatsigSurpriseObserver = (surprise: StatsigSurprise) => void;

export type ReadKind = 'trigger' | 'entity' | 'pipeline' | 'pulse';

const DIRECTIONALITIES = new Set(['increase', 'decrease']);

const ACTION_TYPES = new Set([
  'STARTED',
  'ABORTED',
  'PAUSED',
  'UNPAUSED',
  'APPROVED_FOR',
  'SKIPPED',
  'FULL_ROLL_OUT',
  'CLEANED_UP',
]);
const STATUSES = new Set<string>(TRIGGER_STATUSES);

type Found = Omit<StatsigSurprise, 'path'>;

function triggerSurprises(trigger: Record<string, unknown>): Found[] {
  const found: Found[] = [];
  const status = trigger.status;
  if (typeof status === 'string' && !STATUSES.has(status)) {
    found.push({ field: 'status', value: status.slice(0, 40) });
  }
  if (typeof trigger.currentPhase === 'number')
    found.push({ field: 'currentPhase', value: 'number' });
  if (typeof trigger.createdTime !== 'number')
    found.push({ field: 'createdTime', value: 'missing' });
  const actions = Array.isArray(trigger.actions) ? trigger.actions : [];
  for (const action of actions as Array<{ type?: unknown }>) {
    if (typeof action.type === 'string' && !ACTION_TYPES.has(action.type)) {
      found.push({ field: 'actions[].type', value: action.type.slice(0, 40) });
    }
  }
  return found;
}

function entitySurprises(entity: Record<string, unknown>): Found[] {
  const found: Found[] = [];
  if (typeof entity.version !== 'number') found.push({ field: 'version', value: 'missing' });
  if (typeof entity.isEnabled !== 'boolean') found.push({ field: 'isEnabled', value: 'missing' });
  const rules = Array.isArray(entity.rules) ? entity.rules : [];
  if ((rules as Array<{ id?: unknown }>).some((rule) => typeof rule.id !== 'string')) {
    found.push({ field: 'rules[].id', value: 'missing' });
  }
  return found;
}

function pipelineSurprises(pipeline: Record<string, unknown>): Found[] {
  const phases = Array.isArray(pipeline.phases) ? pipeline.phases : [];
  return (phases as Array<{ id?: unknown }>).some((phase) => typeof phase.id !== 'string')
    ? [{ field: 'phases[].id', value: 'missing' }]
    : [];
}

function pulseSurprises(results: Record<string, unknown>): Found[] {
  const found: Found[] = [];
  const metrics = Array.isArray(results.monitoringMetrics) ? results.monitoringMetrics : [];
  for (const metric of metrics as Array<{ metricID?: unknown; directionality?: unknown }>) {
    if (typeof metric.metricID !== 'string') {
      found.push({ field: 'monitoringMetrics[].metricID', value: 'missing' });
    }
    const direction = metric.directionality;
    if (typeof direction === 'string' && !DIRECTIONALITIES.has(direction)) {
      found.push({ field: 'monitoringMetrics[].directionality', value: direction.slice(0, 40) });
    }
  }
  return found;
}

/** The undocumented values and missing fields in one parsed answer. */
export function surprisesIn(kind: ReadKind, value: unknown): Found[] {
  if (value === null || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (kind === 'trigger') return triggerSurprises(record);
  if (kind === 'entity') return entitySurprises(record);
  if (kind === 'pulse') return pulseSurprises(record);
  return pipelineSurprises(record);
}
