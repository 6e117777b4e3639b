// A benchmark run's failure carries someone else's text (a script's stderr, a custom benchmark's
// error) into the workflow's history, the stored report and Statsig's event stream. Key-like tokens
// and the worker's own secrets are redacted from it before it leaves the worker.
import { redactSecrets } from '../src/redact';

/** The error, its message and stack redacted in place (its type, retryability and details kept). */
function redactError(error: unknown, secrets: readonly string[]): unknown {
  if (error instanceof Error) {
    error.message = redactSecrets(error.message, secrets);
    if (error.stack) error.stack = redactSecrets(error.stack, secrets);
  }
  return error;
}

/** The activity, failing with redacted messages. */
export function withRedactedFailures<Args extends unknown[], Result>(
  activity: (...args: Args) => Promise<Result>,
  secrets: readonly string[],
): (...args: Args) => Promise<Result> {
  return async (...args) => {
    try {
      return await activity(...args);
    } catch (error) {
      throw redactError(error, secrets);
    }
  };
}
