// One error type for everything that can go wrong talking to Statsig, with a stable code and whether
// a retry can help. Activities turn it into Temporal failures; nothing else inspects HTTP statuses.

export type StatsigErrorCode =
  | 'STATSIG_BAD_REQUEST'
  | 'STATSIG_UNAUTHORIZED'
  | 'STATSIG_FORBIDDEN'
  | 'STATSIG_NOT_FOUND'
  | 'STATSIG_RATE_LIMITED'
  | 'STATSIG_SERVER_ERROR'
  | 'STATSIG_TIMEOUT'
  | 'STATSIG_NETWORK'
  | 'STATSIG_BAD_RESPONSE';

// An answer rollout-gate cannot read may be a proxy's error page or a cut-off body: reading again is
// safe, and an answer that stays unreadable ends the read's retries with that reason.
const RETRYABLE: ReadonlySet<StatsigErrorCode> = new Set([
  'STATSIG_RATE_LIMITED',
  'STATSIG_SERVER_ERROR',
  'STATSIG_TIMEOUT',
  'STATSIG_NETWORK',
  'STATSIG_BAD_RESPONSE',
]);

export class StatsigApiError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: StatsigErrorCode,
    message: string,
    readonly details: {
      readonly method: string;
      readonly path: string;
      readonly status?: number;
      /** From Retry-After, when Statsig sent one. */
      readonly retryAfterMs?: number;
    },
    /** What failed underneath (the HTTP client's network error), for callers that must tell apart how. */
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StatsigApiError';
    this.retryable = RETRYABLE.has(code);
  }
}

export function codeForStatus(status: number): StatsigErrorCode {
  if (status === 400 || status === 409 || status === 422) return 'STATSIG_BAD_REQUEST';
  if (status === 401) return 'STATSIG_UNAUTHORIZED';
  if (status === 403) return 'STATSIG_FORBIDDEN';
  if (status === 404) return 'STATSIG_NOT_FOUND';
  if (status === 429) return 'STATSIG_RATE_LIMITED';
  if (status >= 500) return 'STATSIG_SERVER_ERROR';
  // Any other 4xx is a request Statsig will keep refusing.
  return 'STATSIG_BAD_REQUEST';
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(
  value: string | null,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
