// Exit codes and the one error type commands throw for problems the user can fix: the CLI prints its
// message (no stack) and exits with its code.

/** Documented in the README; scripts may key on them. */
export const EXIT = {
  ok: 0,
  /** The command ran and failed: a bad signature, a refused webhook, a bad configuration. */
  failure: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** No such review. */
  notFound: 3,
  /** The review refused the decision: already decided, already acted, or no longer running. */
  refused: 4,
  /** Temporal (or a worker) did not answer. */
  unavailable: 5,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = EXIT.failure,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}
