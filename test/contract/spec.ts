// Validates request and response bodies against Statsig's OpenAPI facts in
// test/fixtures/statsig-spec.json (never against our own zod schemas), for contract tests.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { Json } from './extract-statsig-spec';

export type HttpMethod = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

export interface SpecParameter {
  name: string;
  in: string;
  required: boolean;
  schema: Json;
}

export interface SpecExample {
  /** Where the example sits in the spec: `schema.example`, `example` or `examples/<name>`. */
  sources: string[];
  value: Json;
}

/** A JSON body as the spec describes it; empty when the spec declares no body. */
export interface SpecMedia {
  contentType?: string;
  schema?: Json;
  examples?: SpecExample[];
}

export interface SpecOperation {
  api: 'console' | 'http';
  method: HttpMethod;
  /** The full path template, e.g. `/console/v1/release_pipeline_triggers/{id}`. */
  path: string;
  operationId?: string;
  servers?: string[];
  security?: string[];
  parameters: SpecParameter[];
  requestBody?: SpecMedia & { required: boolean };
  responses: Record<string, SpecMedia>;
}

export interface ErrorShape {
  operationCount: number;
  schema: Json;
}

export interface SpecFixture {
  source: {
    repository: string;
    commit: string;
    date: string | null;
    specs: Record<'console' | 'http', { file: string; path: string | null; infoVersion: string }>;
  };
  operations: SpecOperation[];
  consoleErrorResponses: Record<string, ErrorShape[]>;
  components: { schemas: Record<string, Json> };
}

export interface ValidationResult {
  valid: boolean;
  /** One line per problem: the JSON pointer into the body, what is wrong, and the value found. */
  errors: string[];
}

export interface OperationMatch {
  operation: SpecOperation;
  /** The path parameters, decoded: `{ id: 'abc', ruleID: 'r1' }`. */
  params: Record<string, string>;
}

const FIXTURE_FILE = path.resolve(__dirname, '..', 'fixtures', 'statsig-spec.json');

export const fixture = JSON.parse(readFileSync(FIXTURE_FILE, 'utf8')) as SpecFixture;

// Refs stay as the spec wrote them (`#/components/schemas/X`); they are pointed at this document.
const DOC_ID = 'https://rollout-gate.invalid/statsig-spec.json';
const LOCAL_REF = /^#\/components\/schemas\//;

type JsonObject = { [key: string]: Json };
const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const COMBINERS = ['allOf', 'anyOf', 'oneOf', 'not', '$ref'];

/**
 * OpenAPI 3.0 schema → JSON Schema for Ajv:
 * - `nullable: true` also admits null (a type array, or anyOf with null when combiners are involved);
 * - `oneOf` becomes `anyOf`: the spec's generator writes oneOf for plain unions, and some of its
 *   branches overlap (`targetValue: [string[], number[], …]` would refuse an empty array);
 * - `example` is dropped; `$ref`s point into the fixture's components document.
 */
export function toJsonSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'nullable') continue;
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'required') {
      out[key] = value;
    } else if (key === 'properties' && isObject(value)) {
      const properties: JsonObject = {};
      for (const [name, schema] of Object.entries(value)) properties[name] = toJsonSchema(schema);
      out.properties = properties;
    } else if (key === '$ref' && typeof value === 'string') {
      out.$ref = LOCAL_REF.test(value) ? `${DOC_ID}${value}` : value;
    } else if (key === 'oneOf') {
      out.anyOf = toJsonSchema(value);
    } else out[key] = toJsonSchema(value);
  }
  if (node.nullable !== true) return out;
  if (typeof out.type === 'string' && !COMBINERS.some((key) => key in out)) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function collectFormats(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) for (const item of node) collectFormats(item, into);
  else if (isObject(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'format' && typeof value === 'string') into.add(value);
      else if (key !== 'example' && key !== 'enum') collectFormats(value, into);
    }
  }
}

// ajv-formats is not a direct dependency. Numeric formats (double, int64…) add nothing to `type`;
// the two string formats that can appear in Statsig bodies get a loose check; the rest pass.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const LOOSE_FORMATS: Record<string, (value: string) => boolean> = {
  'date-time': (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)),
  email: (value) => /^[^\s@]+@[^\s@]+$/.test(value),
};

function buildAjv(): Ajv {
  // multipleOfPrecision: passPercentage is `multipleOf: 0.01`, and 33.33 / 0.01 is not an integer
  // in binary floating point.
  const ajv = new Ajv({ strict: false, allErrors: true, multipleOfPrecision: 9 });
  const formats = new Set<string>();
  collectFormats(fixture as unknown as Json, formats);
  for (const format of formats) {
    const check = LOOSE_FORMATS[format];
    ajv.addFormat(format, check ? { type: 'string', validate: check } : true);
  }
  const schemas: JsonObject = {};
  for (const [name, schema] of Object.entries(fixture.components.schemas)) {
    schemas[name] = toJsonSchema(schema);
  }
  ajv.addSchema({ $id: DOC_ID, components: { schemas } });
  return ajv;
}

const ajv = buildAjv();
const compiled = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Json): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(toJsonSchema(schema) as object);
    compiled.set(key, validate);
  }
  return validate;
}

