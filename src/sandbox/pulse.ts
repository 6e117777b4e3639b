// Pulse results per gate rule: what tests set (programmatically or over the admin API) for
// `GET /gates/{id}/rules/{ruleID}/pulse_results` to serve. A rule nobody set results for has none
// yet: an empty list of metrics for today.
import { z } from 'zod';
import { PULSE_DIRECTIONALITIES, type PulseMetric, type SandboxPulseResults } from './documents';
import { SandboxError } from './errors';
import { isoDay } from './http';

const NUMBER_FIELDS = [
  'absoluteChange',
  'absoluteToplineImpact',
  'absoluteToplineImpactDelta',
  'confidenceIntervalDelta',
  'controlMean',
  'controlStd',
  'controlUnits',
  'pValue',
  'percentChange',
  'percentConfidenceIntervalDelta',
  'percentSequentialTestingConfidenceIntervalDelta',
  'projectedAbsoluteToplineImpact',
  'projectedAbsoluteToplineImpactDelta',
  'projectedRelativeToplineImpact',
  'projectedRelativeToplineImpactDelta',
  'relativeToplineImpact',
  'relativeToplineImpactDelta',
  'sequentialTestingConfidenceIntervalDelta',
  'testMean',
  'testStd',
  'testUnits',
] as const;

// Strict, as the spec's metric object is: an unknown field would make the answer spec-invalid.
const pulseMetricSchema = z.strictObject({
  metricID: z.string().min(1),
  metricName: z.string(),
  directionality: z.enum(PULSE_DIRECTIONALITIES),
  ...Object.fromEntries(NUMBER_FIELDS.map((field) => [field, z.number().optional()])),
}) as unknown as z.ZodType<PulseMetric>;

/** What tests may set: the results, `ds` defaulting to the sandbox's today. */
export const pulseResultsInputSchema = z.strictObject({
  ds: isoDay.optional(),
  monitoringMetrics: z.array(pulseMetricSchema),
});
export type PulseResultsInput = z.input<typeof pulseResultsInputSchema>;

const today = (now: number) => new Date(now).toISOString().slice(0, 10);

export class PulseStore {
  private readonly results = new Map<string, SandboxPulseResults>();

  constructor(private readonly now: () => number) {}

  clear(): void {
    this.results.clear();
  }

  /** Sets a rule's results (validated); throws SandboxError 400 on a body the spec would refuse. */
  set(gateID: string, ruleID: string, input: unknown): SandboxPulseResults {
    const parsed = pulseResultsInputSchema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ');
      throw new SandboxError('INVALID_BODY', 400, `Invalid pulse results: ${problems}`);
    }
    const results: SandboxPulseResults = {
      ds: parsed.data.ds ?? today(this.now()),
      monitoringMetrics: parsed.data.monitoringMetrics,
    };
    this.results.set(`${gateID}\u0000${ruleID}`, structuredClone(results));
    return structuredClone(results);
  }

  get(gateID: string, ruleID: string): SandboxPulseResults {
    const found = this.results.get(`${gateID}\u0000${ruleID}`);
    return found ? structuredClone(found) : { ds: today(this.now()), monitoringMetrics: [] };
  }
}
