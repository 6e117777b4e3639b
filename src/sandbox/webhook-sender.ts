// Plays Statsig's side of the outgoing webhook: builds the review event and delivers it signed, the
// way Statsig signs (`X-Statsig-Signature` over the exact bytes sent).
import { signedHeaders } from '../statsig/webhook-signature';

export interface ReviewEventTrigger {
  id: string;
  releasePipelineID: string;
  currentPhaseID?: string | null;
  gateID?: string | null;
  dynamicConfigID?: string | null;
}

export interface ReleasePipelineWaitingForReviewEvent {
  event: 'ReleasePipelineWaitingForReview';
  releasePipelineMetadata: {
    releasePipelineID: string;
    phaseID: string;
    gateID?: string;
    triggerID: string;
  };
}

/**
 * The event Statsig posts when a phase waits for review. The only known example (a gate) carries
 * gateID; nothing says what a dynamic config's carries, so it gets no entity ID at all.
 */
export function reviewEvent(trigger: ReviewEventTrigger): ReleasePipelineWaitingForReviewEvent {
  if (!trigger.currentPhaseID) {
    throw new Error(`Trigger ${trigger.id} has no current phase to review`);
  }
  return {
    event: 'ReleasePipelineWaitingForReview',
    releasePipelineMetadata: {
      releasePipelineID: trigger.releasePipelineID,
      phaseID: trigger.currentPhaseID,
      ...(trigger.gateID ? { gateID: trigger.gateID } : {}),
      triggerID: trigger.id,
    },
  };
}

export interface SendWebhookInput {
  url: string;
  secret: string;
  /** Serialized with JSON.stringify unless rawBody is given. */
  payload?: unknown;
  /** Sent byte for byte (and signed as is); wins over payload. */
  rawBody?: string;
  /** Signature timestamp; now by default. */
  timestampMs?: number;
  /** Added after the signature headers, so a test can override (and break) them. */
  headers?: Record<string, string>;
}

export interface WebhookResponse {
  status: number;
  /** The parsed JSON body, or null when the body is empty or not JSON. */
  body: unknown;
  text: string;
}

export async function sendWebhook(input: SendWebhookInput): Promise<WebhookResponse> {
  const rawBody = input.rawBody ?? JSON.stringify(input.payload);
  if (rawBody === undefined) {
    throw new Error('sendWebhook needs a payload or a rawBody');
  }
  // Headers is case-insensitive, so an override replaces the signed header instead of joining it.
  const headers = new Headers(
    signedHeaders(input.secret, rawBody, input.timestampMs ?? Date.now()),
  );
  for (const [name, value] of Object.entries(input.headers ?? {})) headers.set(name, value);
  const response = await fetch(input.url, { method: 'POST', headers, body: rawBody });
  const text = await response.text();
  return { status: response.status, body: parseJson(text), text };
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
