// What `gate run` shows: the verdict on the terminal, suite by suite, and a Markdown summary fit for
// a pull-request comment (the stored report's tables, src/gate/report/markdown.ts).
import { versionText } from '../gate/judge/format';
import { REPORT_SCHEMA_VERSION, type StoredReport } from '../gate/report/document';
import { runLines, suiteAndCriteriaLines } from '../gate/report/markdown';
import type { Target } from '../gate/types';
import type { BaselineStatus, ReviewPlan, Verdict } from '../gate/wire';
import { configHash } from '../statsig/targets';
import type { LocalRunResult } from './local-runner';

export interface GateRunSummary {
  candidate: Target;
  candidateFrom: string;
  baseline: Target | null;
  baselineFrom: string;
  plan: ReviewPlan;
  result: LocalRunResult;
  baselineStatus: BaselineStatus;
}

const MARK: Record<Verdict, string> = { pass: 'ok  ', fail: 'FAIL', inconclusive: '??  ' };
const HEADLINE: Record<Verdict, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  inconclusive: '⚠️ inconclusive',
};

function baselineText(status: BaselineStatus): string {
  return status.reason !== undefined
    ? `none (${status.reason})`
    : `${versionText(status.version)}, measured in the same run`;
}

/** The verdict suite by suite, criterion by criterion, as the demo prints a review's. */
export function verdictLines({ plan, result, baselineStatus }: GateRunSummary): string[] {
  const { judgement } = result.evaluation;
  const lines = [`   baseline: ${baselineText(baselineStatus)}`];
  for (const suite of judgement.suites ?? []) {
    lines.push(`   ${MARK[suite.verdict]} suite ${suite.suite}: ${suite.reason}`);
    for (const criterion of judgement.criteria.filter((c) => c.suite === suite.suite)) {
      const note = criterion.critical ? ' [critical]' : criterion.advisory ? ' [advisory]' : '';
      lines.push(
        `     ${MARK[criterion.verdict]} ${criterion.name ?? criterion.metric}${note}: ${criterion.reason}`,
      );
    }
  }
  if (plan.skippedSuites.length > 0) {
    lines.push(`   not selected: ${plan.skippedSuites.join(', ')}`);
  }
  const rounds =
    result.samplingRounds === 1 ? '1 sampling round' : `${result.samplingRounds} sampling rounds`;
  lines.push(`verdict: ${judgement.verdict} (${result.runs.length} runs, ${rounds})`);
  return lines;
}

function storedReport({ candidate, baseline, plan, result, baselineStatus }: GateRunSummary) {
  const report: StoredReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    subject: {
      workflowId: 'gate-run',
      runId: 'local',
      target: {
        kind: candidate.kind,
        id: candidate.id,
        name: candidate.name,
        version: candidate.version,
      },
    },
    generatedAt: new Date().toISOString(),
    gateVersion: plan.gateVersion,
    configHash: configHash(candidate),
    baseline: baseline ? { ...baselineStatus, configHash: configHash(baseline) } : baselineStatus,
    verdict: result.evaluation.judgement.verdict,
    judgement: result.evaluation.judgement,
    samplingRounds: result.samplingRounds,
    runs: result.runs,
    datasets: result.evaluation.datasets,
    skippedSuites: plan.skippedSuites,
  };
  return report;
}

/** A pull-request comment: the verdict, what was compared, the failing criteria, the tables. */
export function gateRunMarkdown(summary: GateRunSummary): string {
  const report = storedReport(summary);
  const { judgement } = report;
  const failing = judgement.criteria.filter(
    (criterion) => criterion.verdict !== 'pass' && !criterion.advisory,
  );
  const lines = [
    `## rollout-gate: ${HEADLINE[judgement.verdict]} for \`${summary.candidate.name}\``,
    '',
    `- **Candidate:** ${summary.candidate.kind} \`${summary.candidate.name}\` from ${summary.candidateFrom} (config hash \`${report.configHash}\`)`,
    `- **Baseline:** ${summary.baselineFrom}; ${baselineText(summary.baselineStatus)}`,
    `- **Gate config version:** \`${report.gateVersion}\``,
  ];
  if (failing.length > 0) {
    lines.push('', '**Not passing:**', '');
    for (const criterion of failing) {
      lines.push(
        `- ${criterion.verdict === 'fail' ? '❌' : '⚠️'} ${criterion.suite}/${criterion.name ?? criterion.metric}: ${criterion.reason}`,
      );
    }
  }
  lines.push('', ...suiteAndCriteriaLines(report).map((line) => line.replace(/^## /, '### ')));
  lines.push('', `<details><summary>Runs (${report.runs.length})</summary>`, '');
  // Without its '## Runs' heading and the blank line after it: the summary element names it.
  lines.push(...runLines(report).slice(2), '', '</details>', '');
  return lines.join('\n');
}
