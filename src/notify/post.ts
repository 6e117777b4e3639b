// Sends one notification message over HTTP: a bounded wait, and errors that say whether another
// attempt can help. Destination URLs (a Slack webhook URL is a credential) never reach a message.
import { errorMessage } from '../error-message';

export class NotifyError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'NotifyError';
  }
}

/** Where a URL points, without its path or query (which may hold a token). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

/** POSTs `body`; resolves on 2xx, else throws NotifyError (retryable unless a 4xx other than 408/429). */
export async function postMessage(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<void> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
      signal,
    });
  } catch (error) {
    const why = timeout.aborted ? `no answer within ${options.timeoutMs} ms` : errorMessage(error);
    throw new NotifyError(`${hostOf(url)} did not answer: ${why}`, true);
  }
  // Drain the body so the connection can be reused; its text only helps a person reading the error.
  const text = (await response.text().catch(() => '')).slice(0, 200);
  if (response.ok) return;
  const status = response.status;
  const retryable = status >= 500 || status === 408 || status === 429;
  throw new NotifyError(
    `${hostOf(url)} answered ${status}${text ? `: ${text}` : ''}`,
    retryable,
    status,
  );
}
