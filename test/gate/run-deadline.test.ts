// The deadline every benchmark run is raced against (activities/run-deadline.ts), and the benchmark
// activity around it: a run that ignores its signal is abandoned a grace after the signal aborts,
// before Temporal's own timeout, and after that nothing of the attempt heartbeats or stays on disk.
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createRunBenchmark } from '../../activities/run-benchmark';
import { RunIgnoredCancellation, runDeadline, stopGraceMs } from '../../activities/run-deadline';
import { defineGate } from '../../src/gate/define';
import { ReportStore } from '../../src/gate/report/store';
import { FAILURE } from '../../workflows/contract';
import { promptTarget } from './context';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runDeadline', () => {
  it('gives a run an eighth of its timeout to stop, within bounds', () => {
    expect(stopGraceMs(3_000)).toBe(375);
    expect(stopGraceMs(600_000)).toBe(10_000);
    expect(stopGraceMs(1_200)).toBe(250);
    expect(stopGraceMs(400)).toBe(100);
  });

  it('aborts the signal two graces before the timeout; a run that then stops keeps its own outcome', async () => {
    const deadline = runDeadline(2_000, new AbortController().signal);
    const started = Date.now();
    const run = new Promise<never>((_, reject) =>
      deadline.signal.addEventListener('abort', () => reject(new Error('stopped politely'))),
    );
    await expect(deadline.settle(run)).rejects.toThrow('stopped politely');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_450);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(deadline.timedOut()).toBe(true);
  });

  it('abandons a run still going a grace after the signal, and hears of it settling later without an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const deadline = runDeadline(1_200, new AbortController().signal);
      let fail: (error: Error) => void = () => undefined;
      const run = new Promise<never>((_, reject) => {
        fail = reject;
      });
      const late: string[] = [];
      const settled = deadline.settle(run, (outcome) => late.push(outcome));
      await expect(settled).rejects.toThrow(RunIgnoredCancellation);
      await expect(settled).rejects.toThrow(
        'ignored its cancellation signal: it was still running 250 ms after its 1200 ms timeout stopped it',
      );
      fail(new Error('finally gave up'));
      await sleep(50);
      expect(late).toEqual(['rejected']);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it("says so when Temporal's cancellation, not the timeout, stopped the run", async () => {
    const cancellation = new AbortController();
    const deadline = runDeadline(4_000, cancellation.signal);
    const settled = deadline.settle(new Promise(() => undefined));
    cancellation.abort(new Error('CANCELLED'));
    await expect(settled).rejects.toMatchObject({
      stoppedBy: 'cancellation',
      message: expect.stringContaining(
        'still running 500 ms after Temporal cancelled it (CANCELLED)',
      ),
    });
    expect(deadline.timedOut()).toBe(false);
  });
});

describe('the benchmark activity', () => {
  let reportsDir: string;
  beforeAll(async () => {
    reportsDir = await mkdtemp(path.join(tmpdir(), 'run-deadline-reports-'));
  });
  afterAll(async () => {
    await rm(reportsDir, { recursive: true, force: true });
  });

  it('fails a run that ignores its signal before the timeout, then neither heartbeats nor keeps its scratch folder', async () => {
    let scratchDir = '';
    const gate = defineGate({
      suites: [
        {
          name: 'stuck',
          benchmarks: [
            {
              name: 'spinner',
              metrics: ['quality'],
              // Heartbeats forever and never settles, whatever its signal says.
              run: (context) => {
                scratchDir = context.scratchDir;
                setInterval(() => context.heartbeat({ still: 'going' }), 50).unref();
                return new Promise(() => undefined);
              },
            },
          ],
          criteria: [{ metric: 'quality', op: '>=', threshold: 0.8 }],
        },
      ],
    });
    const environment = new MockActivityEnvironment(
      { startToCloseTimeoutMs: 2_000 },
      { logger: new DefaultLogger('ERROR') },
    );
    let heartbeats = 0;
    environment.on('heartbeat', () => {
      heartbeats += 1;
    });
    const runBenchmark = createRunBenchmark(gate, new ReportStore(reportsDir));
    const started = Date.now();
    const failure = await environment
      .run(runBenchmark, { suite: 'stuck', benchmark: 'spinner', target: promptTarget({}) })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: FAILURE.benchmarkIgnoredCancellation,
      nonRetryable: true,
      message: expect.stringMatching(/^stuck\/spinner ignored its cancellation signal/),
    });
    expect(heartbeats).toBeGreaterThan(0);
    await expect(access(scratchDir)).rejects.toThrow();

    const before = heartbeats;
    await sleep(1_300);
    expect(heartbeats).toBe(before);
  });
});
