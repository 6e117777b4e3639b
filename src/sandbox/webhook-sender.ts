// Plays Statsig's side of the outgoing webhook: builds the review event and delivers it signed, the
// way Statsig signs (`X-Statsig-Signature` over the exact bytes sent).
import { signedHeaders } from '../statsig/webhook-signature';

/** What the event names: the trigger, the phase waiting for review, and the entity. */
export interface ReviewEventInput {
  triggerID: string;
  /** The phase waiting for review (Sandbox.waitingPhase), which is not always currentPhaseID. */
  phaseID: string;
  releasePipelineID: string;
  gateID?: string;
  dynamicConfigID?: string;
}

export interface ReleasePipelineWaitingForReviewEvent {
  event: 'ReleasePipelineWaitingForReview';
  releasePipelineMetadata: {
    releasePipelineID: string;
    phaseID: string;
    gateID?: string;
    dynamicConfigID?: string;
    triggerID: string;
  };
}

/**
 * The event Statsig posts when a phase waits for review. The only known example (a gate's) carries
 * gateID; nothing shows a dynamic config's, so it carries dynamicConfigID by analogy.
 */
export function reviewEvent(input: ReviewEventInput): ReleasePipelineWaitingForReviewEvent {
  if (!input.phaseID) {
    throw new Error(
      `Trigger ${input.triggerID}: a review event needs the phase waiting for review`,
    );
  }
  return {
    event: 'ReleasePipelineWaitingForReview',
    releasePipelineMetadata: {
      releasePipelineID: input.releasePipelineID,
      phaseID: input.phaseID,
      ...(input.gateID ? { gateID: input.gateID } : {}),
      ...(input.dynamicConfigID ? { dynamicConfigID: input.dynamicConfigID } : {}),
      triggerID: input.triggerID,
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
