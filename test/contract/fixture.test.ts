// The committed spec fixture is what the extractor makes of Statsig's spec: byte for byte when the
// spec folder is on this machine, and at least complete and canonical when it is not (CI).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  extractStatsigSpec,
  FIXTURE_PATH,
  type Json,
  OPERATIONS,
  type OperationKey,
  readSourceHeader,
  renderFixture,
  specDirFromEnv,
} from './extract-statsig-spec';

const committed = readFileSync(FIXTURE_PATH, 'utf8');
const fixture = JSON.parse(committed) as {
  source: {
    repository: string;
    commit: string;
    specs: Record<'console' | 'http', { path: string | null; infoVersion: string }>;
  };
  operations: OperationKey[];
  components: { schemas: Record<string, Json> };
};
const specDir = specDirFromEnv([]);
const specPresent = existsSync(path.join(specDir, 'README.md'));

function refsIn(value: Json, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, sub] of Object.entries(value)) {
      if (key === '$ref' && typeof sub === 'string') into.add(sub);
      else if (key !== 'examples' && key !== 'example') refsIn(sub, into);
    }
  }
  return into;
}

function expectSourceAndOperations(): void {
  expect(fixture.source.repository).toBe('statsig-io/docs');
  expect(fixture.source.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(fixture.source.specs.console.infoVersion).toMatch(/^20240601/);
  const listed = fixture.operations.map(({ api, method, path }) => ({ api, method, path }));
  expect(listed).toEqual(OPERATIONS);
}

describe('test/fixtures/statsig-spec.json', () => {
  it('names the spec commit it was extracted from and holds every operation we use', () => {
    expectSourceAndOperations();
  });

  it(
    specPresent
      ? `equals a fresh extraction of ${specDir}`
      : `names its source (no spec folder at ${specDir} to re-extract from)`,
    () => {
      if (specPresent) {
        // On a mismatch: npm run spec:extract, then review the diff of the fixture.
        expect(committed).toBe(renderFixture(extractStatsigSpec(specDir)));
      } else {
        expectSourceAndOperations();
        expect(fixture.source.specs.console.path).toBe('console-api/capiopenapi.json');
      }
    },
  );

  it('is in canonical form, so a re-extraction diff shows only changed facts', () => {
    expect(renderFixture(JSON.parse(committed) as Json)).toBe(committed);
  });

  it('resolves every $ref inside its own components section', () => {
    const refs = refsIn(JSON.parse(committed) as Json);
    expect(refs.size).toBeGreaterThan(10);
    for (const ref of refs) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
      expect({ ref, found: name !== undefined && name in fixture.components.schemas }).toEqual({
        ref,
        found: true,
      });
    }
  });
});

describe('extractStatsigSpec on a small made-up spec', () => {
  const COMMIT = 'a'.repeat(40);
  let dir: string;

  const consoleSpec = {
    openapi: '3.0.0',
    info: { title: 'Console API', description: 'prose', version: '20990101.0.0' },
    servers: [{ url: 'https://example.invalid', description: 'prose' }],
    paths: {
      '/console/v1/things/{id}': {
        get: {
          summary: 'Read a thing',
          parameters: [
            {
              name: 'id',
              in: 'path',
              required: true,
              description: 'id',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': {
              description: 'ok',
              content: {
                'application/json': {
                  schema: {
                    allOf: [{ $ref: '#/components/schemas/Wrapper' }],
                    example: { data: { description: 'kept: example data' } },
                  },
                  example: { data: { description: 'kept: example data' } },
                },
              },
            },
            '404': {
              description: 'missing',
              content: {
                'application/json': {
                  schema: { type: 'object', properties: { status: { type: 'integer' } } },
                  examples: { 'Not Found': { value: { status: 404 } } },
                },
              },
            },
          },
        },
      },
    },
    components: {
      schemas: {
        Wrapper: {
          type: 'object',
          description: 'prose',
          properties: { data: { $ref: '#/components/schemas/Thing' } },
        },
        Thing: {
          type: 'object',
          properties: { description: { type: 'string', description: 'prose' } },
          required: ['description'],
        },
        Unused: { type: 'string' },
      },
    },
  };
  const httpSpec = { openapi: '3.0.0', info: { version: '1.0.0' }, paths: {}, components: {} };
  const things: OperationKey[] = [
    { api: 'console', method: 'GET', path: '/console/v1/things/{id}' },
  ];

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'statsig-spec-'));
    writeFileSync(
      path.join(dir, 'README.md'),
      `Copied from the repository \`statsig-io/docs\`, commit\n\`${COMMIT}\` (2099-01-01):\n` +
        '- `capiopenapi.json` — the Console API (`console-api/capiopenapi.json` there)\n',
    );
    writeFileSync(path.join(dir, 'capiopenapi.json'), JSON.stringify(consoleSpec));
    writeFileSync(path.join(dir, 'httpopenapi.json'), JSON.stringify(httpSpec));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records the commit of the copy it reads, from the README beside it', () => {
    const extracted = extractStatsigSpec(dir, things) as { source: Record<string, Json> };
    expect(extracted.source).toMatchObject({
      repository: 'statsig-io/docs',
      commit: COMMIT,
      date: '2099-01-01',
    });
  });

  it('keeps facts, drops prose, lists a repeated example once and follows $refs only as far as used', () => {
    const extracted = extractStatsigSpec(dir, things);
    expect(extracted.operations).toEqual([
      {
        api: 'console',
        method: 'GET',
        path: '/console/v1/things/{id}',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            contentType: 'application/json',
            schema: { allOf: [{ $ref: '#/components/schemas/Wrapper' }] },
            examples: [
              {
                sources: ['example', 'schema.example'],
                value: { data: { description: 'kept: example data' } },
              },
            ],
          },
          '404': {
            contentType: 'application/json',
            schema: { properties: { status: { type: 'integer' } }, type: 'object' },
            examples: [{ sources: ['examples/Not Found'], value: { status: 404 } }],
          },
        },
      },
    ]);
    expect(extracted.components).toEqual({
      schemas: {
        Thing: {
          properties: { description: { type: 'string' } },
          required: ['description'],
          type: 'object',
        },
        Wrapper: { properties: { data: { $ref: '#/components/schemas/Thing' } }, type: 'object' },
      },
    });
    expect(renderFixture(extractStatsigSpec(dir, things))).toBe(renderFixture(extracted));
  });

  it('refuses to write a fixture that lacks an operation we asked for', () => {
    const missing: OperationKey[] = [
      ...things,
      { api: 'console', method: 'PUT', path: '/console/v1/nope' },
    ];
    expect(() => extractStatsigSpec(dir, missing)).toThrow(
      /PUT \/console\/v1\/nope: no such operation/,
    );
  });

  it('refuses a README that names no commit', () => {
    expect(() => readSourceHeader('Copied from the repository `statsig-io/docs`.')).toThrow(
      /no 40-hex commit/,
    );
  });
});
