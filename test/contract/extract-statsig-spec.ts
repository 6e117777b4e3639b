// Extracts the facts rollout-gate relies on from Statsig's published OpenAPI specs into
// test/fixtures/statsig-spec.json, the yardstick contract tests read instead of our own zod schemas.
// Usage: npx tsx test/contract/extract-statsig-spec.ts [specDir]   (or STATSIG_SPEC_DIR=…)
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const DEFAULT_SPEC_DIR = path.resolve(
  PROJECT_ROOT,
  '..',
  'shared',
  'reference',
  'statsig-openapi',
);
export const FIXTURE_PATH = path.join(PROJECT_ROOT, 'test', 'fixtures', 'statsig-spec.json');

export type ApiName = 'console' | 'http';

const SPEC_FILES: Record<ApiName, string> = {
  console: 'capiopenapi.json',
  http: 'httpopenapi.json',
};

export interface OperationKey {
  api: ApiName;
  method: 'GET' | 'PUT' | 'PATCH' | 'POST';
  path: string;
}

const CONSOLE = '/console/v1';
const triggerAction = (action: string): OperationKey => ({
  api: 'console',
  method: 'PUT',
  path: `${CONSOLE}/release_pipeline_triggers/{id}/${action}`,
});

/** Every Statsig operation rollout-gate calls, serves in its sandbox, or may come to call. */
export const OPERATIONS: readonly OperationKey[] = [
  { api: 'console', method: 'GET', path: `${CONSOLE}/release_pipeline_triggers` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/release_pipeline_triggers/{id}` },
  ...['approve', 'abort', 'pause', 'unpause', 'skip', 'rollout'].map(triggerAction),
  { api: 'console', method: 'GET', path: `${CONSOLE}/release_pipelines/{id}` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/gates/{id}` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/gates/{id}/versions` },
  { api: 'console', method: 'PUT', path: `${CONSOLE}/gates/{id}/disable` },
  { api: 'console', method: 'PUT', path: `${CONSOLE}/gates/{id}/enable` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/gates/{id}/rules` },
  { api: 'console', method: 'PATCH', path: `${CONSOLE}/gates/{id}/rules/{ruleID}` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/gates/{id}/rules/{ruleID}/pulse_results` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/dynamic_configs/{id}` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/dynamic_configs/{id}/versions` },
  { api: 'console', method: 'PUT', path: `${CONSOLE}/dynamic_configs/{id}/disable` },
  { api: 'console', method: 'PUT', path: `${CONSOLE}/dynamic_configs/{id}/enable` },
  { api: 'console', method: 'GET', path: `${CONSOLE}/dynamic_configs/{id}/rules` },
  { api: 'console', method: 'PATCH', path: `${CONSOLE}/dynamic_configs/{id}/rule/{ruleId}` },
  { api: 'console', method: 'POST', path: `${CONSOLE}/change_validation` },
  { api: 'console', method: 'PATCH', path: `${CONSOLE}/change_validation/message` },
  { api: 'http', method: 'POST', path: '/v1/log_event' },
];

// Prose and presentation: dropped so the fixture changes only when a fact does.
const PROSE_KEYS = new Set(['description', 'summary', 'title']);
// Keywords whose values are data, not schemas: copied as they are, even a `description` inside.
const DATA_KEYS = new Set(['example', 'default', 'enum', 'const', 'required']);
// Keywords whose values are maps from a name to a schema, so the names are never stripped.
const SCHEMA_MAP_KEYS = new Set(['properties', 'patternProperties', 'definitions']);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(message: string): never {
  throw new Error(`extract-statsig-spec: ${message}`);
}

/** Sorts object keys at every depth: JSON objects are unordered, and this keeps diffs stable. */
export function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObject(value)) return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys(value[key] as Json);
  return sorted;
}

/** A schema without its prose; property names and example data are left alone. */
export function stripSchema(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(stripSchema);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if ((PROSE_KEYS.has(key) && typeof value === 'string') || key === 'externalDocs') continue;
    if (DATA_KEYS.has(key)) out[key] = value;
    else if (SCHEMA_MAP_KEYS.has(key) && isObject(value)) {
      const map: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) map[name] = stripSchema(sub);
      out[key] = map;
    } else out[key] = stripSchema(value);
  }
  return out;
}

function collectRefs(value: Json, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectRefs(item, into);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, sub] of Object.entries(value)) {
    // Example data may hold anything, including a key named $ref.
    if (key === 'example' || key === 'default' || key === 'enum') continue;
    if (key === '$ref') {
      if (typeof sub !== 'string') fail(`non-string $ref ${JSON.stringify(sub)}`);
      into.add(sub);
    } else collectRefs(sub, into);
  }
}

const SCHEMA_REF = /^#\/components\/schemas\/([^/]+)$/;

/** Names of the component schemas `roots` reach through $ref, transitively. */
function refClosure(roots: Json[], schemas: JsonObject, api: ApiName): string[] {
  const names = new Set<string>();
  const pending: Json[] = [...roots];
  while (pending.length > 0) {
    const refs = new Set<string>();
    collectRefs(pending.pop() as Json, refs);
    for (const ref of refs) {
      const name = SCHEMA_REF.exec(ref)?.[1] ?? fail(`${api}: unsupported $ref ${ref}`);
      if (names.has(name)) continue;
      const schema = schemas[name] ?? fail(`${api}: $ref ${ref} names no schema`);
      names.add(name);
      pending.push(schema);
    }
  }
  return [...names].sort();
}

export interface SourceHeader {
  repository: string;
  commit: string;
  date: string | null;
  /** Where each file lives in the source repository. */
  paths: Partial<Record<ApiName, string>>;
}

/** Reads where the copy came from out of the README that sits beside the spec files. */
export function readSourceHeader(readme: string): SourceHeader {
  const commit =
    /commit\s+`([0-9a-f]{40})`/.exec(readme)?.[1] ??
    fail('README.md names no 40-hex commit in the form: commit `<sha>`');
  const repository =
    /repository\s+`([\w.-]+\/[\w.-]+)`/.exec(readme)?.[1] ??
    fail('README.md names no source repository in the form: repository `owner/name`');
  const date = new RegExp(`${commit}\`\\s*\\((\\d{4}-\\d{2}-\\d{2})\\)`).exec(readme)?.[1] ?? null;
  const paths: Partial<Record<ApiName, string>> = {};
  for (const api of Object.keys(SPEC_FILES) as ApiName[]) {
    const file = SPEC_FILES[api].replace('.', '\\.');
    const upstream = new RegExp(`\`${file}\`[^(\\n]*\\(\`([^\`]+)\` there\\)`).exec(readme)?.[1];
    if (upstream !== undefined) paths[api] = upstream;
  }
  return { repository, commit, date, paths };
}

