/** The text of anything thrown: an Error's message, or the value itself as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A system error's code (ENOENT, EACCES…), else its message: enough to say why a file failed. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : errorMessage(error);
}

/** The message of an error's cause (fetch hides the network reason there), else its own. */
export function causeMessage(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause === undefined ? errorMessage(error) : errorMessage(cause);
}

/**
 * Why no answer came. A host with several addresses fails with an AggregateError whose own message
 * is empty: its reason is in the errors, one per address tried.
 */
export function networkReason(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(errorMessage).join('; ');
  }
  return errorMessage(error);
}
