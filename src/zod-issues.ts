// One way to name what failed validation: a field path (`data[0].releasePipelineMetadata.phaseID`)
// and a message a person can act on. The receiver, the sandbox and the CLI answer with it.
import type { z } from 'zod';

/** A zod issue's path as people write it: `.name` for fields, `[0]` for array items. */
export function issuePath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  const joined = path.reduce<string>(
    (acc, segment) =>
      typeof segment === 'number' ? `${acc}[${segment}]` : `${acc}.${String(segment)}`,
    prefix,
  );
  return joined.startsWith('.') ? joined.slice(1) : joined;
}

export interface IssueSummary {
  /** The failing field, or `root` when the whole value failed. */
  path: string;
  /** `<path>: <what is wrong>`; unknown fields are named as such. */
  message: string;
}

/** The first issue of a failed parse, for an answer that names one field. */
export function firstIssue(error: z.ZodError, root: string): IssueSummary {
  const issue = error.issues[0];
  if (issue?.code === 'unrecognized_keys') {
    return { path: issue.keys.join(', '), message: `unknown field ${issue.keys.join(', ')}` };
  }
  const path = issuePath(issue?.path ?? []) || root;
  return { path, message: `${path}: ${issue?.message ?? 'invalid'}` };
}

/** Every issue of a failed parse, `; `-separated. */
export function allIssues(error: z.ZodError, root: string): string {
  return error.issues
    .map((issue) => `${issuePath(issue.path) || root}: ${issue.message}`)
    .join('; ');
}