interface LoadedSpec {
  api: ApiName;
  file: string;
  sha256: string;
  doc: JsonObject;
}

function loadSpec(specDir: string, api: ApiName): LoadedSpec {
  const file = SPEC_FILES[api];
  const raw = readFileSync(path.join(specDir, file));
  const doc = JSON.parse(raw.toString('utf8')) as Json;
  if (!isObject(doc)) fail(`${file} is not a JSON object`);
  return { api, file, sha256: createHash('sha256').update(raw).digest('hex'), doc };
}

function servers(value: Json | undefined): Json {
  if (!Array.isArray(value)) return [];
  return value.map((server) => (isObject(server) ? (server.url ?? null) : null));
}

type ExampleFact = {
  /** Where the example sits in the media type: `schema.example`, `example` or `examples/<name>`. */
  sources: string[];
  value: Json;
};

/**
 * Every example of one media type. The same value often appears both beside an allOf wrapper
 * (`schema.example`) and as `example`: it is listed once, with every place it came from.
 */
function mediaExamples(media: JsonObject, where: string): ExampleFact[] {
  const found: Array<{ source: string; value: Json }> = [];
  const schema = media.schema;
  if (isObject(schema) && 'example' in schema) {
    found.push({ source: 'schema.example', value: schema.example as Json });
  }
  if ('example' in media) found.push({ source: 'example', value: media.example as Json });
  if (isObject(media.examples)) {
    for (const [name, example] of Object.entries(media.examples)) {
      if (!isObject(example) || !('value' in example)) {
        fail(`${where}: example ${name} has no inline value`);
      }
      found.push({ source: `examples/${name}`, value: example.value as Json });
    }
  }
  const byValue = new Map<string, ExampleFact>();
  for (const { source, value } of found) {
    const key = JSON.stringify(sortKeys(value));
    const fact = byValue.get(key);
    if (fact) fact.sources.push(source);
    else byValue.set(key, { sources: [source], value: sortKeys(value) });
  }
  for (const fact of byValue.values()) fact.sources.sort();
  return [...byValue.values()].sort((a, b) =>
    (a.sources[0] ?? '').localeCompare(b.sources[0] ?? ''),
  );
}

