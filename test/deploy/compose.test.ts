// docker-compose.yml as a user meets it: `cp deploy/.env.example .env && docker compose up --build`
// must bring up every service, in order, with an environment the service accepts.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { configSchema, loadConfig } from '../../src/config';
import { searchAttributeFlags } from '../../workflows/search-attributes';
import {
  argv,
  type ComposeFile,
  compiledPath,
  composeVariables,
  dependenciesOf,
  envExample,
  environmentOf,
  IMAGE_EXAMPLES_DIR,
  loadCompose,
  MissingVariableError,
  portsOf,
  ROOT,
  serviceOf,
} from './deploy-files';

const SERVICES = [
  'postgresql',
  'temporal-schema',
  'temporal',
  'temporal-namespace',
  'temporal-ui',
  'receiver',
  'worker',
];
const APP_SERVICES = ['receiver', 'worker'] as const;
const SECRETS = ['STATSIG_WEBHOOK_SECRET', 'STATSIG_CONSOLE_API_KEY'];

/** Variables written ${NAME:?...}: compose refuses to start without them. */
const requiredVariables = (): string[] => [
  ...new Set(
    composeVariables()
      .filter((reference) => reference.required)
      .map((reference) => reference.name),
  ),
];

/** Only the required variables, from .env.example: every optional one falls back to its default. */
function requiredOnly(): Record<string, string> {
  const example = envExample();
  return Object.fromEntries(requiredVariables().map((name) => [name, example[name] ?? '']));
}

const ENVIRONMENTS: Array<[string, () => Record<string, string>]> = [
  ['deploy/.env.example', envExample],
  ['only the required variables', requiredOnly],
];

