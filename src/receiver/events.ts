// Everything Statsig posts to the webhook URL, recognised and read item by item. One delivery can be
// a bare event, `{"data": [...]}`, `{"data": {...}}`, or a bare JSON array, with events of mixed
// kinds. Unknown fields are kept, unknown event kinds are classified, and an item that cannot be
// read is set aside with its reason: it never costs the rest of the batch.
import { z } from 'zod';
import type { ReviewRequest } from '../../workflows/contract';
import { issuePath } from '../zod-issues';

const REVIEW_EVENT = 'ReleasePipelineWaitingForReview';
const DIGITS = /^\d+$/;

// Statsig's IDs are short printable ASCII. Holding them to that keeps the workflow ID derived from
// them well inside Temporal's limits, so a signed but odd item is set aside, never a 503 loop.
const id = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

/** The same rule for IDs other deliveries carry (a pre-commit webhook's review_id). */
export const statsigIdSchema = id;

/** An entity ID that may come empty (`"gateID": ""` for a dynamic config's release) or missing. */
const optionalId = z
  .union([z.literal(''), id])
  .nullish()
  .transform((value) => value || undefined);

/**
 * Milliseconds since the epoch: a number or a string of digits, whole or with a fraction (which is
 * dropped). 8.64e15 ms is the last instant a JavaScript Date can hold.
 */
const timestampMs = z
  .union([z.number(), z.string().regex(/^\d+(\.\d+)?$/, 'must be a number of milliseconds')])
  .transform(Number)
  .pipe(z.number().min(0).max(8.64e15))
  .transform(Math.floor);

const reviewEventSchema = z.looseObject({
  event: z.string().nullish(),
  releasePipelineMetadata: z.looseObject({
    releasePipelineID: id,
    phaseID: id,
    triggerID: id,
    gateID: optionalId,
    dynamicConfigID: optionalId,
  }),
});

const configChangeSchema = z.looseObject({
  eventName: z.literal('statsig::config_change'),
  timestamp: timestampMs,
  user: z.looseObject({ name: z.string().nullish(), email: z.string().nullish() }).nullish(),
  metadata: z
    .looseObject({
      // Documented kinds are Gate, DynamicConfig, Experiment, Segment, Layer, Holdout and Autotune;
      // Statsig adds kinds over time, so any name is accepted.
      type: z.string().min(1),
      name: z.string().min(1).nullish(),
      id: z.string().min(1).nullish(),
      description: z.string().nullish(),
      // The docs' own signature example carries no action: a change is then just a change.
      action: z.string().min(1).nullish(),
      environment: z.string().nullish(),
    })
    .refine((metadata) => metadata.name || metadata.id, 'needs the entity name or id'),
});

/** A config change as the receiver keeps it: the entity by name or ID, whichever Statsig sent. */
export interface ConfigChangeEvent {
  timestamp: number;
  metadata: {
    type: string;
    /** The entity's name, or its ID when the event carries no name. */
    name: string;
    id?: string;
    action: string;
    description?: string;
    environment?: string;
  };
}

// Custom events and `statsig::*_exposure` events: only the fields that identify an event are held to
// a type, because these are acknowledged and dropped.
const runtimeEventSchema = z.looseObject({
  eventName: z.string().min(1),
  timestamp: timestampMs.optional(),
  timeUUID: z.string().optional(),
});

/**
 * Exactly the conditions of runtimeEventSchema for an event whose eventName is already a non-empty
 * string. Runtime events come 50 to a batch: events that plainly pass skip the schema call, which
 * measured as a fifth of the receiver's CPU per batch. The schema still decides, and names the
 * failing field, for any event this does not pass.
 */
