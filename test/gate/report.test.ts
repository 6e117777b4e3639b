// The Markdown summary people read: what it says when there is no baseline, how it shows each
// statistic, that table cells cannot break the table, and that long case lists point to report.json.

import type { StoredReport } from '../../src/gate/report/document';
import { renderMarkdown } from '../../src/gate/report/markdown';

function report(overrides: Partial<StoredReport> = {}): StoredReport {
  return {
    schemaVersion: 1,
    subject: {
      workflowId: 'review-rpt_1-phase_dev',
      runId: 'run-1',
      triggerID: 'rpt_1',
      phaseID: 'phase_dev',
      releasePipelineID: 'rp_1',
      target: { kind: 'dynamic_config', id: 'chat_prompt', name: 'chat_prompt', version: 4 },
    },
    generatedAt: '2026-01-01T00:00:00.000Z',
    gateVersion: 'v7',
    configHash: 'sha256:abc',
    baseline: { version: null, reason: 'chat_prompt has no version older than 4 to compare with' },
    verdict: 'inconclusive',
    judgement: {
      verdict: 'inconclusive',
      suites: [
        {
          suite: 'latency',
          verdict: 'inconclusive',
          score: 50,
          passScore: 100,
          reason: 'score 50 of 100 needed; undecided: median',
        },
      ],
      criteria: [
        {
          suite: 'latency',
          name: 'median | vs released',
          metric: 'latency_ms',
          op: '<=',
          threshold: 50,
          compare: 'delta',
          observed: 120,
          baselineValue: 100,
          verdict: 'inconclusive',
          reason: 'not significant',
          statistic: { test: 'mann-whitney', u: 12, pValue: 0.2, hypothesis: 'meets', alpha: 0.05 },
        },
        {
          suite: 'latency',
          name: 'p95',
          metric: 'latency_ms',
          op: '<=',
          threshold: 200,
          observed: 180,
          verdict: 'pass',
          reason: 'p95(latency_ms) = 180 meets <= 200',
          critical: true,
        },
      ],
    },
    samplingRounds: 3,
    runs: [
      {
        suite: 'latency',
        benchmark: 'probe',
        role: 'baseline',
        repeat: 0,
        status: 'completed',
        metrics: { p95: 100 },
        durationMs: 5,
        ref: 'x',
        sampleCount: 1,
        caseCount: 0,
      },
      {
        suite: 'latency',
        benchmark: 'probe',
        role: 'candidate',
        repeat: 0,
        status: 'error',
        error: 'connection refused',
      },
    ],
    datasets: [
      {
        suite: 'quality',
        benchmark: 'qa',
        cases: 60,
        flaky: [],
        improvements: [],
        regressions: Array.from({ length: 60 }, (_, index) => ({
          id: `case-${index}`,
          candidate: { runs: 1, passed: 0 },
          baseline: { runs: 1, passed: 1 },
        })),
        table: [],
      },
    ],
    skippedSuites: ['checkout'],
    ...overrides,
  };
}

it('summarises the review, its baseline and its evidence', () => {
  const markdown = renderMarkdown(report());
  expect(markdown).toContain('# Review of chat_prompt (version 4): ⚠️ inconclusive');
  expect(markdown).toContain(
    '- **Baseline:** none: chat_prompt has no version older than 4 to compare with',
  );
  expect(markdown).toContain('- **Config snapshot hash:** sha256:abc');
  expect(markdown).toContain('- **Gate config version:** v7');
  expect(markdown).toContain('- **Sampling rounds:** 3');
  expect(markdown).toContain('Suites not selecting this entity: checkout.');
  expect(markdown).toContain(
    '| latency | median \\| vs released | 120 | 100 | delta <= 50 | Mann-Whitney U=12, p=0.2 (meets) | ⚠️ inconclusive | not significant |',
  );
  expect(markdown).toContain('| latency | p95 (critical) | 180 | – | <= 200 | – | ✅ pass |');
  // Candidate runs first, then the baseline's.
  expect(markdown.indexOf('| candidate | 0 | error: connection refused |')).toBeLessThan(
    markdown.indexOf('| baseline | 0 | p95=100 (5 ms) |'),
  );
});

it('lists 50 cases of a kind and points to report.json for the rest', () => {
  const markdown = renderMarkdown(report());
  expect(markdown).toContain('#### Regressions (60) in quality/qa');
  expect(markdown).toContain('| case-49 | 0/1 | 1/1 |');
  expect(markdown).not.toContain('| case-50 |');
  expect(markdown).toContain('…and 10 more in report.json.');
});

it('shows the decision once the review has acted', () => {
  const markdown = renderMarkdown(
    report({
      decision: {
        outcome: 'decided',
        action: 'approved',
        reason: 'approved by ana: eval box down',
        override: { actor: 'ana', decision: 'approve' },
        decidedAt: '2026-01-01T00:05:00.000Z',
      },
    }),
  );
  expect(markdown).toContain(
    '- **Decision:** approved (decided, approve by ana): approved by ana: eval box down',
  );
});
