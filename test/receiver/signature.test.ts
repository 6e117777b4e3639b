// Signature verification against vectors computed by openssl, one test per failure mode.
import { computeSignature, verifySignature } from '../../src/statsig/webhook-signature';
import golden from '../fixtures/golden-signatures.json';

const NOW = Number(golden.timestampMs);
const options = { secrets: [golden.secret], toleranceMs: 5 * 60 * 1000, nowMs: NOW };
const [review, multibyte] = golden.vectors as [
  (typeof golden.vectors)[0],
  (typeof golden.vectors)[0],
];

/** `null` leaves the timestamp header out. */
function headers(signature: string | undefined, timestamp: string | null = golden.timestampMs) {
  return {
    'x-statsig-signature': signature,
    'x-statsig-request-timestamp': timestamp ?? undefined,
  };
}

describe('computeSignature', () => {
  it.each(golden.vectors)('matches openssl for the $name', ({ body, signature }) => {
    expect(computeSignature(golden.secret, golden.timestampMs, Buffer.from(body, 'utf8'))).toBe(
      signature,
    );
  });
});

describe('verifySignature', () => {
  it('accepts the golden vector', () => {
    const result = verifySignature(Buffer.from(review.body), headers(review.signature), options);
    expect(result).toEqual({ ok: true, secretIndex: 0, timestampMs: NOW });
  });

  it('accepts a multibyte UTF-8 body signed over its bytes', () => {
    const result = verifySignature(
      Buffer.from(multibyte.body, 'utf8'),
      headers(multibyte.signature),
      options,
    );
    expect(result.ok).toBe(true);
  });

  it('rejects the multibyte body when it was signed as Latin-1', () => {
    const result = verifySignature(
      Buffer.from(multibyte.body, 'latin1'),
      headers(multibyte.signature),
      options,
    );
    expect(result).toEqual({ ok: false, code: 'SIGNATURE_MISMATCH' });
  });

  it('finds the matching secret among rotated ones', () => {
    const result = verifySignature(Buffer.from(review.body), headers(review.signature), {
      ...options,
      secrets: ['a-brand-new-secret-not-yet-used', golden.secret],
    });
    expect(result).toMatchObject({ ok: true, secretIndex: 1 });
  });

  it.each([
    ['missing signature', headers(undefined), 'SIGNATURE_MISSING'],
    ['empty signature', headers(''), 'SIGNATURE_MISSING'],
    ['missing timestamp', headers(review.signature, null), 'TIMESTAMP_MISSING'],
    [
      'timestamp in seconds',
      headers(review.signature, golden.timestampMs.slice(0, 10)),
      'TIMESTAMP_INVALID',
    ],
    ['non-numeric timestamp', headers(review.signature, 'yesterday'), 'TIMESTAMP_INVALID'],
    ['garbled signature', headers('v0=not-hex-at-all'), 'SIGNATURE_MALFORMED'],
    ['truncated signature', headers(review.signature.slice(0, 40)), 'SIGNATURE_MALFORMED'],
    ['signature without v0=', headers(review.signature.slice(3)), 'SIGNATURE_MALFORMED'],
    [
      'uppercase hex',
      headers(`v0=${review.signature.slice(3).toUpperCase()}`),
      'SIGNATURE_MALFORMED',
    ],
  ])('rejects a %s', (_name, requestHeaders, code) => {
    expect(verifySignature(Buffer.from(review.body), requestHeaders, options)).toEqual({
      ok: false,
      code,
    });
  });

  it('rejects a wrong secret', () => {
    const result = verifySignature(Buffer.from(review.body), headers(review.signature), {
      ...options,
      secrets: ['some-other-secret-of-enough-length'],
    });
    expect(result).toEqual({ ok: false, code: 'SIGNATURE_MISMATCH' });
  });

  it('rejects a body with one byte changed', () => {
    const tampered = Buffer.from(review.body);
    const at = tampered.length - 3;
    tampered[at] = (tampered[at] ?? 0) ^ 0x01;
    expect(verifySignature(tampered, headers(review.signature), options)).toEqual({
      ok: false,
      code: 'SIGNATURE_MISMATCH',
    });
  });

  it.each([
    ['stale', NOW + 5 * 60 * 1000 + 1],
    ['future', NOW - 5 * 60 * 1000 - 1],
  ])('rejects a %s timestamp just outside the tolerance', (_name, nowMs) => {
    const result = verifySignature(Buffer.from(review.body), headers(review.signature), {
      ...options,
      nowMs,
    });
    expect(result).toEqual({ ok: false, code: 'TIMESTAMP_OUT_OF_TOLERANCE' });
  });

  it('accepts a timestamp exactly at the tolerance', () => {
    const result = verifySignature(Buffer.from(review.body), headers(review.signature), {
      ...options,
      nowMs: NOW + 5 * 60 * 1000,
    });
    expect(result.ok).toBe(true);
  });

  it('never treats a zero tolerance or no secrets as "skip the check"', () => {
    const body = Buffer.from(review.body);
    expect(() =>
      verifySignature(body, headers(review.signature), { ...options, toleranceMs: 0 }),
    ).toThrow();
    expect(() =>
      verifySignature(body, headers(review.signature), { ...options, secrets: [] }),
    ).toThrow();
  });
});
