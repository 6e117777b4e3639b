// Content hashes: the gate config's version and the snapshot of the config under review. Object keys
// are sorted at every depth, so the same content hashes the same whatever order it was written in.
import { createHash } from 'node:crypto';

/**
 * A JSON-able copy of `value` with sorted keys. Functions and regular expressions count by their
 * source text, so editing a benchmark's code changes the hash; a reference back to an enclosing
 * object (a client holding itself) is cut rather than followed forever.
 */
function canonical(value: unknown, enclosing: Set<object>): unknown {
  if (typeof value === 'function') return `fn:${value.toString()}`;
  if (typeof value === 'bigint') return `bigint:${value.toString()}`;
  if (value instanceof RegExp) return `re:${value.toString()}`;
  if (!value || typeof value !== 'object') return value;
  if (enclosing.has(value)) return '[circular]';
  enclosing.add(value);
  const copy = Array.isArray(value)
    ? value.map((item) => canonical(item, enclosing))
    : Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((key) => [key, canonical((value as Record<string, unknown>)[key], enclosing)]),
      );
  enclosing.delete(value);
  return copy;
}

/** `sha256:<hex>` of the canonical JSON of `value`, keeping the first `hexChars` hex digits. */
export function contentHash(value: unknown, hexChars = 64): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(canonical(value, new Set())) ?? '')
    .digest('hex');
  return `sha256:${digest.slice(0, hexChars)}`;
}
