// The catch-up's metrics and the starts by source: one counter for every source, shared by the
// receiver and the worker when one process runs both roles.
import { catchUpMetrics } from '../../src/metrics/catch-up';
import { createReceiverMetrics } from '../../src/metrics/receiver';
import { createMetricsRegistry } from '../../src/metrics/registry';
import { createStats } from '../../src/receiver/stats';
import { parsePrometheus, sampleValue } from '../helpers/processes';

it('shows what the last catch-up found and counts starts by source, receiver and worker in one registry', async () => {
  const registry = createMetricsRegistry({ processMetrics: false });
  const receiver = createReceiverMetrics(registry);
  const record = catchUpMetrics(registry);
  receiver.instrument(createStats()).event('review', 'accepted');
  receiver.reviewStarted('rerun');
  record({
    ranAtMs: 1_700_000_000_000,
    waiting: 5,
    started: ['review-a-p', 'review-b-p'],
    withoutReview: [{ triggerID: 'c', phaseID: 'p', workflowId: 'review-c-p', status: 'FAILED' }],
    waitingForPerson: 1,
    retryingStatsig: 2,
  });
  const samples = parsePrometheus(await registry.metrics());
  const value = (name: string, labels: Record<string, string> = {}) =>
    sampleValue(samples, `rollout_gate_${name}`, labels);
  expect(value('reviews_started_total', { source: 'webhook' })).toBe(1);
  expect(value('reviews_started_total', { source: 'rerun' })).toBe(1);
  expect(value('reviews_started_total', { source: 'catch-up' })).toBe(2);
  expect(value('waiting_phases')).toBe(5);
  expect(value('waiting_phases_without_review')).toBe(1);
  expect(value('reviews_waiting_for_person')).toBe(1);
  expect(value('reviews_retrying_statsig')).toBe(2);
  expect(value('catch_up_timestamp_seconds')).toBe(1_700_000_000);
});
