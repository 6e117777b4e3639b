// One HTTP call to Statsig: a timeout, the documented error body turned into a StatsigApiError with a
// stable code, Retry-After read, and each call told to an observer (metrics) without IDs or keys.

import { errorMessage } from '../error-message';
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

async function fetchJsonOnce(
  url: string,
  input: FetchJsonInput,
): Promise<{ status: number; json: unknown }> {
  const { method, path } = input;
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = input.signal ? AbortSignal.any([timeout, input.signal]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, { method, headers: input.headers, body: input.body, signal });
  } catch (error) {
    if (timeout.aborted) {
      throw new StatsigApiError(
        'STATSIG_TIMEOUT',
        `Statsig ${method} ${path} timed out after ${input.timeoutMs} ms`,
        { method, path },
      );
    }
    if (input.signal?.aborted) throw error;
    throw new StatsigApiError(
      'STATSIG_NETWORK',
      `Statsig ${method} ${path} failed: ${errorMessage(error)}`,
      { method, path },
      { cause: error },
    );
  }
  const text = await response.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text === '' ? null : JSON.parse(text);
  } catch {
    json = null;
  }
  if (response.ok) return { status: response.status, json };
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
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
  });
}
