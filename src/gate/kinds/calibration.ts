// Checking a scorer against people before trusting it: every run grades the scorer's labelled
// calibration cases alongside the real ones and reports how often its pass or fail matched the
// people's. The judge pools these over the review's runs (src/gate/judge/withheld.ts).
import type { BenchmarkContext, CalibrationResult } from '../types';
import { forEachIndex } from './kind';
import type { CalibrationCase, Scorer } from './scorers';

/** Labelled cases a result names when the scorer disagreed, at most. */
const NAMED = 20;

/** The metrics a scorer's grades decide: its own, and every case's pass or fail. */
export function metricsDecidedBy(scorer: Pick<Scorer, 'name'>): string[] {
  return [scorer.name, `score_${scorer.name}`, 'pass', 'pass_rate', 'passed'];
}

/** Whether the scorer graded one labelled case as the people did; an error is a disagreement. */
async function agrees(
  scorer: Scorer,
  item: CalibrationCase,
  id: string,
  signal: AbortSignal,
): Promise<boolean> {
  const passAt = scorer.passAt ?? 1;
  const human = typeof item.label === 'boolean' ? item.label : item.label >= passAt;
  try {
    const value = await scorer.score({
      output: item.output,
      expected: item.expected,
      case: { id, input: item.input, expected: item.expected },
      signal,
    });
    const score = typeof value === 'boolean' ? Number(value) : value;
    return Number.isFinite(score) && score >= passAt === human;
  } catch (error) {
    if (signal.aborted) throw error;
    return false;
  }
}

/** Grades every calibrated scorer's labelled cases, `concurrency` at a time. */
export async function calibrate(
  scorers: readonly Scorer[],
  context: BenchmarkContext,
  concurrency: number,
): Promise<CalibrationResult[]> {
  const results: CalibrationResult[] = [];
  for (const scorer of scorers) {
    const calibration = scorer.calibration;
    if (!calibration) continue;
    const cases = calibration.cases;
    const ids = cases.map((item, index) => item.id ?? `calibration-${index + 1}`);
    const agreed = new Array<boolean>(cases.length).fill(false);
    await forEachIndex(0, cases.length, concurrency, context.signal, async (index) => {
      agreed[index] = await agrees(
        scorer,
        cases[index] as CalibrationCase,
        ids[index] as string,
        context.signal,
      );
    });
    const disagreements = ids.filter((_, index) => !agreed[index]);
    results.push({
      scorer: scorer.name,
      agreed: cases.length - disagreements.length,
      cases: cases.length,
      minAgreement: calibration.minAgreement,
      metrics: metricsDecidedBy(scorer),
      ...(disagreements.length > 0 ? { disagreements: disagreements.slice(0, NAMED) } : {}),
    });
  }
  return results;
}
