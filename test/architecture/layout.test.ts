// Holds the layout docs/architecture.md describes: small files and functions, imports that point down
// the layers (only type-only imports of the review's contract may point up), and a workflow bundle
// whose every runtime import is under the lint guard that keeps I/O out of workflows.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

const PRODUCT = ['src', 'workflows', 'activities'].flatMap(sourceFiles);

function parse(file: string): ts.SourceFile {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
}

interface ImportEdge {
  from: string;
  /** Repository-relative path without extension, or the package name. */
  to: string;
  typeOnly: boolean;
}

function resolveImport(from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const candidates = [`${base}.ts`, `${base}/index.ts`];
  return candidates.find((candidate) => PRODUCT.includes(candidate)) ?? base;
}

function importsOf(file: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const statement of parse(file).statements) {
    if (
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier &&
      ts.isStringLiteral(statement.moduleSpecifier)
    ) {
      let typeOnly = false;
      if (ts.isImportDeclaration(statement)) {
        const clause = statement.importClause;
        const named = clause?.namedBindings;
        typeOnly =
          clause?.isTypeOnly === true ||
          (clause?.name === undefined &&
            named !== undefined &&
            ts.isNamedImports(named) &&
            named.elements.length > 0 &&
            named.elements.every((element) => element.isTypeOnly));
      } else {
        typeOnly = statement.isTypeOnly;
      }
      edges.push({
        from: file,
        to: resolveImport(file, statement.moduleSpecifier.text),
        typeOnly,
      });
    }
  }
  return edges;
}

const EDGES = PRODUCT.flatMap(importsOf);

/** Foundation modules: the domain (gate, Statsig) and small shared helpers. */
const FOUNDATION = [
  /^src\/gate\//,
  /^src\/statsig\//,
  /^src\/notify\//,
  /^src\/error-message\.ts$/,
  /^src\/zod-issues\.ts$/,
  /^src\/redact\.ts$/,
];
const CONTRACT = [
  'workflows/contract.ts',
  'workflows/pre-commit-contract.ts',
  'workflows/search-attributes.ts',
  'workflows/retention-contract.ts',
  'workflows/rollback-contract.ts',
  'workflows/side-contract.ts',
];
const isFoundation = (file: string) => FOUNDATION.some((pattern) => pattern.test(file));

describe('the layout', () => {
  it(`keeps every source file at ${MAX_FILE_LINES} lines or fewer`, () => {
    const long = PRODUCT.map((file) => ({
      file,
      lines: readFileSync(path.join(ROOT, file), 'utf8').split('\n').length - 1,
    })).filter(({ lines }) => lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`keeps every function at ${MAX_FUNCTION_LINES} lines or fewer`, () => {
    const long: string[] = [];
    for (const file of PRODUCT) {
      const source = parse(file);
      const visit = (node: ts.Node) => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
          const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
          if (end - start + 1 > MAX_FUNCTION_LINES) {
            long.push(`${file}:${start + 1} (${end - start + 1} lines)`);
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });

  it('imports the workflow implementation from nowhere outside workflows/', () => {
    const outside = EDGES.filter(
      (edge) =>
        !edge.from.startsWith('workflows/') &&
        edge.to.startsWith('workflows/') &&
        !CONTRACT.includes(edge.to),
    );
    expect(outside).toEqual([]);
  });

  it('keeps activities and the workflow apart: they meet only in the contract', () => {
    const crossing = EDGES.filter(
      (edge) =>
        (edge.from.startsWith('workflows/') && edge.to.startsWith('activities/')) ||
        (edge.from.startsWith('activities/') &&
          edge.to.startsWith('workflows/') &&
          !CONTRACT.includes(edge.to)),
    );
    expect(crossing).toEqual([]);
  });

  it('points foundation imports down only; up is a type-only import of the contract', () => {
    const upward = EDGES.filter(
      (edge) =>
        isFoundation(edge.from) &&
        /^(src|workflows|activities)\//.test(edge.to) &&
        !isFoundation(edge.to) &&
        !(edge.typeOnly && CONTRACT.includes(edge.to)) &&
        // Configuration (defaults such as the reports folder) is read by everyone.
        edge.to !== 'src/config.ts',
    );
    expect(upward).toEqual([]);
  });

  it('puts every runtime import of the workflow bundle under the lint guard against I/O', () => {
    const biome = JSON.parse(readFileSync(path.join(ROOT, 'biome.json'), 'utf8')) as {
      overrides: Array<{ includes: string[]; linter?: { rules?: { style?: object } } }>;
    };
    const guard = biome.overrides.find(
      (override) =>
        override.linter?.rules?.style && 'noRestrictedImports' in override.linter.rules.style,
    );
    const guarded = (file: string) =>
      (guard?.includes ?? []).some((glob) =>
        glob.endsWith('/**') ? file.startsWith(glob.slice(0, -2)) : file === glob,
      );
    const reached = new Set<string>();
    const queue = ['workflows/index.ts'];
    while (queue.length > 0) {
      const file = queue.pop() as string;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const edge of EDGES.filter((candidate) => candidate.from === file)) {
        if (!edge.typeOnly && PRODUCT.includes(edge.to)) queue.push(edge.to);
      }
    }
    expect([...reached].filter((file) => !guarded(file))).toEqual([]);
    expect(reached.has('workflows/review.ts')).toBe(true);
    expect(reached.has('workflows/pre-commit.ts')).toBe(true);
  });
});
