// Keys must not reach a log line, a report or Statsig's event stream, even when someone else's text
// carries one (Statsig's own 401 answer names the key it refused; a script may print its token).

/** Statsig's key shapes (`console-…`, `secret-…`, `client-…`) and bearer-style tokens. */
const KEY_PATTERNS = [
  /\b(?:console|secret|client)-[A-Za-z0-9]{8,}\b/g,
  /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
];

/** The text with every key-like token, and every given secret, replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret.length >= 8) redacted = redacted.split(secret).join('[redacted]');
  }
  for (const pattern of KEY_PATTERNS) redacted = redacted.replace(pattern, '[redacted]');
  return redacted;
}