function appEnvironment(compose: ComposeFile, name: string): Record<string, string> {
  const entries = Object.entries(environmentOf(serviceOf(compose, name)));
  return Object.fromEntries(
    entries.filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

describe('docker-compose.yml', () => {
  const compose = loadCompose(envExample());

  it('defines every service of the stack', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(SERVICES));
  });

  it.each([
    ['temporal', '7233'],
    ['temporal-ui', '8080'],
    ['receiver', '3000'],
  ])('%s publishes port %s, and no other service does', (owner, port) => {
    expect(portsOf(serviceOf(compose, owner))).toContainEqual({ published: port, target: port });
    const others = Object.entries(compose.services).filter(([name]) => name !== owner);
    for (const [, service] of others) {
      expect(portsOf(service).map((mapping) => mapping.published)).not.toContain(port);
    }
  });

  it.each(APP_SERVICES)(
    'builds %s from the repository Dockerfile and runs that subcommand',
    (name) => {
      const { build, command } = serviceOf(compose, name);
      const context = typeof build === 'string' ? build : build?.context;
      const dockerfile =
        typeof build === 'object' ? (build.dockerfile ?? 'Dockerfile') : 'Dockerfile';
      expect(context).toBeDefined();
      const resolved = path.resolve(ROOT, context ?? '', dockerfile);
      expect(resolved).toBe(path.join(ROOT, 'Dockerfile'));
      expect(existsSync(resolved)).toBe(true);
      expect(argv(command)).toEqual([name]);
    },
  );

  describe.each(ENVIRONMENTS)('with %s', (_label, variables) => {
    it.each(APP_SERVICES)('gives %s an environment src/config.ts accepts', (name) => {
      const environment = appEnvironment(loadCompose(variables()), name);
      expect(() => loadConfig(environment)).not.toThrow();
    });

    it.each(APP_SERVICES)('points %s at the compose Temporal server', (name) => {
      const resolved = loadCompose(variables());
      // Without TEMPORAL_ADDRESS the service would start an embedded dev server of its own.
      const address = loadConfig(appEnvironment(resolved, name)).TEMPORAL_ADDRESS ?? '';
      const [host = '', port] = address.split(':');
      expect(Object.keys(resolved.services)).toContain(host);
      expect(portsOf(serviceOf(resolved, host)).map((mapping) => mapping.target)).toContain(port);
    });

    it('gives the workers the example gate the image ships', () => {
      const worker = appEnvironment(loadCompose(variables()), 'worker');
      const gateConfig = loadConfig(worker).GATE_CONFIG;
      expect(gateConfig.startsWith(`${IMAGE_EXAMPLES_DIR}/`)).toBe(true);
      // The image holds the compiled example: its source is the same name in .ts under examples/.
      const relative = gateConfig.slice(IMAGE_EXAMPLES_DIR.length + 1).replace(/\.js$/, '.ts');
      expect(existsSync(path.join(ROOT, 'examples', relative))).toBe(true);
      expect(`/app/${compiledPath(`examples/${relative}`)}`).toBe(gateConfig);
    });
  });

  it.each(APP_SERVICES)('sets only variables src/config.ts knows on %s', (name) => {
    const known = Object.keys(configSchema.shape);
    expect(serviceOf(compose, name).env_file).toBeUndefined();
    for (const variable of Object.keys(environmentOf(serviceOf(compose, name)))) {
      expect(known).toContain(variable);
    }
  });

  it('has the receiver listen on every interface, on the port it publishes', () => {
    const config = loadConfig(appEnvironment(compose, 'receiver'));
    expect(config.HOST).toBe('0.0.0.0');
    expect(portsOf(serviceOf(compose, 'receiver')).map((mapping) => mapping.target)).toContain(
      String(config.PORT),
    );
  });

  it('scales the workers apart from the receiver', () => {
    const worker = serviceOf(compose, 'worker');
    expect(worker.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // Replicas cannot share a published port or a container name.
    expect(portsOf(worker)).toEqual([]);
    expect(worker.container_name).toBeUndefined();
    // The image's healthcheck probes the receiver's HTTP port, which a worker does not open.
    expect(worker.healthcheck?.disable).toBe(true);
  });

  it('gives every worker replica the same report store, on a volume', () => {
    const worker = serviceOf(compose, 'worker');
    const reportsDir = loadConfig(appEnvironment(compose, 'worker')).GATE_REPORTS_DIR;
    // A review's runs and its evaluation may land on different replicas: they must share it.
    expect(worker.volumes).toContainEqual(`gate-reports:${reportsDir}`);
  });

  describe('secrets', () => {
    const raw = loadCompose();

    it.each(APP_SERVICES)('gives %s its Statsig secrets from .env, never literally', (name) => {
      const environment = environmentOf(serviceOf(raw, name));
      for (const secret of SECRETS) {
        expect(environment[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?.+\\}$`));
      }
    });

    it('keeps the PostgreSQL password out of the file too', () => {
      const passwords = [
        environmentOf(serviceOf(raw, 'postgresql')).POSTGRES_PASSWORD,
        environmentOf(serviceOf(raw, 'temporal-schema')).SQL_PASSWORD,
        environmentOf(serviceOf(raw, 'temporal')).POSTGRES_PWD,
      ];
      for (const password of passwords) {
        expect(password).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
      }
    });

    it.each([...SECRETS, 'POSTGRES_PASSWORD'])(
      'stops compose with a message when %s is unset',
      (secret) => {
        const withoutSecret = { ...envExample(), [secret]: '' };
        const attempt = () => loadCompose(withoutSecret);
        expect(attempt).toThrow(MissingVariableError);
        expect(attempt).toThrow(new RegExp(`${secret}.*\\.env`));
      },
    );
  });

  it('documents in deploy/.env.example exactly the variables it reads', () => {
    const example = envExample();
    const read = new Set(composeVariables().map((reference) => reference.name));
    expect(Object.keys(example).sort()).toEqual([...read].sort());
    for (const name of requiredVariables()) {
      expect(example[name]).not.toBe('');
    }
  });

  describe('start-up order', () => {
    it('starts the Temporal server only after the schema job completed', () => {
      expect(dependenciesOf(serviceOf(compose, 'temporal'))['temporal-schema']).toBe(
        'service_completed_successfully',
      );
      expect(dependenciesOf(serviceOf(compose, 'temporal-schema')).postgresql).toBe(
        'service_healthy',
      );
    });

    it('starts receiver and worker once the namespace and its search attributes exist', () => {
      for (const name of APP_SERVICES) {
        expect(dependenciesOf(serviceOf(compose, name))['temporal-namespace']).toBe(
          'service_completed_successfully',
        );
      }
      expect(dependenciesOf(serviceOf(compose, 'temporal-namespace')).temporal).toBe(
        'service_healthy',
      );
    });

    it('waits only on conditions the dependency can meet', () => {
      for (const service of Object.values(compose.services)) {
        for (const [dependency, condition] of Object.entries(dependenciesOf(service))) {
          const target = serviceOf(compose, dependency);
          if (condition === 'service_healthy') {
            expect(target.healthcheck?.test).toBeDefined();
            expect(target.healthcheck?.disable).not.toBe(true);
          }
          if (condition === 'service_completed_successfully') {
            // A job that restarts never counts as completed.
            expect(target.restart ?? 'no').toBe('no');
          }
        }
      }
    });

    it('has no dependency cycle', () => {
      const visiting = new Set<string>();
      const done = new Set<string>();
      const visit = (name: string): void => {
        if (done.has(name)) return;
        expect(visiting.has(name)).toBe(false);
        visiting.add(name);
        for (const dependency of Object.keys(dependenciesOf(serviceOf(compose, name))))
          visit(dependency);
        visiting.delete(name);
        done.add(name);
      };
      for (const name of Object.keys(compose.services)) visit(name);
    });
  });

  describe('Temporal jobs', () => {
    it('registers exactly the search attributes the workflows set, with their types', () => {
      const job = environmentOf(serviceOf(compose, 'temporal-namespace'));
      const registered = (job.ROLLOUT_SEARCH_ATTRIBUTES ?? '').split(/\s+/).filter(Boolean);
      expect(registered.sort()).toEqual(searchAttributeFlags().sort());
    });

    it.each([
      ['deploy/.env.example', {}],
      ['a namespace of its own', { TEMPORAL_NAMESPACE: 'reviews' }],
    ])('creates the namespace receiver and worker use, with %s', (_label, override) => {
      const resolved = loadCompose({ ...envExample(), ...override });
      const created = environmentOf(serviceOf(resolved, 'temporal-namespace')).TEMPORAL_NAMESPACE;
      expect(created).toBeTruthy();
      for (const name of APP_SERVICES) {
        expect(loadConfig(appEnvironment(resolved, name)).TEMPORAL_NAMESPACE).toBe(created);
      }
    });

    it.each(['temporal-schema', 'temporal-namespace'])(
      'runs %s from a script in the repository',
      (name) => {
        const job = serviceOf(compose, name);
        const script = argv(job.entrypoint).find((word) => word.endsWith('.sh'));
        expect(script).toBeDefined();
        const mount = (job.volumes ?? [])
          .map((volume) =>
            typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target],
          )
          .find(([, target]) => target !== undefined && script?.startsWith(`${target}/`));
        expect(mount).toBeDefined();
        const [source = '', target = ''] = mount ?? [];
        expect(existsSync(path.join(ROOT, source, (script ?? '').slice(target.length)))).toBe(true);
      },
    );

    it('pins every image, with the Temporal server and admin-tools on one version', () => {
      const images = Object.values(compose.services).flatMap((service) =>
        service.image ? [service.image] : [],
      );
      for (const image of images) {
        expect(image).toMatch(/^[^:]+:[\w.-]+$/);
        expect(image).not.toMatch(/:latest$/);
      }
      const tagOf = (repository: string) =>
        images
          .filter((image) => image.startsWith(`${repository}:`))
          .map((image) => image.split(':')[1]);
      const [server, ...others] = tagOf('temporalio/server');
      expect(server).toBeDefined();
      expect(others).toEqual([]);
      const adminTools = tagOf('temporalio/admin-tools');
      expect(adminTools.length).toBeGreaterThan(0);
      for (const tag of adminTools) {
        expect(tag === server || tag?.startsWith(`${server}-`)).toBe(true);
      }
    });
  });
});
