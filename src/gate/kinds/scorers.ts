// Scorers for `dataset` benchmarks: each turns (output, expected) into a score in [0, 1] or a
// boolean. None needs the network; `llmJudge` is the interface for a judge model you call yourself.
import Ajv from 'ajv';
import type { DatasetCase } from './dataset';

export interface ScoreInput {
  output: unknown;
  expected: unknown;
  case: DatasetCase;
  signal: AbortSignal;
}

export interface Scorer {
  /** Names the case-level metric (the score) and the run-level `score_<name>` mean. */
  name: string;
  score(input: ScoreInput): number | boolean | Promise<number | boolean>;
  /** A case passes this scorer at or above this score. Default 1 (booleans: true). */
  passAt?: number;
  /** Cases people labelled, scored in every run to check the scorer still grades as they do. */
  calibration?: Calibration;
}

/** An output people graded, for checking a scorer (typically an LLM judge) against them. */
export interface CalibrationCase {
  /** Default: `calibration-<position>`. */
  id?: string;
  input: unknown;
  /** The output the people graded; the scorer grades the same. */
  output: unknown;
  expected?: unknown;
  /** Their grade: pass or fail, or a score in [0, 1] that passes at the scorer's passAt. */
  label: boolean | number;
}

/**
 * Human-labelled cases a scorer grades in every run alongside the real ones. When its pass or
 * fail matches the labels on fewer than `minAgreement` of them (pooled over the review's runs),
 * criteria on what it scores are inconclusive, with the agreement measured.
 */
export interface Calibration {
  cases: CalibrationCase[];
  /** Share of labelled cases (0–1] the scorer must agree on, e.g. 0.8. */
  minAgreement: number;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function normalise(value: string, { ignoreCase, trim }: { ignoreCase: boolean; trim: boolean }) {
  const trimmed = trim ? value.trim().replace(/\s+/g, ' ') : value;
  return ignoreCase ? trimmed.toLowerCase() : trimmed;
}

/** Output equals the expected value (strings compared after trimming; objects by their JSON). */
export function exact(
  options: { name?: string; ignoreCase?: boolean; trim?: boolean } = {},
): Scorer {
  const how = { ignoreCase: options.ignoreCase ?? false, trim: options.trim ?? true };
  return {
    name: options.name ?? 'exact',
    score: ({ output, expected }) =>
      normalise(text(output), how) === normalise(text(expected), how),
  };
}

/** Output contains the expected text (or `value`), ignoring case by default. */
export function contains(
  options: { name?: string; value?: string; ignoreCase?: boolean } = {},
): Scorer {
  const how = { ignoreCase: options.ignoreCase ?? true, trim: false };
  return {
    name: options.name ?? 'contains',
    score: ({ output, expected }) =>
      normalise(text(output), how).includes(normalise(options.value ?? text(expected), how)),
  };
}

/** Output matches the regular expression. */
export function regex(pattern: RegExp | string, options: { name?: string } = {}): Scorer {
  const expression = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
  return {
    name: options.name ?? 'regex',
    score: ({ output }) => {
      expression.lastIndex = 0;
      return expression.test(text(output));
    },
  };
}

const ajv = new Ajv({ allErrors: false, strict: false });

/**
 * Output is valid against a JSON Schema (draft-07 / 2019-09 keywords via Ajv). A string output is
 * parsed as JSON first; text that is not JSON scores 0.
 */
export function jsonSchema(schema: object, options: { name?: string } = {}): Scorer {
  const validate = ajv.compile(schema);
  return {
    name: options.name ?? 'json_schema',
    score: ({ output }) => {
      let value = output;
      if (typeof output === 'string') {
        try {
          value = JSON.parse(output);
        } catch {
          return false;
        }
      }
      return validate(value) === true;
    },
  };
}

/**
 * The first number in the output is within `tolerance` of the expected number (absolute, or
 * relative to the expected value with `relative: true`).
 */
export function numeric(options: { tolerance: number; relative?: boolean; name?: string }): Scorer {
  return {
    name: options.name ?? 'numeric',
    score: ({ output, expected }) => {
      const found =
        typeof output === 'number'
          ? output
          : Number(text(output).match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/i)?.[0]);
      const target = Number(expected);
      if (!Number.isFinite(found) || !Number.isFinite(target)) return false;
      const allowed = options.relative ? options.tolerance * Math.abs(target) : options.tolerance;
      return Math.abs(found - target) <= allowed;
    },
  };
}

/** Your own scoring function, returning a score in [0, 1] or a boolean. */
export function custom(
  name: string,
  score: (input: ScoreInput) => number | boolean | Promise<number | boolean>,
  options: { passAt?: number } = {},
): Scorer {
  return { name, score, ...(options.passAt === undefined ? {} : { passAt: options.passAt }) };
}

export interface JudgeRequest {
  rubric: string;
  input: unknown;
  output: unknown;
  expected: unknown;
  signal: AbortSignal;
}

/** What a judge model answers: a score in [0, 1], optionally with its reasoning. */
export type JudgeAnswer = number | { score: number; reason?: string };

/**
 * Grading by a model (LLM-as-judge). rollout-gate makes no network call itself: `judge` is your
 * function that asks the judge model (with your client and key) and returns its score.
 */
export function llmJudge(options: {
  rubric: string;
  judge: (request: JudgeRequest) => Promise<JudgeAnswer>;
  name?: string;
  /** Default 0.5. */
  passAt?: number;
  /** Labelled cases the judge grades in every review; below `minAgreement` it is not trusted. */
  calibration?: Calibration;
}): Scorer {
  return {
    name: options.name ?? 'llm_judge',
    passAt: options.passAt ?? 0.5,
    ...(options.calibration ? { calibration: options.calibration } : {}),
    score: async ({ output, expected, case: item, signal }) => {
      const answer = await options.judge({
        rubric: options.rubric,
        input: item.input,
        output,
        expected,
        signal,
      });
      const score = typeof answer === 'number' ? answer : answer.score;
      if (!(score >= 0 && score <= 1)) {
        throw new RangeError(`the judge answered ${String(score)}; scores must be within [0, 1]`);
      }
      return score;
    },
  };
}
