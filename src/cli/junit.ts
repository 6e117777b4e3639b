// A gate's judgement as JUnit XML, which CI systems (GitHub Actions reporters, GitLab, Jenkins) show
// as test results: one test suite per gate suite, one test case per criterion. A failing criterion
// is a <failure>; an inconclusive one an <error> (it could not be judged); an advisory criterion
// never fails its test case, its verdict goes to <system-out>.
import type { CriterionResult, Judgement, RunRecord } from '../gate/wire';

/** Text safe in XML content and attribute values; characters XML 1.0 forbids are dropped. */
export function xmlEscape(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what XML 1.0 forbids.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&apos;')
  );
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${xmlEscape(String(value))}"`)
    .join('');
}

function criterionDetail(criterion: CriterionResult): string {
  const compare =
    criterion.compare && criterion.compare !== 'absolute' ? `${criterion.compare} of ` : '';
  const observed = criterion.observed === null ? 'none' : String(criterion.observed);
  const baseline =
    criterion.baselineValue === undefined || criterion.baselineValue === null
      ? ''
      : `, baseline ${criterion.baselineValue}`;
  const difference =
    criterion.difference === undefined || criterion.difference === null
      ? ''
      : `, ${criterion.compare ?? 'difference'} ${criterion.difference}`;
  return `${compare}${criterion.metric} ${criterion.op} ${criterion.threshold}: observed ${observed}${baseline}${difference}. ${criterion.reason}`;
}

function testCase(criterion: CriterionResult, seconds: string): string {
  const name = criterion.name ?? `${criterion.metric} ${criterion.op} ${criterion.threshold}`;
  const open = `    <testcase${attributes({ classname: `rollout-gate.${criterion.suite}`, name, time: seconds })}`;
  const detail = xmlEscape(criterionDetail(criterion));
  if (criterion.advisory) {
    return `${open}>\n      <system-out>advisory, ${criterion.verdict}: ${detail}</system-out>\n    </testcase>`;
  }
  if (criterion.verdict === 'fail') {
    return `${open}>\n      <failure${attributes({ message: criterion.reason, type: 'fail' })}>${detail}</failure>\n    </testcase>`;
  }
  if (criterion.verdict === 'inconclusive') {
    return `${open}>\n      <error${attributes({ message: criterion.reason, type: 'inconclusive' })}>${detail}</error>\n    </testcase>`;
  }
  return `${open}/>`;
}

/** The judgement as a JUnit XML document; `runs` give each suite's time. */
export function junitXml(judgement: Judgement, runs: readonly RunRecord[], name: string): string {
  const suites = [...new Set(judgement.criteria.map((criterion) => criterion.suite))];
  const blocking = (criterion: CriterionResult) => !criterion.advisory;
  const count = (list: readonly CriterionResult[], verdict: CriterionResult['verdict']) =>
    list.filter((criterion) => blocking(criterion) && criterion.verdict === verdict).length;
  const secondsOf = (suite: string | undefined) =>
    (
      runs
        .filter((run) => suite === undefined || run.suite === suite)
        .reduce((total, run) => total + (run.status === 'completed' ? run.durationMs : 0), 0) / 1000
    ).toFixed(3);
  const body = suites.map((suite) => {
    const criteria = judgement.criteria.filter((criterion) => criterion.suite === suite);
    const head = `  <testsuite${attributes({
      name: suite,
      tests: criteria.length,
      failures: count(criteria, 'fail'),
      errors: count(criteria, 'inconclusive'),
      skipped: 0,
      time: secondsOf(suite),
    })}>`;
    return [head, ...criteria.map((criterion) => testCase(criterion, '0')), '  </testsuite>'].join(
      '\n',
    );
  });
  const all = judgement.criteria;
  const root = `<testsuites${attributes({
    name,
    tests: all.length,
    failures: count(all, 'fail'),
    errors: count(all, 'inconclusive'),
    skipped: 0,
    time: secondsOf(undefined),
  })}>`;
  return ['<?xml version="1.0" encoding="UTF-8"?>', root, ...body, '</testsuites>', ''].join('\n');
}
