// A benchmark run cannot outlive its deadline. JavaScript cannot stop a promise from the outside, so
// a run whose code ignores its AbortSignal (a custom `run`, a dataset `model`) is raced against the
// deadline instead: once its signal aborts it gets a short grace to stop, and is then abandoned. The
// activity ends at that point (freeing its worker slot, stopping its heartbeats and removing its
// scratch folder, see run-benchmark.ts), while the abandoned code may go on running inside the worker
// process until it returns by itself. `command` benchmarks are the exception: their kind kills the
// script's process group on the same signal (src/gate/kinds/command.ts).
import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../workflows/contract';

/** The shortest and longest time a stopped run is given to stop on its own. */
const MIN_GRACE_MS = 250;
const MAX_GRACE_MS = 10_000;

/**
 * Time a stopped run gets to stop on its own: an eighth of its timeout, between 250 ms and 10 s, and
 * never more than a quarter of the timeout (so a short timeout still leaves the run most of it).
 */
export function stopGraceMs(timeoutMs: number): number {
  const grace = Math.min(MAX_GRACE_MS, Math.max(MIN_GRACE_MS, Math.round(timeoutMs / 8)));
  return Math.min(grace, Math.floor(timeoutMs / 4));
}

/** The run did not settle within the grace after its signal aborted, and was abandoned. */
export class RunIgnoredCancellation extends Error {
  constructor(
    /** What stopped it: its own timeout, or Temporal cancelling the attempt (a decided review). */
    readonly stoppedBy: 'timeout' | 'cancellation',
    timeoutMs: number,
    graceMs: number,
    /** Temporal's reason (CANCELLED, WORKER_SHUTDOWN, TIMED_OUT…), when it cancelled the attempt. */
    reason?: string,
  ) {
    const by =
      stoppedBy === 'timeout'
        ? `its ${timeoutMs} ms timeout stopped it`
        : `Temporal cancelled it${reason ? ` (${reason})` : ''}`;
    super(
      `ignored its cancellation signal: it was still running ${graceMs} ms after ${by}, so the run ` +
        'was abandoned (its worker slot and scratch folder were freed, but code that does not honour ' +
        'context.signal may keep running inside the worker process until it returns)',
    );
    this.name = 'RunIgnoredCancellation';
  }
}

/**
 * The failure of an abandoned run, for the report to show. Not retried: a retry would start a second
 * copy beside the one that may still be running.
 */
export function abandonedRunFailure(
  benchmark: string,
  error: RunIgnoredCancellation,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE.benchmarkIgnoredCancellation,
    message: `${benchmark} ${error.message}`,
    nonRetryable: true,
  });
}

export interface RunDeadline {
  /** Aborted at the run's deadline or when Temporal cancels the attempt: the run's `signal`. */
  readonly signal: AbortSignal;
  /** Whether the run's own deadline (rather than Temporal's cancellation) aborted the signal first. */
  timedOut(): boolean;
  /**
   * The run's own outcome, or a RunIgnoredCancellation when it is still running a grace after the
   * signal aborted. `onLateSettle` hears of an abandoned run that settles at last (never rejects:
   * an abandoned run's late failure must not become an unhandled rejection that stops the worker).
   */
  settle<T>(run: Promise<T>, onLateSettle?: (outcome: 'resolved' | 'rejected') => void): Promise<T>;
}

/**
 * The deadline of one attempt that Temporal gives `timeoutMs` (its start-to-close timeout). The
 * signal aborts two graces early: one grace for the run to stop, one for the activity's failure to
 * reach the server before the server times the attempt out itself, since the server's failure
 * ("activity StartToClose timeout") could not say that the code ignored its cancellation.
 */
export function runDeadline(timeoutMs: number, cancellation: AbortSignal): RunDeadline {
  const graceMs = stopGraceMs(timeoutMs);
  const deadline = AbortSignal.timeout(Math.max(0, timeoutMs - 2 * graceMs));
  const signal = AbortSignal.any([cancellation, deadline]);
  // What aborted the signal first: Temporal cancels an attempt it has timed out too, afterwards.
  let stoppedBy: 'timeout' | 'cancellation' | undefined;
  const stopped = () => {
    stoppedBy ??= cancellation.aborted ? 'cancellation' : 'timeout';
  };
  if (signal.aborted) stopped();
  else signal.addEventListener('abort', stopped, { once: true });
  const timedOut = () => stoppedBy === 'timeout';
  return {
    signal,
    timedOut,
    settle<T>(run: Promise<T>, onLateSettle?: (outcome: 'resolved' | 'rejected') => void) {
      return new Promise<T>((resolve, reject) => {
        let abandoned = false;
        let grace: NodeJS.Timeout | undefined;
        const giveUp = () => {
          grace = setTimeout(() => {
            abandoned = true;
            const reason = cancellation.reason instanceof Error ? cancellation.reason.message : '';
            reject(
              new RunIgnoredCancellation(
                timedOut() ? 'timeout' : 'cancellation',
                timeoutMs,
                graceMs,
                reason,
              ),
            );
          }, graceMs);
        };
        const done = (outcome: 'resolved' | 'rejected', finish: () => void) => {
          if (abandoned) {
            onLateSettle?.(outcome);
            return;
          }
          signal.removeEventListener('abort', giveUp);
          if (grace) clearTimeout(grace);
          finish();
        };
        if (signal.aborted) giveUp();
        else signal.addEventListener('abort', giveUp, { once: true });
        run.then(
          (value) => done('resolved', () => resolve(value)),
          (error: unknown) => done('rejected', () => reject(error)),
        );
      });
    },
  };
}
