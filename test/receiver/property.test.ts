// Random bodies and headers thrown at the receiver (Temporal up): it never answers 5xx, and a review
// exists exactly when a correctly signed delivery announcing it was acknowledged and its IDs could
// be read (an unreadable item is set aside; the rest of its batch goes on).
import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import { reviewWorkflowId } from '../../workflows/contract';
import {
  http,
  newSecret,
  signed,
  type TestReceiver,
  TOLERANCE_MS,
  unique,
  useTestReceiver,
  WEBHOOK,
  workflowExists,
} from './helpers';

let client: Client;
let receiver: TestReceiver;

useTestReceiver((started) => {
  ({ client, receiver } = started);
});

/** Printable ASCII: what an HTTP header value can carry. */
const headerText = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  maxLength: 80,
});

const signing = fc.oneof(
  // Weighted so that plenty of deliveries get past the signature and start reviews.
  { weight: 4, arbitrary: fc.constant({ mode: 'valid' as const }) },
  fc.constant({ mode: 'wrong secret' as const }),
  fc.constant({ mode: 'missing signature' as const }),
  fc.constant({ mode: 'missing timestamp' as const }),
  fc.constant({ mode: 'tampered body' as const }),
  headerText.map((value) => ({ mode: 'random signature' as const, value })),
  fc
    .stringMatching(/^[0-9a-f]{64}$/)
    .map((hex) => ({ mode: 'random signature' as const, value: `v0=${hex}` })),
  headerText.map((value) => ({ mode: 'random timestamp' as const, value })),
  fc
    // A minute past the tolerance: a skew of a few ms would come back inside it on a slow machine
    // by the time the receiver reads its clock, and the delivery would be rightly accepted.
    .integer({ min: TOLERANCE_MS + 60_000, max: 10 * TOLERANCE_MS })
    .chain((offset) => fc.constantFrom(offset, -offset))
    .map((offsetMs) => ({ mode: 'skewed clock' as const, offsetMs })),
);

const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constant('application/json') },
  fc.constantFrom('application/json; charset=utf-8', 'application/vnd.statsig+json', 'text/plain'),
  headerText,
  fc.constant(undefined),
);

/** A review event with a trigger-ID suffix the property makes unique; some suffixes are invalid. */
const review = fc.record({
  suffix: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,12}$/), headerText),
  phaseID: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/), fc.string({ maxLength: 5 })),
  extra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
    maxKeys: 3,
  }),
});

const body = fc.oneof(
  fc.record({
    kind: fc.constant('reviews' as const),
    shape: fc.constantFrom('bare', 'data', 'array'),
    reviews: fc.array(review, { minLength: 1, maxLength: 3 }),
    others: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('json' as const), text: fc.json({ maxDepth: 4 }) }),
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ unit: 'binary' }) }),
  fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 512 }) }),
);

type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Generated = { body: ValueOf<typeof body> };

/** Serialises the generated body, giving every review a trigger ID no other run has used. */
/** Whether the receiver can read an ID: printable ASCII without spaces, once trimmed. */
const readable = (id: string) => /^[\x21-\x7e]{1,200}$/.test(id.trim());

interface Announced {
  workflowId: string;
  /** Whether its IDs can be read, so that a signed delivery starts it. */
  readable: boolean;
}

function materialise({ body: generated }: Generated): { raw: Buffer; reviews: Announced[] } {
  if (generated.kind === 'json' || generated.kind === 'text') {
    return { raw: Buffer.from(generated.text, 'utf8'), reviews: [] };
  }
  if (generated.kind === 'bytes') return { raw: Buffer.from(generated.bytes), reviews: [] };
  const run = unique();
  const reviews: Announced[] = [];
  const events = generated.reviews.map(({ suffix, phaseID, extra }, index) => {
    const triggerID = `pbt-${run}-${index}${suffix}`;
    reviews.push({
      workflowId: reviewWorkflowId(triggerID.trim(), phaseID.trim()),
      readable: readable(triggerID) && readable(phaseID),
    });
    return {
      ...extra,
      event: 'ReleasePipelineWaitingForReview',
      releasePipelineMetadata: { releasePipelineID: 'rp_pbt', phaseID, triggerID },
    };
  });
  const all = [...events, ...generated.others];
  if (generated.shape === 'bare') {
    return { raw: Buffer.from(JSON.stringify(events[0])), reviews: reviews.slice(0, 1) };
  }
  const payload = generated.shape === 'data' ? { data: all } : all;
  return { raw: Buffer.from(JSON.stringify(payload)), reviews };
}

function headersFor(
  raw: Buffer,
  how: ValueOf<typeof signing>,
  type: string | undefined,
  requestId: string,
): Record<string, string> {
  const nowMs = Date.now() + (how.mode === 'skewed clock' ? how.offsetMs : 0);
  const signingSecret = how.mode === 'wrong secret' ? newSecret() : receiver.secret;
  const signedOver = how.mode === 'tampered body' ? Buffer.concat([raw, Buffer.from(' ')]) : raw;
  const headers: Record<string, string> = {
    ...signed(signingSecret, signedOver, nowMs),
    'x-request-id': requestId,
  };
  if (how.mode === 'random signature') headers['x-statsig-signature'] = how.value;
  if (how.mode === 'random timestamp') headers['x-statsig-request-timestamp'] = how.value;
  if (how.mode === 'missing signature') delete headers['x-statsig-signature'];
  if (how.mode === 'missing timestamp') delete headers['x-statsig-request-timestamp'];
  if (type === undefined) delete headers['content-type'];
  else headers['content-type'] = type;
  return headers;
}

describe('the receiver under random input', () => {
  it('never answers 5xx and starts a review only for a valid signature', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        signing,
        contentType,
        headerText,
        async (generated, how, type, requestId) => {
          const { raw, reviews } = materialise({ body: generated });
          const response = await http(receiver.url, WEBHOOK, {
            method: 'POST',
            headers: headersFor(raw, how, type, requestId),
            body: raw,
          });
          expect(response.status).toBeLessThan(500);
          if (how.mode !== 'valid') expect([401, 415]).toContain(response.status);

          const exists = await Promise.all(
            reviews.map((review) => workflowExists(client, review.workflowId)),
          );
          const acknowledged = how.mode === 'valid' && response.status === 200;
          expect(exists).toEqual(reviews.map((review) => acknowledged && review.readable));
        },
      ),
      { numRuns: 200 },
    );
  });
});
