// `npm run cluster` (deploy/local/cluster.ts) runs the compose stack's Temporal side without Docker,
// from docker-compose.yml's own settings. These checks keep the two from drifting apart; the cluster
// itself runs in test/cluster/.
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import {
  hostPathOf,
  interpolate,
  jobScript,
  loadCompose,
  serviceEnvironment,
  serviceImage,
} from '../../deploy/local/compose';
import { TEMPORAL_SERVER_VERSION } from '../../deploy/local/tools';
import { ROOT } from './deploy-files';

const compose = loadCompose();

describe('the local cluster and docker-compose.yml', () => {
  it('builds the Temporal version compose runs, server and admin-tools alike', () => {
    for (const name of ['temporal', 'temporal-schema', 'temporal-namespace']) {
      expect(serviceImage(compose, name)?.split(':')[1]).toBe(TEMPORAL_SERVER_VERSION);
    }
  });

  it('runs the schema and namespace jobs from deploy/temporal/', () => {
    expect(jobScript(compose, 'temporal-schema')).toBe(
      path.join(ROOT, 'deploy', 'temporal', 'setup-schema.sh'),
    );
    expect(jobScript(compose, 'temporal-namespace')).toBe(
      path.join(ROOT, 'deploy', 'temporal', 'create-namespace.sh'),
    );
  });

  it('gives the server the dynamic config file in deploy/temporal/', () => {
    const env = serviceEnvironment(compose, 'temporal', { POSTGRES_PASSWORD: 'x' });
    const file = hostPathOf(compose, 'temporal', env.DYNAMIC_CONFIG_FILE_PATH ?? '');
    expect(file).toBe(path.join(ROOT, 'deploy', 'temporal', 'dynamicconfig.yaml'));
    const settings = parse(readFileSync(file, 'utf8')) as Record<string, Array<{ value: unknown }>>;
    expect(settings['limit.maxIDLength']?.[0]?.value).toBe(255);
    for (const values of Object.values(settings)) {
      expect(values.every((entry) => 'value' in entry)).toBe(true);
    }
  });

  it('reads the environment as Compose interpolates it', () => {
    const env = serviceEnvironment(compose, 'temporal', { POSTGRES_PASSWORD: 'pw' });
    expect(env).toMatchObject({ DB: 'postgres12', POSTGRES_PWD: 'pw', DBNAME: 'temporal' });
    expect(() => serviceEnvironment(compose, 'temporal', {})).toThrow(/POSTGRES_PASSWORD/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's syntax, not a template
    const text = '$${A} ${B:-b} ${C-c} $D';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose's $$ escape leaves one $
    expect(interpolate(text, { C: '', D: 'd' })).toBe('${A} b  d');
  });
});

describe('setup-schema.sh outside the admin-tools image', () => {
  it('waits for the database port with bash where there is no nc', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rollout-gate-schema-'));
    const server = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const log = path.join(dir, 'calls.log');
      writeFileSync(
        path.join(dir, 'temporal-sql-tool'),
        `#!/bin/sh\necho "temporal-sql-tool $*" >> "${log}"\n`,
      );
      chmodSync(path.join(dir, 'temporal-sql-tool'), 0o755);
      // PATH: the fake tool and a folder with only sh and bash: no nc anywhere.
      const shells = path.join(dir, 'shells');
      mkdirSync(shells);
      for (const shell of ['sh', 'bash']) {
        const real = ['/bin', '/usr/bin'].map((bin) => path.join(bin, shell)).find(existsSync);
        if (real) symlinkSync(real, path.join(shells, shell));
      }
      const status = await new Promise<number | null>((resolve) => {
        const child = spawn(
          path.join(shells, 'sh'),
          [path.join(ROOT, 'deploy', 'temporal', 'setup-schema.sh')],
          {
            env: {
              PATH: `${dir}:${shells}`,
              SQL_PLUGIN: 'postgres12',
              SQL_HOST: '127.0.0.1',
              SQL_PORT: String(port),
              SQL_USER: 'temporal',
              SQL_PASSWORD: 'pw',
              TEMPORAL_DB: 'temporal',
              VISIBILITY_DB: 'temporal_visibility',
            },
            stdio: 'ignore',
          },
        );
        child.on('exit', resolve);
      });
      expect(status).toBe(0);
      expect(readFileSync(log, 'utf8').split('\n').filter(Boolean)).toHaveLength(6);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
