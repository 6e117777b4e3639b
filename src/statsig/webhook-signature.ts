// Statsig webhook signatures: `v0=` + hex(HMAC-SHA256(secret, `v0:<timestamp ms>:<raw body bytes>`)).
// Pure and synchronous so it can be tested against frozen vectors with an injected clock.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-statsig-signature';
export const TIMESTAMP_HEADER = 'x-statsig-request-timestamp';

/** Stable codes: logs and tests key on these, never on message text. */
export type SignatureFailureCode =
  | 'SIGNATURE_MISSING'
  | 'TIMESTAMP_MISSING'
  | 'TIMESTAMP_INVALID'
  | 'TIMESTAMP_OUT_OF_TOLERANCE'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_MISMATCH';

export type SignatureResult =
  | { ok: true; secretIndex: number; timestampMs: number }
  | { ok: false; code: SignatureFailureCode };

// A v0 signature is exactly `v0=` and 64 lowercase hex digits; anything else is rejected before any
// comparison, which also keeps timingSafeEqual (which throws on unequal lengths) on equal buffers.
const SIGNATURE_FORMAT = /^v0=[0-9a-f]{64}$/;
// Milliseconds since the epoch: 13 digits until the year 2286. A 10-digit value is seconds, which
// Statsig does not send; rejecting it by shape gives a clearer code than "out of tolerance".
const TIMESTAMP_FORMAT = /^[0-9]{13}$/;

export function computeSignature(
  secret: string,
  timestamp: string,
  rawBody: Buffer | string,
): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/** Headers a correctly signed Statsig delivery carries; used by the sandbox's sender and tests. */
export function signedHeaders(
  secret: string,
  rawBody: Buffer | string,
  nowMs: number = Date.now(),
): Record<string, string> {
  const timestamp = String(nowMs);
  return {
    'content-type': 'application/json',
    'X-Statsig-Request-Timestamp': timestamp,
    'X-Statsig-Signature': computeSignature(secret, timestamp, rawBody),
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

export interface VerifyOptions {
  secrets: readonly string[];
  toleranceMs: number;
  nowMs: number;
}

export function verifySignature(
  rawBody: Buffer,
  headers: Record<string, string | string[] | undefined>,
  { secrets, toleranceMs, nowMs }: VerifyOptions,
): SignatureResult {
  if (!(toleranceMs > 0) || secrets.length === 0) {
    // A zero tolerance or no secret must never turn into "skip the check".
    throw new Error('verifySignature needs at least one secret and a positive tolerance');
  }
  const signature = single(headers[SIGNATURE_HEADER]);
  const timestamp = single(headers[TIMESTAMP_HEADER]);
  if (signature === undefined || signature === '') return { ok: false, code: 'SIGNATURE_MISSING' };
  if (timestamp === undefined || timestamp === '') return { ok: false, code: 'TIMESTAMP_MISSING' };
  if (!TIMESTAMP_FORMAT.test(timestamp)) return { ok: false, code: 'TIMESTAMP_INVALID' };
  const timestampMs = Number(timestamp);
  if (Math.abs(nowMs - timestampMs) > toleranceMs) {
    return { ok: false, code: 'TIMESTAMP_OUT_OF_TOLERANCE' };
  }
  if (!SIGNATURE_FORMAT.test(signature)) return { ok: false, code: 'SIGNATURE_MALFORMED' };
  const received = Buffer.from(signature, 'latin1');
  // Check every secret, without stopping early, so timing does not reveal which one matched.
  let secretIndex = -1;
  secrets.forEach((secret, index) => {
    const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), 'latin1');
    if (timingSafeEqual(expected, received) && secretIndex === -1) secretIndex = index;
  });
  if (secretIndex === -1) return { ok: false, code: 'SIGNATURE_MISMATCH' };
  return { ok: true, secretIndex, timestampMs };
}
