// Everything Statsig posts to the webhook URL, recognised and validated with zod. One delivery can be
// a bare event, `{"data": [...]}`, or a bare JSON array, with events of mixed kinds; unknown fields
// are accepted and unknown event kinds are classified, never refused.
import { z } from 'zod';
import type { ReviewRequest } from '../../workflows/contract';
import { issuePath } from '../zod-issues';

const REVIEW_EVENT = 'ReleasePipelineWaitingForReview';
const DIGITS = /^\d+$/;

// Statsig's IDs are short printable ASCII. Holding them to that keeps the workflow ID derived from
// them well inside Temporal's limits, so a signed but odd delivery is a 400, never a 503 loop.
const id = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** Milliseconds since the epoch, as a number or (runtime events, sometimes) a digit string. */
const timestampMs = z
  .union([z.number(), z.string().regex(DIGITS, 'must be a whole number of milliseconds')])
  .transform(Number)
  // 8.64e15 ms is the last instant a JavaScript Date can hold.
  .pipe(z.number().int().min(0).max(8.64e15));

const reviewEventSchema = z.looseObject({
  event: z.literal(REVIEW_EVENT),
  releasePipelineMetadata: z.looseObject({
    releasePipelineID: id,
    phaseID: id,
    triggerID: id,
    gateID: id.nullish(),
  }),
});

const configChangeSchema = z.looseObject({
  eventName: z.literal('statsig::config_change'),
  timestamp: timestampMs,
  user: z.looseObject({ name: z.string().optional(), email: z.string().optional() }).optional(),
  metadata: z.looseObject({
    // Documented kinds are Gate, DynamicConfig, Experiment, Segment, Layer, Holdout and Autotune;
    // Statsig adds kinds over time, so any name is accepted.
    type: z.string().min(1),
    name: z.string().min(1),
    description: z.string().optional(),
    action: z.string().min(1),
    environment: z.string().optional(),
  }),
});
export type ConfigChangeEvent = z.infer<typeof configChangeSchema>;

/** Milliseconds since the epoch as runtime events carry them: a whole number, or its digits. */
function isMsTimestamp(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'string' && DIGITS.test(value))
  );
}

// Custom events and `statsig::*_exposure` events: only the fields that identify an event are held to
// a type, because these are acknowledged and dropped.
const runtimeEventSchema = z.object({
  eventName: z.string().min(1),
  timestamp: z
    .custom<number | string>(isMsTimestamp, 'must be a whole number of milliseconds')
    .optional(),
  timeUUID: z.string().optional(),
});

/**
 * Exactly the conditions of runtimeEventSchema, for an event whose eventName is already known to be
 * a non-empty string. Runtime events come 50 to a batch: events that plainly pass skip the schema
 * call, which measured as a fifth of the receiver's CPU per batch. The schema still decides, and
 * names the failing field, for any event this does not pass.
 */
function plainlyValidRuntimeEvent(timestamp: unknown, timeUUID: unknown): boolean {
  return (
    (timestamp === undefined || isMsTimestamp(timestamp)) &&
    (timeUUID === undefined || typeof timeUUID === 'string')
  );
}

const verificationSchema = z.object({
  data: z.looseObject({
    event: z.literal('url_verification'),
    verification_code: z.string().min(1),
  }),
});

export type ReviewTrigger = Omit<ReviewRequest, 'receivedAtMs'>;

export type StatsigEvent =
  | { kind: 'review'; review: ReviewTrigger }
  | { kind: 'config_change'; change: ConfigChangeEvent }
  | { kind: 'exposure'; eventName: string }
  | { kind: 'custom'; eventName: string }
  | { kind: 'unknown' };

export type Delivery =
  | { kind: 'url_verification'; verificationCode: string }
  | { kind: 'events'; events: StatsigEvent[] };

export class DeliverySchemaError extends Error {
  readonly code = 'WEBHOOK_SCHEMA_INVALID';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path || '(body)'}: ${message}`);
    this.name = 'DeliverySchemaError';
  }
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new DeliverySchemaError(issuePath(issue?.path ?? [], path), issue?.message ?? 'invalid');
}

/** The handshake Statsig sends, unsigned, when the integration is saved. */
function asVerification(body: unknown): string | undefined {
  // Zod only sees bodies that claim to be the handshake. Measured: a failed parse of every
  // 50-event batch made the parsed batches survive young-generation collections, which cost more
  // CPU than verifying and validating them (bench/RESULTS.md).
  const data = (body as { data?: { event?: unknown } } | null)?.data;
  if (typeof data !== 'object' || data === null || data.event !== 'url_verification') {
    return undefined;
  }
  const parsed = verificationSchema.safeParse(body);
  return parsed.success ? parsed.data.data.verification_code : undefined;
}

function classify(item: unknown, path: string): StatsigEvent {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new DeliverySchemaError(path, 'each event must be a JSON object');
  }
  const record = item as Record<string, unknown>;
  if (record.event === REVIEW_EVENT) {
    const { releasePipelineMetadata: meta } = parseWith(reviewEventSchema, item, path);
    return {
      kind: 'review',
      review: {
        releasePipelineID: meta.releasePipelineID,
        triggerID: meta.triggerID,
        phaseID: meta.phaseID,
        ...(meta.gateID ? { gateID: meta.gateID } : {}),
      },
    };
  }
  const eventName = record.eventName;
  if (eventName === 'statsig::config_change') {
    return { kind: 'config_change', change: parseWith(configChangeSchema, item, path) };
  }
  if (typeof eventName === 'string' && eventName.length > 0) {
    const { timestamp, timeUUID } = record;
    if (!plainlyValidRuntimeEvent(timestamp, timeUUID)) {
      parseWith(runtimeEventSchema, { eventName, timestamp, timeUUID }, path);
    }
    return eventName.startsWith('statsig::') && eventName.endsWith('_exposure')
      ? { kind: 'exposure', eventName }
      : { kind: 'custom', eventName };
  }
  return { kind: 'unknown' };
}

export function parseDelivery(body: unknown): Delivery {
  const verificationCode = asVerification(body);
  if (verificationCode !== undefined) return { kind: 'url_verification', verificationCode };
  if (Array.isArray(body)) {
    return { kind: 'events', events: body.map((item, index) => classify(item, `[${index}]`)) };
  }
  if (body !== null && typeof body === 'object') {
    const data = (body as { data?: unknown }).data;
    if (Array.isArray(data)) {
      return {
        kind: 'events',
        events: data.map((item, index) => classify(item, `data[${index}]`)),
      };
    }
    if (data !== undefined && !('event' in body) && !('eventName' in body)) {
      throw new DeliverySchemaError('data', 'expected an array of events');
    }
    return { kind: 'events', events: [classify(body, '')] };
  }
  throw new DeliverySchemaError('', 'expected a JSON object or array');
}
