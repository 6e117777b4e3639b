// A gate whose benchmark the test steers per entity: hold it until released (to act mid-run), make it
// throw, run a step of the test while it runs, or just report the `quality` found in the dynamic
// config under review.
import { defineGate } from '../../src/gate/define';
import type { GateDefinition, ReviewPolicy, Target } from '../../src/gate/types';

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

export interface BenchmarkControl {
  /** Resolves when the benchmark has started running for this entity. */
  started: Promise<void>;
  /** Lets a held benchmark finish. */
  release(): void;
  /** How many times the benchmark ran (attempts and reruns) for this entity. */
  runs: number;
  /** Targets the benchmark saw, in order. */
  seen: Target[];
}

/** Runs inside the benchmark, after it started and before it reports: `run` counts from 1. */
export type DuringRun = (run: number, target: Target) => Promise<void> | void;

interface ControlState extends BenchmarkControl {
  hold: boolean;
  error?: string;
  during?: DuringRun;
  startedLatch: Deferred;
  releaseLatch: Deferred;
}

export interface ControllableGate {
  gate: GateDefinition;
  /** Configure the benchmark for one entity (dynamic config or gate ID) before its review starts. */
  control(
    entityID: string,
    options?: { hold?: boolean; error?: string; during?: DuringRun },
  ): BenchmarkControl;
}

function abortable(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
  });
}

export function controllableGate(policy: ReviewPolicy = {}, retries = 0): ControllableGate {
  const controls = new Map<string, ControlState>();
  const gate = defineGate({
    policy,
    suites: [
      {
        name: 'prompt-quality',
        benchmarks: [
          {
            name: 'score',
            retries,
            heartbeatTimeoutMs: 5_000,
            async run({ target, signal }) {
              const control = controls.get(target.id);
              if (control) {
                control.runs += 1;
                control.seen.push(target);
                control.startedLatch.resolve();
                if (control.hold)
                  await Promise.race([control.releaseLatch.promise, abortable(signal)]);
                await control.during?.(control.runs, target);
                if (control.error) throw new Error(control.error);
              }
              const quality = (target.value as { quality?: number } | null)?.quality ?? 0;
              return { metrics: { quality } };
            },
          },
        ],
        criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
      },
    ],
  });
  return {
    gate,
    control(entityID, options = {}) {
      const startedLatch = deferred();
      const releaseLatch = deferred();
      const state: ControlState = {
        hold: options.hold ?? false,
        ...(options.error ? { error: options.error } : {}),
        ...(options.during ? { during: options.during } : {}),
        startedLatch,
        releaseLatch,
        started: startedLatch.promise,
        release: () => releaseLatch.resolve(),
        runs: 0,
        seen: [],
      };
      controls.set(entityID, state);
      return state;
    },
  };
}
