// `send-webhook` and `verify-signature`: checking an installation from the outside, with the same
// signing code the receiver verifies against.

import { readFileSync } from 'node:fs';
import { causeMessage, errorCode } from '../error-message';
import { sendWebhook } from '../sandbox/webhook-sender';
import { computeSignature, verifySignature } from '../statsig/webhook-signature';
import { CliError, UsageError } from './errors';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

/** The bytes of a file, or of standard input for '-'. */
export function readBody(file: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    const code = errorCode(error);
    throw new CliError(`Cannot read ${file === '-' ? 'standard input' : file} (${code}).`);
  }
}

/** Secrets from a flag or STATSIG_WEBHOOK_SECRET (comma-separated, as the receiver reads it). */
function secretsFrom(flag: string | undefined, env: NodeJS.ProcessEnv): string[] {
  const source = flag ?? env.STATSIG_WEBHOOK_SECRET ?? '';
  const secrets = source
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
  if (secrets.length === 0) {
    throw new UsageError('No secret: pass --secret or set STATSIG_WEBHOOK_SECRET.');
  }
  return secrets;
}

function timestampFrom(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{13}$/.test(value)) {
    throw new UsageError(
      `${name} is milliseconds since the epoch (13 digits), e.g. ${Date.now()}.`,
    );
  }
  return Number(value);
}

function describeAge(ms: number): string {
  const seconds = Math.abs(ms) / 1000;
  const amount =
    seconds < 120
      ? `${seconds.toFixed(0)} s`
      : seconds < 7200
        ? `${(seconds / 60).toFixed(0)} min`
        : `${(seconds / 3600).toFixed(1)} h`;
  return ms >= 0 ? `${amount} ago` : `${amount} in the future`;
}

export async function sendWebhookCommand(
  args: { file: string | undefined; url?: string; secret?: string; timestamp?: string },
  env: NodeJS.ProcessEnv,
  io: Output,
): Promise<number> {
  if (args.file === undefined) throw new UsageError('Name the payload file.', 'send-webhook');
  const body = readBody(args.file);
  try {
    JSON.parse(body.toString('utf8'));
  } catch {
    // Sent anyway: testing how a receiver answers a malformed body is a fair use.
    io.err('warning: the payload is not valid JSON; the receiver will answer 400');
  }
  const secret = secretsFrom(args.secret, env)[0] as string;
  const url = args.url ?? `http://localhost:${env.PORT ?? 3000}/webhooks/statsig`;
  const timestampMs = timestampFrom(args.timestamp, '--timestamp') ?? Date.now();
  io.err(`POST ${url} (${body.length} bytes, signed at ${timestampMs})`);
  let response: Awaited<ReturnType<typeof sendWebhook>>;
  try {
    response = await sendWebhook({ url, secret, rawBody: body.toString('utf8'), timestampMs });
  } catch (error) {
    const cause = causeMessage(error);
    throw new CliError(`Could not reach ${url}: ${cause}`);
  }
  io.err(`HTTP ${response.status}`);
  io.out(response.body === null ? response.text : JSON.stringify(response.body, null, 2));
  return response.status >= 200 && response.status < 300 ? 0 : 1;
}

export function verifySignatureCommand(
  args: {
    body?: string;
    timestamp?: string;
    signature?: string;
    secret?: string;
    maxAgeMs?: string;
  },
  env: NodeJS.ProcessEnv,
  io: Output,
  nowMs: number = Date.now(),
): number {
  const missing = (['body', 'timestamp', 'signature'] as const).filter(
    (name) => args[name] === undefined,
  );
  if (missing.length > 0) {
    throw new UsageError(
      `Missing ${missing.map((name) => `--${name}`).join(', ')}.`,
      'verify-signature',
    );
  }
  const body = readBody(args.body as string);
  const secrets = secretsFrom(args.secret, env);
  const timestamp = args.timestamp as string;
  const signature = (args.signature as string).trim();
  let maxAgeMs: number | undefined;
  if (args.maxAgeMs !== undefined) {
    maxAgeMs = Number(args.maxAgeMs);
    if (!Number.isInteger(maxAgeMs) || maxAgeMs <= 0) {
      throw new UsageError('--max-age-ms is a positive number of milliseconds.');
    }
  }
  // Without --max-age-ms the check runs as of the signing time, so an old capture can be checked.
  const timestampMs = Number(timestamp);
  const checkAt = maxAgeMs === undefined && Number.isFinite(timestampMs) ? timestampMs : nowMs;
  const result = verifySignature(
    body,
    { 'x-statsig-signature': signature, 'x-statsig-request-timestamp': timestamp },
    { secrets, toleranceMs: maxAgeMs ?? 1, nowMs: checkAt },
  );
  const age = Number.isFinite(timestampMs) ? `, signed ${describeAge(nowMs - timestampMs)}` : '';
  if (result.ok) {
    io.out(`valid: signed with secret ${result.secretIndex + 1} of ${secrets.length}${age}`);
    return 0;
  }
  io.out(`invalid: ${result.code}${age}`);
  for (const hint of hints(result.code, body, timestamp, signature, secrets, maxAgeMs)) {
    io.out(`  ${hint}`);
  }
  return 1;
}

function hints(
  code: string,
  body: Buffer,
  timestamp: string,
  signature: string,
  secrets: string[],
  maxAgeMs: number | undefined,
): string[] {
  switch (code) {
    case 'TIMESTAMP_INVALID':
      return [
        'X-Statsig-Request-Timestamp is milliseconds since the epoch (13 digits); seconds are not accepted.',
      ];
    case 'TIMESTAMP_OUT_OF_TOLERANCE':
      return [
        `The timestamp is more than ${maxAgeMs} ms from now: the receiver refuses it as a possible replay.`,
      ];
    case 'SIGNATURE_MALFORMED':
      return ['X-Statsig-Signature is v0= followed by 64 lowercase hex digits.'];
    case 'SIGNATURE_MISMATCH': {
      const found: string[] = [
        `None of the ${secrets.length} secret(s) signs these bytes to this signature.`,
      ];
      // The common mistake when capturing a body: an editor or shell added a final newline.
      const trimmed = body.subarray(0, body.length - (body.at(-1) === 0x0a ? 1 : 0));
      if (
        trimmed.length !== body.length &&
        secrets.some((secret) => computeSignature(secret, timestamp, trimmed) === signature)
      ) {
        found.push(
          'It matches without the final newline: the capture added one; the delivery itself is fine.',
        );
      } else {
        found.push(
          'Check that the body is the exact bytes received (not re-formatted JSON) and that the secret is the webhook signing secret from Statsig.',
        );
      }
      return found;
    }
    default:
      return [];
  }
}