function plainlyValidRuntimeEvent(timestamp: unknown, timeUUID: unknown): boolean {
  return (
    (timestamp === undefined ||
      (typeof timestamp === 'number' && Number.isSafeInteger(timestamp) && timestamp >= 0) ||
      (typeof timestamp === 'string' && DIGITS.test(timestamp))) &&
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

/** What an event looked like, even when it could not be read. */
export type EventKind = 'review' | 'config_change' | 'exposure' | 'custom' | 'unknown';

export type StatsigEvent =
  | { kind: 'review'; review: ReviewTrigger }
  | { kind: 'config_change'; change: ConfigChangeEvent }
  | { kind: 'exposure'; eventName: string }
  | { kind: 'custom'; eventName: string }
  | { kind: 'unknown' }
  /** An item that could not be read: its kind as far as it could be told, and why. */
  | { kind: 'unreadable'; looksLike: EventKind; path: string; reason: string };

export type Delivery =
  | { kind: 'url_verification'; verificationCode: string }
  | { kind: 'events'; events: StatsigEvent[] };

/** A body that is no delivery at all (not an object or array, or `data` of another type). */
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

function unreadable(looksLike: EventKind, path: string, error: z.ZodError): StatsigEvent {
  const issue = error.issues[0];
  return {
    kind: 'unreadable',
    looksLike,
    path: issuePath(issue?.path ?? [], path) || '(event)',
    reason: issue?.message ?? 'invalid',
  };
}

function readReview(item: unknown, path: string): StatsigEvent {
  const parsed = reviewEventSchema.safeParse(item);
  if (!parsed.success) return unreadable('review', path, parsed.error);
  const meta = parsed.data.releasePipelineMetadata;
  return {
    kind: 'review',
    review: {
      releasePipelineID: meta.releasePipelineID,
      triggerID: meta.triggerID,
      phaseID: meta.phaseID,
      ...(meta.gateID ? { gateID: meta.gateID } : {}),
      ...(meta.dynamicConfigID ? { dynamicConfigID: meta.dynamicConfigID } : {}),
    },
  };
}

function readConfigChange(item: unknown, path: string): StatsigEvent {
  const parsed = configChangeSchema.safeParse(item);
  if (!parsed.success) return unreadable('config_change', path, parsed.error);
  const { metadata, timestamp } = parsed.data;
  return {
    kind: 'config_change',
    change: {
      timestamp,
      metadata: {
        type: metadata.type,
        name: (metadata.name ?? metadata.id) as string,
        ...(metadata.id ? { id: metadata.id } : {}),
        action: metadata.action ?? 'changed',
        ...(metadata.description != null ? { description: metadata.description } : {}),
        ...(metadata.environment != null ? { environment: metadata.environment } : {}),
      },
    },
  };
}

function classify(item: unknown, path: string): StatsigEvent {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return {
      kind: 'unreadable',
      looksLike: 'unknown',
      path: path || '(event)',
      reason: 'not an object',
    };
  }
  const record = item as Record<string, unknown>;
  // The review event is known by its metadata; its event name is a hint.
  if (record.releasePipelineMetadata !== undefined || record.event === REVIEW_EVENT) {
    return readReview(item, path);
  }
  const eventName = record.eventName;
  if (eventName === 'statsig::config_change') return readConfigChange(item, path);
  if (typeof eventName === 'string' && eventName.length > 0) {
    const looksLike: EventKind =
      eventName.startsWith('statsig::') && eventName.endsWith('_exposure') ? 'exposure' : 'custom';
    const { timestamp, timeUUID } = record;
    if (!plainlyValidRuntimeEvent(timestamp, timeUUID)) {
      const parsed = runtimeEventSchema.safeParse({ eventName, timestamp, timeUUID });
      if (!parsed.success) return unreadable(looksLike, path, parsed.error);
    }
    return looksLike === 'exposure'
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
    // A bare event is itself the event, whatever else it carries.
    const bare = 'event' in body || 'eventName' in body || 'releasePipelineMetadata' in body;
    if (!bare && Array.isArray(data)) {
      return {
        kind: 'events',
        events: data.map((item, index) => classify(item, `data[${index}]`)),
      };
    }
    if (!bare && data !== null && typeof data === 'object') {
      return { kind: 'events', events: [classify(data, 'data')] };
    }
    if (!bare && data !== undefined) {
      throw new DeliverySchemaError('data', 'expected an array of events or one event');
    }
    return { kind: 'events', events: [classify(body, '')] };
  }
  throw new DeliverySchemaError('', 'expected a JSON object or array');
}
