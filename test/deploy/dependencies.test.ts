// Supply chain: what a production install (`npm ci --omit=dev`, as the Dockerfile's prod-deps stage
// runs it) brings in is what the production code imports, and no more. Test, benchmark and build
// tools (the SDK's test environment among them) are development dependencies.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { ROOT, readRepoFile } from './deploy-files';

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const pkg = JSON.parse(readRepoFile('package.json')) as PackageJson;

/** What ships: compiled by tsconfig.build.json, plus the package's bin script. */
const PRODUCTION_DIRS = ['src', 'workflows', 'activities', 'examples'];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(relative);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [relative] : [];
  });
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`; relative and built-ins → undefined. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? '');
  return builtinModules.includes(name) ? undefined : name;
}

interface PackageUse {
  file: string;
  name: string;
  /** `import(…)` inside a function: loaded only on a path that asks for it. */
  dynamic: boolean;
}

/** Runtime imports of packages (type-only imports are erased by the compiler and need nothing). */
function packageUses(file: string): PackageUse[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const uses: PackageUse[] = [];
  const add = (specifier: string, dynamic: boolean) => {
    const name = packageOf(specifier);
    if (name !== undefined) uses.push({ file, name, dynamic });
  };
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      const typeOnly = ts.isImportDeclaration(node)
        ? node.importClause?.isTypeOnly === true ||
          (node.importClause?.name === undefined &&
            node.importClause?.namedBindings !== undefined &&
            ts.isNamedImports(node.importClause.namedBindings) &&
            node.importClause.namedBindings.elements.length > 0 &&
            node.importClause.namedBindings.elements.every((element) => element.isTypeOnly))
        : node.isTypeOnly;
      if (!typeOnly) add(node.moduleSpecifier.text, false);
    }
    if (ts.isCallExpression(node) && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression.getText(source);
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0].text, true);
      if (callee === 'require' || callee === 'require.resolve') add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return uses;
}

/** bin/rollout-gate is CommonJS without an extension: its require() calls. */
function binUses(): PackageUse[] {
  const text = readRepoFile('bin/rollout-gate');
  return [...text.matchAll(/require\('([^']+)'\)/g)].flatMap((match) => {
    const name = packageOf(match[1] ?? '');
    return name === undefined ? [] : [{ file: 'bin/rollout-gate', name, dynamic: false }];
  });
}

const USES = [...PRODUCTION_DIRS.flatMap(sourceFiles).flatMap(packageUses), ...binUses()];

describe('dependencies', () => {
  it('holds exactly the packages production code loads at start', () => {
    const loaded = new Set(USES.filter((use) => !use.dynamic).map((use) => use.name));
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...loaded].sort());
  });

  it('ships the SDK test environment as a development dependency only', () => {
    expect(Object.keys(pkg.dependencies)).not.toContain('@temporalio/testing');
    expect(Object.keys(pkg.devDependencies)).toContain('@temporalio/testing');
    // Production code reaches it only through the dev server's last-resort download, lazily.
    expect(USES.filter((use) => use.name === '@temporalio/testing')).toEqual([
      { file: 'src/temporal/dev-server.ts', name: '@temporalio/testing', dynamic: true },
    ]);
  });

  it('imports no package it does not declare', () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies),
      ...Object.keys(pkg.devDependencies),
    ]);
    expect(USES.filter((use) => !declared.has(use.name))).toEqual([]);
  });

  it('pins every version exactly', () => {
    for (const version of [
      ...Object.values(pkg.dependencies),
      ...Object.values(pkg.devDependencies),
    ]) {
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('leaves development packages out of the production tree npm installs from the lock', () => {
    // What `npm ci --omit=dev` (the Dockerfile's prod-deps stage) installs, as npm itself resolves it.
    const tree = JSON.parse(
      execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], { cwd: ROOT, encoding: 'utf8' }),
    ) as { dependencies?: Record<string, unknown> };
    const names = new Set<string>();
    const walk = (node: { dependencies?: Record<string, unknown> }) => {
      for (const [name, child] of Object.entries(node.dependencies ?? {})) {
        names.add(name);
        walk(child as { dependencies?: Record<string, unknown> });
      }
    };
    walk(tree);
    for (const dev of ['@temporalio/testing', 'jest', 'playwright-core', 'typescript', 'yaml']) {
      expect([dev, names.has(dev)]).toEqual([dev, false]);
    }
    for (const runtime of Object.keys(pkg.dependencies)) {
      expect([runtime, names.has(runtime)]).toEqual([runtime, true]);
    }
  });
});