/** The JSON media type of a request body or response, with its schema and examples apart. */
function mediaFacts(content: Json | undefined, where: string): JsonObject {
  if (!isObject(content)) return {};
  const types = Object.keys(content).sort();
  if (types.length === 0) return {};
  const contentType = types.find((type) => type.includes('json')) ?? fail(`${where}: no JSON body`);
  if (types.length > 1) fail(`${where}: several media types (${types.join(', ')})`);
  const media = content[contentType];
  if (!isObject(media)) fail(`${where}: media type is not an object`);
  const schema = isObject(media.schema) ? { ...media.schema } : {};
  // Moved to `examples`; kept inside the schema it would be compiled as a keyword for nothing.
  delete schema.example;
  return {
    contentType,
    schema: sortKeys(stripSchema(schema)),
    examples: mediaExamples(media, where),
  };
}

function operationFacts(spec: LoadedSpec, key: OperationKey): { facts: JsonObject; roots: Json[] } {
  const where = `${spec.file} ${key.method} ${key.path}`;
  const paths = spec.doc.paths;
  const item = isObject(paths) ? paths[key.path] : undefined;
  const op = isObject(item) ? item[key.method.toLowerCase()] : undefined;
  if (!isObject(op)) fail(`${where}: no such operation in the spec`);

  const parameters = (Array.isArray(op.parameters) ? op.parameters : []).map((param) => {
    if (!isObject(param) || typeof param.name !== 'string') fail(`${where}: odd parameter`);
    return {
      name: param.name,
      in: param.in ?? null,
      required: param.required === true,
      schema: sortKeys(stripSchema(param.schema ?? {})),
    };
  });

  const facts: JsonObject = { api: key.api, method: key.method, path: key.path };
  if (typeof op.operationId === 'string') facts.operationId = op.operationId;
  if (op.deprecated === true) facts.deprecated = true;
  if (op.servers !== undefined) facts.servers = servers(op.servers);
  if (Array.isArray(op.security)) {
    facts.security = op.security.flatMap((entry) => (isObject(entry) ? Object.keys(entry) : []));
  }
  facts.parameters = parameters;
  const roots: Json[] = [parameters];

  if (isObject(op.requestBody)) {
    const body = mediaFacts(op.requestBody.content, `${where} request body`);
    facts.requestBody = { required: op.requestBody.required === true, ...body };
    roots.push(body.schema ?? null);
  }

  const responses: JsonObject = {};
  const declared = isObject(op.responses) ? op.responses : {};
  for (const status of Object.keys(declared).sort()) {
    const response = declared[status];
    if (!isObject(response)) fail(`${where}: response ${status} is not an object`);
    if ('$ref' in response) fail(`${where}: response ${status} is a $ref`);
    const media = mediaFacts(response.content, `${where} → ${status}`);
    responses[status] = media;
    roots.push(media.schema ?? null);
  }
  facts.responses = responses;
  return { facts, roots };
}

/**
 * The error bodies the whole Console API declares, grouped by shape: our operations declare few of
 * them, yet Statsig answers every one of them with one of these shapes.
 */
