// A suite's verdict from its criteria (score by weight, critical and advisory criteria), and the
// review's from its suites.
import type { CriterionResult, PlannedSuite, SuiteResult, Verdict } from '../wire';
import { formatNumber } from './format';

/** Any fail decides; otherwise anything unknown keeps the review from passing. */
export function overallVerdict(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive') || verdicts.length === 0) return 'inconclusive';
  return 'pass';
}

export function judgeSuite(suite: PlannedSuite, results: readonly CriterionResult[]): SuiteResult {
  const blocking = results.filter((result) => !result.advisory);
  const passScore = suite.passScore;
  // Advisory criteria never block, so a suite of nothing else has nothing to hold the review on.
  if (blocking.length === 0) {
    return {
      suite: suite.name,
      verdict: 'pass',
      score: 100,
      passScore,
      reason: 'only advisory criteria',
    };
  }
  const criticalFail = blocking.find((result) => result.critical && result.verdict === 'fail');
  const total = blocking.reduce((sum, result) => sum + (result.weight ?? 1), 0);
  const passed = blocking
    .filter((r) => r.verdict === 'pass')
    .reduce((sum, r) => sum + (r.weight ?? 1), 0);
  const open = blocking
    .filter((r) => r.verdict === 'inconclusive')
    .reduce((sum, r) => sum + (r.weight ?? 1), 0);
  const score = (100 * passed) / total;
  const best = (100 * (passed + open)) / total;
  const failing = blocking.filter((r) => r.verdict === 'fail').map((r) => r.name ?? r.metric);
  const pending = blocking
    .filter((r) => r.verdict === 'inconclusive')
    .map((r) => r.name ?? r.metric);
  const scoreText = `score ${formatNumber(score)} of ${formatNumber(passScore)} needed`;
  if (criticalFail) {
    return {
      suite: suite.name,
      verdict: 'fail',
      score,
      passScore,
      reason: `critical criterion ${criticalFail.name} failed`,
    };
  }
  const criticalOpen = blocking.find(
    (result) => result.critical && result.verdict === 'inconclusive',
  );
  if (best < passScore) {
    return {
      suite: suite.name,
      verdict: 'fail',
      score,
      passScore,
      reason: `${scoreText}; failing: ${failing.join(', ')}`,
    };
  }
  if (score >= passScore && !criticalOpen) {
    return {
      suite: suite.name,
      verdict: 'pass',
      score,
      passScore,
      reason:
        failing.length + pending.length === 0 ? 'every blocking criterion passed' : `${scoreText}`,
    };
  }
  // Measurements set aside (an untrusted scorer, too little live data) say why in the suite too.
  const withheld = [
    ...new Set(
      blocking
        .filter((result) => result.verdict === 'inconclusive' && result.withheld)
        .map((result) => result.reason),
    ),
  ];
  return {
    suite: suite.name,
    verdict: 'inconclusive',
    score,
    passScore,
    reason: `${scoreText}; undecided: ${pending.join(', ')}${withheld.map((reason) => `; ${reason}`).join('')}`,
  };
}
