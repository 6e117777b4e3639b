// docker-compose.yml as a user meets it: `cp deploy/.env.example .env && docker compose up --build`
// must bring up every service, in order, with an environment the service accepts, each role holding
// only its own secret, and nothing but the webhook listener published on a public interface.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { configSchema, loadConfig } from '../../src/config';
import { searchAttributeFlags } from '../../workflows/search-attributes';
import {
  argv,
  type ComposeFile,
  compiledPath,
  composeText,
  composeVariables,
  dependenciesOf,
  envExample,
  environmentOf,
  IMAGE_EXAMPLES_DIR,
  isLoopback,
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
type AppService = (typeof APP_SERVICES)[number];
/** The one Statsig secret each role needs, and the one it must not hold. */
const ROLE_SECRETS: Record<AppService, { needs: string; never: string }> = {
  receiver: { needs: 'STATSIG_WEBHOOK_SECRET', never: 'STATSIG_CONSOLE_API_KEY' },
  worker: { needs: 'STATSIG_CONSOLE_API_KEY', never: 'STATSIG_WEBHOOK_SECRET' },
};
const SECRETS = Object.values(ROLE_SECRETS).map((role) => role.needs);

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

/** The service's configuration as its own role reads it (`rollout-gate receiver` or `worker`). */
function roleConfig(compose: ComposeFile, name: AppService) {
  return loadConfig(appEnvironment(compose, name), {
    receiver: name === 'receiver',
    worker: name === 'worker',
  });
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
    expect(portsOf(serviceOf(compose, owner))).toContainEqual(
      expect.objectContaining({ published: port, target: port }),
    );
    const others = Object.entries(compose.services).filter(([name]) => name !== owner);
    for (const [, service] of others) {
      expect(portsOf(service).map((mapping) => mapping.published)).not.toContain(port);
    }
  });

  it("publishes nothing on a public interface but the receiver's webhook listener", () => {
    const webhookPort = String(roleConfig(compose, 'receiver').PORT);
    const publicPorts = Object.entries(compose.services).flatMap(([name, service]) => {
      // Host networking would publish every port the container opens.
      if ((service as { network_mode?: string }).network_mode === 'host') return [`${name}: host`];
      return portsOf(service)
        .filter((mapping) => !isLoopback(mapping.host))
        .map(
          (mapping) =>
            `${name}: ${mapping.host ?? '*'}:${mapping.published ?? '(any)'}->${mapping.target}`,
        );
    });
    expect(publicPorts).toEqual([`receiver: *:${webhookPort}->${webhookPort}`]);
  });

  it('keeps Temporal, its UI and the monitoring on loopback, where the review API lives too', () => {
    for (const [name, target] of [
      ['temporal', '7233'],
      ['temporal-ui', '8080'],
      ['prometheus', '9090'],
      ['grafana', '3000'],
    ] as const) {
      const mapping = portsOf(serviceOf(compose, name)).find((port) => port.target === target);
      expect(mapping?.host).toBe('127.0.0.1');
    }
    const receiver = roleConfig(compose, 'receiver');
    expect(receiver.INTERNAL_PORT).not.toBe('shared');
    expect(receiver.INTERNAL_PORT).not.toBe(receiver.PORT);
    const internal = portsOf(serviceOf(compose, 'receiver')).find(
      (mapping) => mapping.target === String(receiver.INTERNAL_PORT),
    );
    expect(internal?.host).toBe('127.0.0.1');
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
    it.each(APP_SERVICES)('gives %s an environment src/config.ts accepts for its role', (name) => {
      expect(() => roleConfig(loadCompose(variables()), name)).not.toThrow();
    });

    it.each(APP_SERVICES)('points %s at the compose Temporal server', (name) => {
      const resolved = loadCompose(variables());
      // Without TEMPORAL_ADDRESS the service would start an embedded dev server of its own.
      const address = roleConfig(resolved, name).TEMPORAL_ADDRESS ?? '';
      const [host = '', port] = address.split(':');
      expect(Object.keys(resolved.services)).toContain(host);
      expect(portsOf(serviceOf(resolved, host)).map((mapping) => mapping.target)).toContain(port);
    });

    it('gives the workers the example gate the image ships', () => {
      const gateConfig = roleConfig(loadCompose(variables()), 'worker').GATE_CONFIG;
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
    const config = roleConfig(compose, 'receiver');
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
    const reportsDir = roleConfig(compose, 'worker').GATE_REPORTS_DIR;
    // A review's runs and its evaluation may land on different replicas: they must share it.
    expect(worker.volumes).toContainEqual(`gate-reports:${reportsDir}`);
  });

  describe('secrets', () => {
    const raw = loadCompose();

    it.each(APP_SERVICES)('gives %s its Statsig secret from .env, never literally', (name) => {
      const environment = environmentOf(serviceOf(raw, name));
      const secret = ROLE_SECRETS[name].needs;
      expect(environment[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?.+\\}$`));
    });

    it.each(APP_SERVICES)("never gives %s the other role's secret", (name) => {
      expect(Object.keys(environmentOf(serviceOf(raw, name)))).not.toContain(
        ROLE_SECRETS[name].never,
      );
    });

    it('has no default for any password, secret, key or token', () => {
      const secretish = composeVariables().filter((reference) =>
        /PASSWORD|SECRET|_KEY|TOKEN/.test(reference.name),
      );
      expect(secretish.length).toBeGreaterThan(0);
      // Required (${NAME:?…}), or optional with an empty default that turns its feature off.
      const text = composeText();
      for (const { name } of secretish) {
        const defaults = [...text.matchAll(new RegExp(`\\$\\{${name}:?-([^}]*)\\}`, 'g'))];
        expect(defaults.map((match) => `${name}=${match[1]}`)).toEqual(
          defaults.map(() => `${name}=`),
        );
      }
    });

    it('lets nobody into Grafana without the admin password', () => {
      const grafana = environmentOf(serviceOf(raw, 'grafana'));
      expect(grafana.GF_SECURITY_ADMIN_PASSWORD).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?.+\}$/);
      expect(grafana.GF_AUTH_ANONYMOUS_ENABLED).toBe('false');
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

    it.each([...SECRETS, 'POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD'])(
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
        expect(roleConfig(resolved, name).TEMPORAL_NAMESPACE).toBe(created);
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