function valueAt(body: unknown, pointer: string): unknown {
  let value = body;
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function explain(error: ErrorObject, body: unknown): string {
  const at = error.instancePath === '' ? '(root)' : error.instancePath;
  const params = error.params as Record<string, unknown>;
  let detail = error.message ?? error.keyword;
  if (error.keyword === 'enum') detail += ` ${JSON.stringify(params.allowedValues)}`;
  if (error.keyword === 'required' || error.keyword === 'additionalProperties') {
    return `${at}: ${detail}`;
  }
  return `${at}: ${detail} (got ${shown(valueAt(body, error.instancePath))})`;
}

function run(validate: ValidateFunction, body: unknown): ValidationResult {
  if (validate(body)) return { valid: true, errors: [] };
  const errors = [...new Set((validate.errors ?? []).map((error) => explain(error, body)))];
  return { valid: false, errors };
}

const invalid = (error: string): ValidationResult => ({ valid: false, errors: [error] });

/** Every operation in the fixture, in the order the extractor lists them. */
export function operations(): readonly SpecOperation[] {
  return fixture.operations;
}

/** The facts of one operation, by its path template; throws when the fixture lacks it. */
export function operation(method: HttpMethod, pathTemplate: string): SpecOperation {
  const found = fixture.operations.find(
    (candidate) => candidate.method === method && candidate.path === pathTemplate,
  );
  if (!found) {
    throw new Error(
      `${method} ${pathTemplate} is not in test/fixtures/statsig-spec.json: add it to OPERATIONS in test/contract/extract-statsig-spec.ts and run npm run spec:extract`,
    );
  }
  return found;
}

/** Every example the spec gives for the operation's responses, with its status. */
export function responseExamples(
  method: HttpMethod,
  pathTemplate: string,
): Array<{ status: number; example: Json; sources: string[] }> {
  const op = operation(method, pathTemplate);
  return Object.entries(op.responses).flatMap(([status, media]) =>
    (media.examples ?? []).map(({ value, sources }) => ({
      status: Number(status),
      example: value,
      sources,
    })),
  );
}

/** Every example the spec gives for the operation's request body. */
export function requestExamples(method: HttpMethod, pathTemplate: string): SpecExample[] {
  return operation(method, pathTemplate).requestBody?.examples ?? [];
}

/** Checks a response body against the schema the spec declares for that status. */
export function validateResponse(
  method: HttpMethod,
  pathTemplate: string,
  status: number,
  body: unknown,
): ValidationResult {
  const op = operation(method, pathTemplate);
  const media = op.responses[String(status)];
  if (!media) {
    const declared = Object.keys(op.responses).join(', ');
    return invalid(
      `${method} ${pathTemplate} declares no ${status} response (declares ${declared})`,
    );
  }
  if (media.schema === undefined) {
    return body === undefined || body === null || body === ''
      ? { valid: true, errors: [] }
      : invalid(`${method} ${pathTemplate} → ${status} declares no body, got ${shown(body)}`);
  }
  return run(validatorFor(`${method} ${pathTemplate} ${status}`, media.schema), body);
}

/** Checks a request body against the operation's request body schema. */
export function validateRequest(
  method: HttpMethod,
  pathTemplate: string,
  body: unknown,
): ValidationResult {
  const op = operation(method, pathTemplate);
  const request = op.requestBody;
  if (request?.schema === undefined) {
    return body === undefined || body === null
      ? { valid: true, errors: [] }
      : invalid(`${method} ${pathTemplate} declares no request body, got ${shown(body)}`);
  }
  if (body === undefined) {
    return request.required
      ? invalid(`${method} ${pathTemplate} requires a request body`)
      : { valid: true, errors: [] };
  }
  return run(validatorFor(`${method} ${pathTemplate} request`, request.schema), body);
}

/**
 * Checks an error body against the Console API's error shapes for that status: our operations
 * declare few error responses, but the spec's ~130 others agree on `{ status, message }`.
 */
export function validateConsoleError(status: number, body: unknown): ValidationResult {
  const shapes = fixture.consoleErrorResponses[String(status)];
  if (!shapes) {
    const known = Object.keys(fixture.consoleErrorResponses).join(', ');
    return invalid(`the Console API declares no ${status} error shape (declares ${known})`);
  }
  const results = shapes.map((shape, index) =>
    run(validatorFor(`console error ${status} #${index}`, shape.schema), body),
  );
  return results.find((result) => result.valid) ?? (results[0] as ValidationResult);
}

function templateSegments(template: string): string[] {
  return template.split('/').slice(1);
}

/**
 * The operation a concrete request path belongs to, such as `/console/v1/gates/abc/rules/r1`
 * (a full URL or a query string is fine too), or undefined. Literal segments beat parameters.
 */
export function matchOperation(method: string, concretePath: string): OperationMatch | undefined {
  const withoutOrigin = concretePath.replace(/^[a-z]+:\/\/[^/]+/i, '');
  const pathOnly = withoutOrigin.split(/[?#]/)[0] ?? '';
  const segments = pathOnly.replace(/\/+$/, '').split('/').slice(1);
  let best: { match: OperationMatch; literals: number } | undefined;
  for (const candidate of fixture.operations) {
    if (candidate.method !== method.toUpperCase()) continue;
    const template = templateSegments(candidate.path);
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const fits = template.every((part, index) => {
      const actual = segments[index] ?? '';
      const param = /^\{(.+)\}$/.exec(part)?.[1];
      if (param === undefined) {
        literals += 1;
        return part === actual;
      }
      if (actual === '') return false;
      params[param] = decodeURIComponent(actual);
      return true;
    });
    if (fits && (best === undefined || literals > best.literals)) {
      best = { match: { operation: candidate, params }, literals };
    }
  }
  return best?.match;
}
