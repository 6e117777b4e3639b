// One HTTP call to Statsig: a timeout, the documented error body turned into a StatsigApiError with a
// stable code, Retry-After read, and each call told to an observer (metrics) without IDs or keys.

import http from 'node:http';
import https from 'node:https';
import { networkReason } from '../error-message';
import { redactSecrets } from '../redact';
import { codeForStatus, parseRetryAfter, StatsigApiError } from './errors';
import { errorBodySchema } from './schemas';

/** One HTTP call to Statsig as metrics see it: no IDs, no bodies, no keys. */
export interface StatsigCall {
  method: string;
  /** The path with IDs replaced, e.g. `/release_pipeline_triggers/{id}/approve`. */
  operation: string;
  /** The HTTP status, or `timeout` / `network` when no answer came. */
  status: string;
  durationMs: number;
}

export type StatsigCallObserver = (call: StatsigCall) => void;

/** `/gates/abc/disable` → `/gates/{id}/disable`: a bounded set of label values. */
export function operationOf(path: string): string {
  return path
    .replace(/\?.*$/, '')
    .replace(/^(\/[a-z_]+)\/[^/]+/, '$1/{id}')
    .replace(/\/(rules?)\/[^/]+$/, '/$1/{ruleID}');
}

export interface FetchJsonInput {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  signal: AbortSignal | undefined;
  onCall: StatsigCallObserver | undefined;
}

export async function fetchJson(url: string, input: FetchJsonInput): Promise<unknown> {
  const { method, path, onCall } = input;
  if (onCall === undefined) return (await fetchJsonOnce(url, input)).json;
  const started = performance.now();
  const report = (status: string) =>
    onCall({
      method,
      operation: operationOf(path),
      status,
      durationMs: performance.now() - started,
    });
  try {
    const { status, json } = await fetchJsonOnce(url, input);
    report(String(status));
    return json;
  } catch (error) {
    if (error instanceof StatsigApiError) {
      const { status } = error.details;
      if (status !== undefined) report(String(status));
      else if (error.code === 'STATSIG_TIMEOUT') report('timeout');
      else report('network');
    }
    throw error;
  }
}

/** What came back: the status, the Retry-After header and the body as text ('' when unreadable). */
interface Answer {
  status: number;
  retryAfter: string | null;
  text: string;
}

// Node's own client rather than fetch: against the loopback sandbox a call takes about half the
// time and half the CPU (fetch's WHATWG streams and headers cost more than the request itself), and
// a review makes half a dozen calls. Idle connections are kept for 4 s, as fetch keeps them.
const KEEP_IDLE_MS = 4_000;
const USER_AGENT = 'rollout-gate';
const httpAgent = new http.Agent({ keepAlive: true, timeout: KEEP_IDLE_MS });
const httpsAgent = new https.Agent({ keepAlive: true, timeout: KEEP_IDLE_MS });

/**
 * One HTTP exchange. Rejects only when no answer came (refused, reset, or the signal fired before
 * the status did). Once the status is in, the answer stands: a body cut off midway, or still
 * arriving when the signal fires, reads as '', like an unreadable one. A write Statsig answered 2xx
 * happened, whatever became of its body (console-client.ts reads it back as unconfirmed), and an
 * error status still says what Statsig refused. Redirects are not followed: the Console API
 * documents none.
 */
function exchange(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string | undefined },
  signal: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    /** Set once the status is in: settles the answer with an unreadable body. */
    let cutOff: (() => void) | undefined;
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    // fetch named itself; Node's client sends no User-Agent, which some front ends refuse.
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    const request = (secure ? https : http).request(
      target,
      { method: init.method, headers, agent: secure ? httpsAgent : httpAgent, signal },
      (response) => {
        const chunks: Buffer[] = [];
        const answer = (text: string) => {
          const retryAfter = response.headers['retry-after'];
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: typeof retryAfter === 'string' ? retryAfter : null,
            text,
          });
        };
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        cutOff = () => answer('');
        // Settling twice is harmless: 'close' after 'end' changes nothing.
        response.on('end', () => answer(Buffer.concat(chunks).toString('utf8')));
        response.on('error', cutOff);
        response.on('close', cutOff);
      },
    );
    // An abort or reset after the status came ends the body, not the answer.
    request.on('error', (error) => (cutOff ? cutOff() : reject(error)));
    request.end(init.body);
  });
}

async function fetchJsonOnce(
  url: string,
  input: FetchJsonInput,
): Promise<{ status: number; json: unknown }> {
  const { method, path } = input;
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;
  let response: Answer;
  try {
    response = await exchange(url, { method, headers: input.headers, body: input.body }, signal);
  } catch (error) {
    if (timeout.aborted) {
      throw new StatsigApiError(
        'STATSIG_TIMEOUT',
        `Statsig ${method} ${path} timed out after ${input.timeoutMs} ms`,
        { method, path },
      );
    }
    // The caller's cancellation, as the caller gave it (an activity's CancelledFailure, an AbortError).
    if (input.signal?.aborted) throw input.signal.reason;
    throw new StatsigApiError(
      'STATSIG_NETWORK',
      `Statsig ${method} ${path} failed: ${networkReason(error)}`,
      { method, path },
      { cause: error },
    );
  }
  const { text } = response;
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (response.status >= 200 && response.status < 300) return { status: response.status, json };
  const code = codeForStatus(response.status);
  const documented = errorBodySchema.safeParse(json);
  // Statsig's 401 names the key it refused: the reason goes to logs and workflow histories.
  const reason = documented.success
    ? redactSecrets(
        documented.data.message,
        Object.entries(input.headers)
          .filter(([name]) => /key|authorization/i.test(name))
          .map(([, value]) => value),
      )
    : `HTTP ${response.status}`;
  throw new StatsigApiError(code, `Statsig ${method} ${path} → ${response.status}: ${reason}`, {
    method,
    path,
    status: response.status,
    retryAfterMs: parseRetryAfter(response.retryAfter),
  });
}
