// Recording a review in Statsig (log_event) when an answer is lost: Statsig took the events but the
// worker never heard so, and Temporal retries the activity. The Events API can be neither asked what
// it holds nor given an idempotency key, so what the review guarantees is this: every event carries
// a key that is the same on every attempt (what the warehouse de-duplicates on), and once Statsig has
// answered, a marker in the report store keeps any later attempt from sending again.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createRecordResult } from '../../activities/record-result';
import { REVIEW_FILES, ReportStore } from '../../src/gate/report/store';
import type { LoggedEvent } from '../../src/sandbox';
import { StatsigEventsClient } from '../../src/statsig/events-client';
import type { ReviewReport } from '../../workflows/contract';
import { qualityGate } from '../helpers/gates';
import { startReview } from '../helpers/review';
import { releaseConfig, testSeed } from '../helpers/seed';
import { type Stack, startStack } from '../helpers/stack';

jest.setTimeout(120_000);

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ gate: qualityGate(), seed: testSeed(), recordResults: true });
});

afterAll(async () => {
  await stack?.stop();
});

const keyOf = (event: LoggedEvent) => event.metadata?.eventKey;

describe('a review whose log_event answer was lost', () => {
  let report: ReviewReport;
  let review: { workflowId: string; runId: string };
  let logged: LoggedEvent[];

  beforeAll(async () => {
    // Statsig takes the events, then holds its answer past the client's 5 s timeout, once.
    stack.sandbox.sandbox.addFault({
      method: 'POST',
      path: '/log_event$',
      responseDelayMs: 8_000,
      times: 1,
    });
    const trigger = releaseConfig(stack.sandbox.sandbox, { quality: 0.95 });
    const handle = await startReview(stack, trigger);
    report = (await handle.result()) as ReviewReport;
    review = { workflowId: handle.workflowId, runId: (await handle.describe()).runId };
    logged = stack.sandbox.sandbox.loggedEvents.filter(
      (event) => event.metadata?.triggerID === trigger.id,
    );
  });

  it('is recorded all the same, after a retry that sent the events again', () => {
    expect(report.recording).toEqual({ status: 'recorded' });
    const perReview = 1 + report.benchmarks.length;
    // The first attempt's events reached Statsig, and so did the retry's.
    expect(logged).toHaveLength(2 * perReview);
  });

  it('gives every event a key, the same on both attempts and on nothing else', () => {
    const keys = logged.map(keyOf);
    expect(keys.every((key) => typeof key === 'string' && key.length > 0)).toBe(true);
    const distinct = [...new Set(keys)];
    expect(distinct).toHaveLength(1 + report.benchmarks.length);
    for (const key of distinct) {
      const copies = logged.filter((event) => keyOf(event) === key);
      expect(copies).toHaveLength(2);
      // Byte for byte the same event: de-duplicating by key loses nothing.
      expect(copies[1]).toEqual(copies[0]);
      expect(key?.startsWith(`${review.workflowId}/${review.runId}/`)).toBe(true);
    }
    // Keys are unique across reviews too: no other review's event shares one.
    const others = stack.sandbox.sandbox.loggedEvents.filter((event) => !logged.includes(event));
    expect(others.filter((event) => distinct.includes(keyOf(event)))).toEqual([]);
  });

  it('leaves a marker in the report store, naming the keys Statsig acknowledged', () => {
    const file = path.join(
      new ReportStore(stack.reportsDir).reviewDir(review),
      REVIEW_FILES.events,
    );
    expect(existsSync(file)).toBe(true);
    const marker = JSON.parse(readFileSync(file, 'utf8')) as { eventKeys: string[] };
    expect(marker.eventKeys.sort()).toEqual([...new Set(logged.map(keyOf))].sort());
  });

  it('sends nothing on an attempt after Statsig answered (the marker is checked first)', async () => {
    // The attempt Temporal would make if the worker died between Statsig's answer and reporting
    // the activity complete: the same review's execution, the same report store.
    const record = createRecordResult(
      new ReportStore(stack.reportsDir),
      new StatsigEventsClient({
        baseUrl: stack.sandbox.eventsApiUrl,
        serverSecret: stack.serverSecret,
        timeoutMs: 5_000,
      }),
    );
    const before = stack.sandbox.sandbox.loggedEvents.length;
    const quiet = { logger: new DefaultLogger('WARN') };
    const attempt = new MockActivityEnvironment({ workflowExecution: review, attempt: 2 }, quiet);
    expect(await attempt.run(record, report)).toBe('recorded');
    expect(stack.sandbox.sandbox.loggedEvents).toHaveLength(before);

    // Another execution of the same review (a reset) has no marker: its events go, with new keys.
    const reset = new MockActivityEnvironment(
      { workflowExecution: { workflowId: review.workflowId, runId: 'a-reset-run' } },
      quiet,
    );
    expect(await reset.run(record, report)).toBe('recorded');
    const sent = stack.sandbox.sandbox.loggedEvents.slice(before);
    expect(sent).toHaveLength(1 + report.benchmarks.length);
    expect(sent.every((event) => keyOf(event)?.includes('/a-reset-run/'))).toBe(true);
  });
});
