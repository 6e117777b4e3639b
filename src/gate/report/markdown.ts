// The review's evidence as people read it: a Markdown summary (criteria table, suites, runs, flaky
// cases and regressions) of a stored report. Pure: the report store writes what this builds.
import { type DatasetAnalysis, formatNumber } from '../judge';
import { versionText } from '../judge/format';
import type { CriterionResult, PhaseSummary, RuleState, RunRecord, Verdict } from '../wire';
import type { StoredReport } from './document';

/** Entries of each case list the Markdown shows. */
const CASES_IN_MARKDOWN = 50;

function cell(value: string): string {
  return value.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function num(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : formatNumber(value);
}

function statisticText(criterion: CriterionResult): string {
  const statistic = criterion.statistic;
  if (!statistic) return '–';
  const look = statistic.sequential;
  const text = testText(criterion);
  // On one of several looks: which, and the level it was judged at.
  return look ? `${text}; look ${look.look}/${look.looks}, α ${num(look.nominalAlpha)}` : text;
}

function testText(criterion: CriterionResult): string {
  const statistic = criterion.statistic as NonNullable<CriterionResult['statistic']>;
  if (statistic.test === 'mann-whitney') {
    return `Mann-Whitney U=${num(statistic.u)}, p=${num(statistic.pValue)} (${statistic.hypothesis})`;
  }
  const [low, high] = statistic.interval ?? [Number.NaN, Number.NaN];
  const confidence = formatNumber((statistic.confidence ?? 0) * 100);
  // A regression's interval is a fraction of the baseline: shown in percent, like its threshold.
  const show = (value: number) =>
    criterion.compare === 'regression' ? `${formatNumber(value * 100)}%` : num(value);
  return `${statistic.test} ${confidence}% [${show(low)}, ${show(high)}]`;
}

function thresholdText(criterion: CriterionResult): string {
  if (criterion.compare === 'regression') {
    return `regression ${criterion.op} ${formatNumber(criterion.threshold * 100)}%`;
  }
  if (criterion.compare === 'delta') return `delta ${criterion.op} ${num(criterion.threshold)}`;
  return `${criterion.op} ${num(criterion.threshold)}`;
}

const VERDICT_MARK: Record<Verdict, string> = {
  pass: '✅ pass',
  fail: '❌ fail',
  inconclusive: '⚠️ inconclusive',
};

function caseList(title: string, cases: DatasetAnalysis['flaky'], benchmark: string): string[] {
  if (cases.length === 0) return [];
  const lines = [`#### ${title} (${cases.length}) in ${benchmark}`, ''];
  lines.push('| case | candidate passed | baseline passed |', '| --- | --- | --- |');
  for (const item of cases.slice(0, CASES_IN_MARKDOWN)) {
    const side = ({ runs, passed }: { runs: number; passed: number }) =>
      runs === 0 ? '–' : `${passed}/${runs}`;
    lines.push(`| ${cell(item.id)} | ${side(item.candidate)} | ${side(item.baseline)} |`);
  }
  if (cases.length > CASES_IN_MARKDOWN) {
    lines.push('', `…and ${cases.length - CASES_IN_MARKDOWN} more in report.json.`);
  }
  lines.push('');
  return lines;
}

/** How many runs came from the run cache, and from which reviews (none: undefined). */
function reusedFact(runs: readonly RunRecord[]): string | undefined {
  const sources = new Map<string, number>();
  for (const run of runs) {
    if (run.status !== 'completed' || !run.reused) continue;
    const source = `${run.reused.workflowId} (run ${run.reused.runId})`;
    sources.set(source, (sources.get(source) ?? 0) + 1);
  }
  if (sources.size === 0) return undefined;
  const count = [...sources.values()].reduce((sum, n) => sum + n, 0);
  const from = [...sources].map(([source, n]) => `${n} from ${source}`).join('; ');
  return `${count} of ${runs.length}, taken from the run cache instead of measured: ${from}`;
}

/** The review's subject, baseline, hashes and decision, as a list of facts. */
function factLines(report: StoredReport): string[] {
  const { subject } = report;
  const facts: Array<[string, string]> = [
    ['Workflow', `${subject.workflowId} (run ${subject.runId})`],
    [
      'Entity',
      `${subject.target.kind} ${subject.target.id}, ${versionText(subject.target.version)}`,
    ],
  ];
  if (subject.releasePipelineID) facts.push(['Release pipeline', subject.releasePipelineID]);
  if (subject.triggerID)
    facts.push(['Trigger / phase', `${subject.triggerID} / ${subject.phaseID ?? '–'}`]);
  if (subject.phase) facts.push(['Phase', phaseText(subject.phase)]);
  facts.push(
    [
      'Baseline',
      report.baseline.reason !== undefined
        ? `none: ${report.baseline.reason}`
        : `${versionText(report.baseline.version)}${report.baseline.configHash ? ` (${report.baseline.configHash})` : ''}`,
    ],
    ['Config snapshot hash', report.configHash],
    ['Gate config version', report.gateVersion],
    ['Sampling rounds', String(report.samplingRounds)],
  );
  const reused = reusedFact(report.runs);
  if (reused) facts.push(['Reused runs', reused]);
  facts.push(['Generated', report.generatedAt]);
  if (report.decision) {
    const by = report.decision.override
      ? `, ${report.decision.override.decision} by ${report.decision.override.actor}`
      : '';
    facts.push([
      'Decision',
      `${report.decision.action} (${report.decision.outcome}${by}): ${report.decision.reason}`,
    ]);
    const rules = report.decision.rollback?.rules ?? [];
    for (const change of rules) {
      facts.push([
        `Rolled back ${change.rule.name ?? change.rule.id ?? '?'}`,
        `${stateText(change.before)} → ${stateText(change.after)} (${change.status})`,
      ]);
    }
  }
  return facts.map(([name, value]) => `- **${name}:** ${value}`);
}

/** "Staging (50%)", its position, where it reaches and how far. */
function phaseText(phase: PhaseSummary): string {
  const position =
    phase.index === null
      ? ''
      : ` (phase ${phase.index + 1}${phase.phaseCount ? ` of ${phase.phaseCount}` : ''})`;
  const where = phase.environments === null ? 'every environment' : phase.environments.join(', ');
  const percentage = phase.passPercentage === null ? '' : `, up to ${phase.passPercentage}%`;
  return `${phase.name ?? phase.id}${position}: ${phase.rules.length} rule(s) in ${where}${percentage}`;
}

/** A rule's changed fields, short: a value is named by its size, not printed. */
function stateText(state: RuleState): string {
  const parts: string[] = [];
  if (state.passPercentage !== undefined) parts.push(`passPercentage ${state.passPercentage}`);
  if ('returnValue' in state) {
    parts.push(`returnValue (${JSON.stringify(state.returnValue ?? null).length} bytes)`);
  }
  return parts.join(', ');
}

/** The suites' and criteria's tables (also the body of `gate run --markdown`). */
export function suiteAndCriteriaLines({ judgement }: StoredReport): string[] {
  const lines = [
    '## Suites',
    '',
    '| suite | verdict | score | needed | reason |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const suite of judgement.suites ?? []) {
    lines.push(
      `| ${cell(suite.suite)} | ${VERDICT_MARK[suite.verdict]} | ${formatNumber(suite.score)} | ${formatNumber(suite.passScore)} | ${cell(suite.reason)} |`,
    );
  }
  lines.push('', '## Criteria', '');
  lines.push(
    '| suite | criterion | observed | baseline | threshold | statistic | verdict | reason |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const criterion of judgement.criteria) {
    const role = criterion.critical ? ' (critical)' : criterion.advisory ? ' (advisory)' : '';
    lines.push(
      [
        '',
        cell(criterion.suite),
        cell(`${criterion.name ?? criterion.metric}${role}`),
        num(criterion.observed),
        num(criterion.baselineValue),
        cell(thresholdText(criterion)),
        cell(statisticText(criterion)),
        VERDICT_MARK[criterion.verdict],
        cell(criterion.reason),
        '',
      ]
        .join(' | ')
        .trim(),
    );
  }
  return lines;
}

/** Every run and what it measured, as a table. */
export function runLines(report: StoredReport): string[] {
  // When runs came from the run cache, a column names the review that measured each.
  const reused = report.runs.some((run) => run.status === 'completed' && run.reused);
  const lines = [
    '## Runs',
    '',
    `| suite | benchmark | side | repeat | result |${reused ? ' measured by |' : ''}`,
    `| --- | --- | --- | --- | --- |${reused ? ' --- |' : ''}`,
  ];
  const order = (run: RunRecord) =>
    `${run.suite}\u0000${run.benchmark}\u0000${run.role === 'candidate' ? 0 : 1}\u0000${String(run.repeat).padStart(6, '0')}`;
  for (const run of [...report.runs].sort((a, b) => order(a).localeCompare(order(b)))) {
    const result =
      run.status === 'completed'
        ? `${Object.entries(run.metrics)
            .slice(0, 8)
            .map(([name, value]) => `${name}=${formatNumber(value)}`)
            .join(', ')} (${run.durationMs} ms)`
        : `error: ${run.error}`;
    const measuredBy =
      run.status === 'completed' && run.reused
        ? `${run.reused.workflowId} at ${run.reused.measuredAt} (reused)`
        : 'this review';
    lines.push(
      `| ${cell(run.suite)} | ${cell(run.benchmark)} | ${run.role} | ${run.repeat} | ${cell(result)} |${reused ? ` ${cell(measuredBy)} |` : ''}`,
    );
  }
  return lines;
}

function caseLines(report: StoredReport): string[] {
  const withCases = report.datasets.filter(
    (analysis) =>
      analysis.flaky.length + analysis.regressions.length + analysis.improvements.length > 0,
  );
  if (withCases.length === 0) return [];
  const lines = [
    '## Cases',
    '',
    'Flaky cases passed in some runs and failed in others; they are listed apart from regressions (passed on the baseline every time, never on the candidate).',
    '',
  ];
  for (const analysis of withCases) {
    const where = `${analysis.suite}/${analysis.benchmark}`;
    lines.push(
      ...caseList('Regressions', analysis.regressions, where),
      ...caseList('Flaky', analysis.flaky, where),
      ...caseList('Improvements', analysis.improvements, where),
    );
  }
  return lines;
}

/** The Markdown summary of a stored report. */
export function renderMarkdown(report: StoredReport): string {
  const { subject } = report;
  const lines: string[] = [
    `# Review of ${subject.target.name} (${versionText(subject.target.version)}): ${VERDICT_MARK[report.verdict]}`,
    '',
    ...factLines(report),
    '',
  ];
  if (report.skippedSuites.length > 0) {
    lines.push(`Suites not selecting this entity: ${report.skippedSuites.join(', ')}.`, '');
  }
  lines.push(...suiteAndCriteriaLines(report), '', ...runLines(report));
  const cases = caseLines(report);
  if (cases.length > 0) lines.push('', ...cases);
  return `${lines.join('\n').trimEnd()}\n`;
}
