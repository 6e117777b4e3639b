// The Dockerfile's runtime stage: what runs, as whom, and where it finds its code and example gate.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  compiledPath,
  execForm,
  IMAGE_EXAMPLES_DIR,
  type Instruction,
  parseDockerfile,
  ROOT,
  readRepoFile,
  type Stage,
} from './deploy-files';

const stages = parseDockerfile(readRepoFile('Dockerfile'));
const runtime = stages.at(-1) as Stage;

const all = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((instruction) => instruction.keyword === keyword);
const last = (stage: Stage, keyword: string): string | undefined =>
  all(stage, keyword).at(-1)?.args;

/** COPY instructions as { from, sources, destination }, destination made absolute with WORKDIR. */
function copies(
  stage: Stage,
): Array<{ from: string | undefined; sources: string[]; destination: string }> {
  let workdir = '/';
  const result: Array<{ from: string | undefined; sources: string[]; destination: string }> = [];
  for (const { keyword, args } of stage.instructions) {
    if (keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, args);
    if (keyword !== 'COPY') continue;
    const words = execForm(args) ?? args.split(/\s+/);
    const flags = words.filter((word) => word.startsWith('--'));
    const paths = words.filter((word) => !word.startsWith('--'));
    const from = flags.find((flag) => flag.startsWith('--from='))?.slice('--from='.length);
    result.push({
      from,
      sources: paths.slice(0, -1),
      destination: path.posix.resolve(workdir, paths.at(-1) ?? ''),
    });
  }
  return result;
}

describe('Dockerfile', () => {
  it('has a runtime stage on node:20-bookworm-slim', () => {
    expect(stages.length).toBeGreaterThan(1);
    expect(runtime.from).toBe('node:20-bookworm-slim');
    expect(all(runtime, 'ENV').map((env) => env.args)).toContainEqual('NODE_ENV=production');
  });

  it('runs as a non-root user', () => {
    const user = last(runtime, 'USER');
    expect(user).toBeDefined();
    const name = (user ?? '').split(':')[0];
    expect(['root', '0', '']).not.toContain(name);
  });

  it('keeps reports in a directory the non-root user owns', () => {
    const reportsEnv = all(runtime, 'ENV')
      .map((env) => env.args)
      .find((args) => args.startsWith('GATE_REPORTS_DIR='));
    const dir = reportsEnv?.split('=')[1] ?? '';
    expect(dir).toMatch(/^\//);
    const user = (last(runtime, 'USER') ?? '').split(':')[0];
    const runs = all(runtime, 'RUN').map((step) => step.args);
    expect(runs).toContainEqual(
      expect.stringContaining(`chown ${user}:${user} "$GATE_REPORTS_DIR"`),
    );
  });

  it('starts the compiled CLI where the build puts it', () => {
    const entrypoint = execForm(last(runtime, 'ENTRYPOINT') ?? '');
    expect(entrypoint?.[0]).toBe('node');
    const script = entrypoint?.[1] ?? '';
    expect(existsSync(path.join(ROOT, 'src', 'cli.ts'))).toBe(true);
    expect(script).toBe(compiledPath('src/cli.ts'));
    // Same compiled tree as the package's `main`.
    const { main } = JSON.parse(readRepoFile('package.json')) as { main: string };
    expect(path.posix.dirname(script)).toBe(path.posix.dirname(main));
    expect(copies(runtime).map((copy) => copy.destination)).toContain(
      path.posix.resolve(last(runtime, 'WORKDIR') ?? '/', script.split('/')[0] ?? ''),
    );
  });

  it('runs the receiver by default and checks its /healthz', () => {
    expect(execForm(last(runtime, 'CMD') ?? '')).toEqual(['receiver']);
    expect(last(runtime, 'EXPOSE')).toBe('3000');
    expect(last(runtime, 'HEALTHCHECK')).toContain('/healthz');
  });

  it('ships production dependencies only', () => {
    const modules = copies(runtime).find((copy) => copy.destination.endsWith('/node_modules'));
    expect(modules?.from).toBeDefined();
    const source = stages.find((stage) => stage.name === modules?.from);
    expect(source).toBeDefined();
    const installs = all(source as Stage, 'RUN').map((run) => run.args);
    expect(installs.some((run) => /npm ci\b.*--omit=dev/.test(run))).toBe(true);
  });

  it('puts the example gate where src/config.ts looks for it', () => {
    // config.ts looks beside its own compiled tree: <compiled root>/examples. The build compiles
    // examples/ with the rest, and the runtime stage copies the whole compiled tree.
    const workdir = last(runtime, 'WORKDIR') ?? '/';
    const compiledRoot = path.posix.dirname(path.posix.dirname(compiledPath('src/config.ts')));
    const examplesDir = path.posix.join(workdir, compiledRoot, 'examples');
    expect(examplesDir).toBe(IMAGE_EXAMPLES_DIR);
    expect(path.posix.join(workdir, compiledPath('examples/prompt-gate.ts'))).toBe(
      `${IMAGE_EXAMPLES_DIR}/prompt-gate.js`,
    );
    const compiled = copies(runtime).find((copy) =>
      copy.sources.some((source) => path.posix.normalize(source) === `${workdir}/${compiledRoot}`),
    );
    expect(compiled?.from).toBeDefined();
    expect(compiled?.destination).toBe(path.posix.join(workdir, compiledRoot));
  });
});
