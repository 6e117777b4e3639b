// Reviews started, by who started them: the receiver counts webhooks and review-API re-runs, the
// worker counts its catch-up's starts. A process running both roles shares one registry, so the
// counter is made once per registry and found again by the second role.
import { Counter, type Registry } from 'prom-client';
import type { ReviewSource } from '../../workflows/contract';
import { METRIC_PREFIX } from './registry';

const NAME = `${METRIC_PREFIX}reviews_started_total`;

export function reviewStartsCounter(registry: Registry): Counter<'source'> {
  const existing = registry.getSingleMetric(NAME);
  if (existing) return existing as Counter<'source'>;
  return new Counter({
    name: NAME,
    help: 'Reviews started, by source: webhook (redelivered events that found their review are not counted), catch-up, rerun (through the review API).',
    labelNames: ['source'],
    registers: [registry],
  });
}

/** Counts one start; zero-valued series exist from the start, so a rate() is 0 rather than absent. */
export function countStarts(registry: Registry, sources: readonly ReviewSource[]) {
  const counter = reviewStartsCounter(registry);
  for (const source of sources) counter.inc({ source }, 0);
  return (source: ReviewSource, count = 1) => counter.inc({ source }, count);
}
