// Re-judging one stored review with another gate config's criteria, over the runs it stored: what
// the verdict would have been, and which criteria changed it. Pure apart from the runs' outputs,
// which the caller reads from the report store.
import { evaluate, type RunData } from '../gate/judge';
import { formatNumber } from '../gate/judge/format';
import { resolveCriterion } from '../gate/plan';
import { resolvePolicy } from '../gate/policy';
import type { StoredReport } from '../gate/report/document';
import type { Criterion, GateDefinition } from '../gate/types';
import type { CriterionResult, Judgement, PlannedSuite, Verdict } from '../gate/wire';

export interface Rejudged {
  before: Verdict;
  after: Verdict;
  judgement: Judgement;
  /** Why the verdict moved (or what moved without moving it): one line per criterion or suite. */
  changes: string[];
}

const keyOf = (criterion: Pick<CriterionResult, 'suite' | 'name' | 'metric'>) =>
  `${criterion.suite}/${criterion.name ?? criterion.metric}`;

function threshold(criterion: Pick<Criterion, 'op' | 'threshold' | 'compare'>): string {
  const what = criterion.compare && criterion.compare !== 'absolute' ? `${criterion.compare} ` : '';
  return `${what}${criterion.op} ${formatNumber(criterion.threshold)}`;
}

function observed(criterion: CriterionResult): string {
  return criterion.observed === null
    ? 'nothing observed'
    : `observed ${formatNumber(criterion.observed)}`;
}

/** What changed between a criterion's stored verdict and its new one, if anything did. */
function criterionChange(
  before: CriterionResult | undefined,
  after: CriterionResult,
): string | undefined {
  const name = keyOf(after);
  if (!before)
    return `${name}: new criterion, ${after.verdict} (${observed(after)}, ${threshold(after)}): ${after.reason}`;
  if (before.verdict === after.verdict) return undefined;
  const moved =
    before.threshold !== after.threshold ||
    before.op !== after.op ||
    before.compare !== after.compare
      ? `, threshold ${threshold(before)} → ${threshold(after)}`
      : '';
  return `${name}: ${before.verdict} → ${after.verdict} (${observed(after)}${moved}): ${after.reason}`;
}

/**
 * The new gate's suites of the same names as those the review judged (their benchmarks are the ones
 * that ran), with their current criteria. Suites the new gate dropped or added are named in changes.
 */
export function rejudge(
  report: StoredReport,
  gate: GateDefinition,
  runs: readonly RunData[],
): Rejudged {
  const judged = [
    ...new Set([
      ...(report.judgement.suites ?? []).map((suite) => suite.suite),
      ...report.judgement.criteria.map((criterion) => criterion.suite),
    ]),
  ];
  const changes: string[] = [];
  // A `forEach` suite was judged as copies named `<suite>@<scope>`, each against the same criteria.
  const definitionOf = (name: string) =>
    gate.suites.find((suite) => suite.name === name) ??
    gate.suites.find((suite) => suite.forEach && name.startsWith(`${suite.name}@`));
  const kept = judged.flatMap((name) => {
    const suite = definitionOf(name);
    return suite ? [{ name, suite }] : [];
  });
  for (const name of judged.filter((name) => !kept.some((entry) => entry.name === name))) {
    changes.push(`suite ${name}: no longer in the gate config, so no longer judged`);
  }
  const phase = report.subject.phase ?? null;
  const criteria = kept.flatMap(({ name, suite }) =>
    suite.criteria.map((criterion) => ({ ...resolveCriterion(criterion, phase), suite: name })),
  );
  const suites: PlannedSuite[] = kept.map(({ name, suite }) => ({
    name,
    passScore: suite.passScore ?? 100,
  }));
  const target = report.subject.target;
  const policy = resolvePolicy(gate, target, report.subject.releasePipelineID ?? '');
  const { judgement } = evaluate({
    criteria,
    suites,
    runs,
    baseline: report.baseline,
    onError: policy.onError,
    // The review's own seed: with unchanged criteria the bootstrap draws the same, and so agrees.
    seed: report.subject.workflowId,
  });
  const stored = new Map(
    report.judgement.criteria.map((criterion) => [keyOf(criterion), criterion]),
  );
  for (const criterion of judgement.criteria) {
    const change = criterionChange(stored.get(keyOf(criterion)), criterion);
    if (change) changes.push(change);
  }
  const now = new Set(judgement.criteria.map(keyOf));
  for (const [key, criterion] of stored) {
    if (!now.has(key) && kept.some((suite) => suite.name === criterion.suite)) {
      changes.push(`${key}: removed from the gate config (was ${criterion.verdict})`);
    }
  }
  return { before: report.verdict, after: judgement.verdict, judgement, changes };
}