function consoleErrorShapes(spec: LoadedSpec): JsonObject {
  const byStatus = new Map<string, Map<string, { schema: Json; operationCount: number }>>();
  const paths = isObject(spec.doc.paths) ? spec.doc.paths : {};
  for (const item of Object.values(paths)) {
    if (!isObject(item)) continue;
    for (const op of Object.values(item)) {
      if (!isObject(op) || !isObject(op.responses)) continue;
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[45]/.test(status) || !isObject(response)) continue;
        const { schema } = mediaFacts(response.content, `error ${status}`);
        if (schema === undefined) continue;
        const shapes = byStatus.get(status) ?? new Map();
        byStatus.set(status, shapes);
        const key = JSON.stringify(schema);
        const shape = shapes.get(key) ?? { schema, operationCount: 0 };
        shape.operationCount += 1;
        shapes.set(key, shape);
      }
    }
  }
  const out: JsonObject = {};
  for (const status of [...byStatus.keys()].sort()) {
    const shapes = [...(byStatus.get(status)?.values() ?? [])];
    shapes.sort((a, b) => b.operationCount - a.operationCount);
    out[status] = shapes.map(({ schema, operationCount }) => ({ operationCount, schema }));
  }
  return out;
}

/** Everything the fixture holds, built from the spec folder; pure apart from reading the files. */
export function extractStatsigSpec(
  specDir: string,
  wanted: readonly OperationKey[] = OPERATIONS,
): JsonObject {
  const source = readSourceHeader(readFileSync(path.join(specDir, 'README.md'), 'utf8'));
  const specs = {
    console: loadSpec(specDir, 'console'),
    http: loadSpec(specDir, 'http'),
  };

  const operations: Json[] = [];
  const components: JsonObject = {};
  const componentOwner = new Map<string, ApiName>();
  for (const spec of Object.values(specs)) {
    const keys = wanted.filter((key) => key.api === spec.api);
    const roots: Json[] = [];
    for (const key of keys) {
      const extracted = operationFacts(spec, key);
      operations.push(extracted.facts);
      roots.push(...extracted.roots);
    }
    const docComponents = isObject(spec.doc.components) ? spec.doc.components : {};
    const schemas = isObject(docComponents.schemas) ? docComponents.schemas : {};
    for (const name of refClosure(roots, schemas, spec.api)) {
      const schema = sortKeys(stripSchema(schemas[name] as Json));
      // One components section serves both specs so their refs stay verbatim; a clash would
      // silently point one spec's refs at the other's schema.
      const owner = componentOwner.get(name);
      if (owner !== undefined && JSON.stringify(components[name]) !== JSON.stringify(schema)) {
        fail(`schema ${name} differs between the ${owner} and ${spec.api} specs`);
      }
      componentOwner.set(name, spec.api);
      components[name] = schema;
    }
  }

  const sortedComponents: JsonObject = {};
  for (const name of Object.keys(components).sort())
    sortedComponents[name] = components[name] as Json;

  const specHeader = (spec: LoadedSpec): JsonObject => {
    const info = isObject(spec.doc.info) ? spec.doc.info : {};
    const docComponents = isObject(spec.doc.components) ? spec.doc.components : {};
    return {
      file: spec.file,
      path: source.paths[spec.api] ?? null,
      sha256: spec.sha256,
      openapi: spec.doc.openapi ?? null,
      infoVersion: info.version ?? null,
      servers: servers(spec.doc.servers),
      securitySchemes: sortKeys(stripSchema(docComponents.securitySchemes ?? {})),
    };
  };

  return {
    source: {
      repository: source.repository,
      commit: source.commit,
      date: source.date,
      specs: { console: specHeader(specs.console), http: specHeader(specs.http) },
    },
    operations,
    consoleErrorResponses: consoleErrorShapes(specs.console),
    components: { schemas: sortedComponents },
  };
}

/** The fixture's exact text: a re-run on the same spec must give the same bytes. */
export function renderFixture(fixture: Json): string {
  return `${JSON.stringify(fixture, null, 2)}\n`;
}

export function specDirFromEnv(argv: readonly string[] = process.argv.slice(2)): string {
  const chosen = argv[0] ?? process.env.STATSIG_SPEC_DIR;
  return chosen ? path.resolve(chosen) : DEFAULT_SPEC_DIR;
}

if (require.main === module) {
  const specDir = specDirFromEnv();
  const text = renderFixture(extractStatsigSpec(specDir));
  writeFileSync(FIXTURE_PATH, text);
  const operationCount = OPERATIONS.length;
  process.stdout.write(
    `wrote ${path.relative(process.cwd(), FIXTURE_PATH)} (${operationCount} operations, ${text.length} bytes) from ${specDir}\n`,
  );
}
