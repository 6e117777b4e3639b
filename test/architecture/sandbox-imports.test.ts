// Keeps the sandbox independent of the client it stands in front of: src/sandbox/ serves documents
// of its own, modelled on Statsig's spec, and imports nothing from src/statsig/ but Statsig's
// signing scheme.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const SANDBOX = 'src/sandbox';
const ALLOWED = new Set(['src/statsig/webhook-signature']);

function filesUnder(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

/** Every module specifier a file imports, re-exports or dynamically imports. */
function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(path.join(ROOT, file), 'utf8'),
    ts.ScriptTarget.ES2022,
    true,
  );
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('src/sandbox', () => {
  const files = filesUnder(SANDBOX);

  it('has files to check', () => {
    expect(files).toEqual(expect.arrayContaining(['src/sandbox/app.ts']));
  });

  it('imports nothing from src/statsig/ but webhook-signature', () => {
    const outside = files.flatMap((file) =>
      specifiersOf(file)
        .filter((specifier) => specifier.startsWith('.'))
        .map((specifier) =>
          path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)),
        )
        .filter((target) => target.startsWith('src/statsig') && !ALLOWED.has(target))
        .map((target) => `${file} → ${target}`),
    );
    expect(outside).toEqual([]);
  });

  it('does use the signing scheme (so the allowance above is not stale)', () => {
    const users = files.filter((file) =>
      specifiersOf(file).some((specifier) => specifier.endsWith('statsig/webhook-signature')),
    );
    expect(users).toEqual(['src/sandbox/webhook-sender.ts']);
  });
});
