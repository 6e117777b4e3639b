// The two one-shot Temporal jobs, run as compose runs them (same script, same environment) against
// stand-ins for temporal-sql-tool, the temporal CLI and nc that record every call. No Docker needed.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { searchAttributeFlags } from '../../workflows/search-attributes';
import { envExample, environmentOf, loadCompose, ROOT, serviceOf } from './deploy-files';

// Records its arguments; keeps the namespace and search attributes it was given in $FAKE_STATE.
const FAKE_TEMPORAL = `#!/bin/sh
echo "temporal $*" >> "$FAKE_LOG"
case "$1 $2 $3" in
  "operator cluster health") echo "SERVING" ;;
  "operator namespace describe")
    if [ -n "\${FAKE_DESCRIBE_ERROR:-}" ]; then echo "$FAKE_DESCRIBE_ERROR" >&2; exit 1; fi
    if [ -f "$FAKE_STATE/namespace" ]; then echo "NamespaceInfo.Name  $(cat "$FAKE_STATE/namespace")"
    else echo "Error: Namespace not found." >&2; exit 1; fi ;;
  "operator namespace create")
    while [ $# -gt 0 ]; do [ "$1" = "--namespace" ] && echo "$2" > "$FAKE_STATE/namespace"; shift; done ;;
  "operator search-attribute list") cat "$FAKE_STATE/attributes" 2>/dev/null || true ;;
  "operator search-attribute create")
    while [ $# -gt 0 ]; do [ "$1" = "--name" ] && echo "  $2  Keyword" >> "$FAKE_STATE/attributes"; shift; done ;;
esac
`;
const RECORDER = `#!/bin/sh
echo "$(basename "$0") $*" >> "$FAKE_LOG"
`;

interface Sandbox {
  dir: string;
  run(
    script: string,
    env: Record<string, string | undefined>,
  ): { status: number | null; stderr: string };
  calls(prefix: string): string[];
}

function sandbox(): Sandbox {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rollout-gate-jobs-'));
  const log = path.join(dir, 'calls.log');
  writeFileSync(log, '');
  for (const [name, body] of [
    ['temporal', FAKE_TEMPORAL],
    ['temporal-sql-tool', RECORDER],
    ['nc', RECORDER],
  ] as const) {
    writeFileSync(path.join(dir, name), body);
    chmodSync(path.join(dir, name), 0o755);
  }
  return {
    dir,
    run(script, env) {
      const result = spawnSync('sh', [path.join(ROOT, 'deploy', 'temporal', script)], {
        env: { ...env, PATH: `${dir}:${process.env.PATH ?? ''}`, FAKE_LOG: log, FAKE_STATE: dir },
        encoding: 'utf8',
        timeout: 20_000,
      });
      return { status: result.status, stderr: result.stderr };
    },
    calls(prefix) {
      return readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line.startsWith(prefix));
    },
  };
}

const jobEnvironment = (name: string) => environmentOf(serviceOf(loadCompose(envExample()), name));

describe('temporal-schema job', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => rmSync(box.dir, { recursive: true, force: true }));

  it('creates and migrates both databases, the main one first', () => {
    const { status, stderr } = box.run('setup-schema.sh', jobEnvironment('temporal-schema'));
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const schema = '/etc/temporal/schema/postgresql/v12';
    expect(box.calls('temporal-sql-tool')).toEqual([
      'temporal-sql-tool --db temporal create',
      'temporal-sql-tool --db temporal setup-schema -v 0.0',
      `temporal-sql-tool --db temporal update-schema -d ${schema}/temporal/versioned`,
      'temporal-sql-tool --db temporal_visibility create',
      'temporal-sql-tool --db temporal_visibility setup-schema -v 0.0',
      `temporal-sql-tool --db temporal_visibility update-schema -d ${schema}/visibility/versioned`,
    ]);
  });

  it('connects where the Temporal server will look for its data', () => {
    const job = jobEnvironment('temporal-schema');
    const server = jobEnvironment('temporal');
    expect(job.SQL_PLUGIN).toBe(server.DB);
    expect(job.SQL_HOST).toBe(server.POSTGRES_SEEDS);
    expect(job.SQL_PORT).toBe(server.DB_PORT);
    expect(job.SQL_USER).toBe(server.POSTGRES_USER);
    expect(job.SQL_PASSWORD).toBe(server.POSTGRES_PWD);
    expect([job.TEMPORAL_DB, job.VISIBILITY_DB]).toEqual([server.DBNAME, server.VISIBILITY_DBNAME]);
  });
});

describe('temporal-namespace job', () => {
  let box: Sandbox;
  beforeEach(() => {
    box = sandbox();
  });
  afterEach(() => rmSync(box.dir, { recursive: true, force: true }));

  it('creates the namespace and every search attribute on a new server', () => {
    const env = jobEnvironment('temporal-namespace');
    expect(box.run('create-namespace.sh', env).status).toBe(0);
    expect(box.calls('temporal operator namespace create')).toEqual([
      `temporal operator namespace create --namespace ${env.TEMPORAL_NAMESPACE} --retention 168h --address temporal:7233`,
    ]);
    const created = box
      .calls('temporal operator search-attribute create')
      .map((line) => line.replace(/^.*--name (\S+) --type (\S+).*$/, '$1=$2'));
    expect(created.sort()).toEqual(searchAttributeFlags().sort());
  });

  it('changes nothing when run again', () => {
    const env = jobEnvironment('temporal-namespace');
    expect(box.run('create-namespace.sh', env).status).toBe(0);
    const before = box.calls('temporal operator').filter((line) => / create /.test(line)).length;
    expect(box.run('create-namespace.sh', env).status).toBe(0);
    const after = box.calls('temporal operator').filter((line) => / create /.test(line)).length;
    expect(after).toBe(before);
  });

  it('fails instead of creating when the namespace cannot be looked up', () => {
    const env = {
      ...jobEnvironment('temporal-namespace'),
      FAKE_DESCRIBE_ERROR: 'Error: permission denied',
    };
    const { status, stderr } = box.run('create-namespace.sh', env);
    expect(status).not.toBe(0);
    expect(stderr).toContain('permission denied');
    expect(box.calls('temporal operator namespace create')).toEqual([]);
  });
});
