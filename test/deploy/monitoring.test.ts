// The monitoring profile of docker-compose.yml: Prometheus scrapes the ports the receiver and the
// workers really serve metrics on, and Grafana finds its data source and the dashboard.
import { parse } from 'yaml';
import { loadConfig } from '../../src/config';
import {
  envExample,
  environmentOf,
  loadCompose,
  portsOf,
  readRepoFile,
  serviceOf,
} from './deploy-files';

const compose = loadCompose(envExample());

function appConfig(name: 'receiver' | 'worker') {
  const environment = Object.fromEntries(
    Object.entries(environmentOf(serviceOf(compose, name))).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  return loadConfig(environment, { receiver: name === 'receiver', worker: name === 'worker' });
}

interface ScrapeConfig {
  job_name: string;
  dns_sd_configs: Array<{ names: string[]; type: string; port: number }>;
}

const prometheus = parse(readRepoFile('deploy/prometheus/prometheus.yml')) as {
  scrape_configs: ScrapeConfig[];
};

function mountTarget(service: string, source: string): string | undefined {
  for (const volume of serviceOf(compose, service).volumes ?? []) {
    if (typeof volume !== 'string') continue;
    const [from, to] = volume.split(':');
    if (from === source) return to;
  }
  return undefined;
}

describe('monitoring profile', () => {
  it('scrapes every receiver on its internal listener, where /metrics is served', () => {
    const job = prometheus.scrape_configs.find((config) => config.job_name.endsWith('receiver'));
    const receiver = appConfig('receiver');
    // Reachable on the compose network: the internal listener binds the container's interfaces.
    expect(receiver.INTERNAL_HOST).toBe('0.0.0.0');
    expect(job?.dns_sd_configs[0]).toEqual({
      names: ['receiver'],
      type: 'A',
      port: receiver.INTERNAL_PORT,
    });
  });

  it('scrapes every worker replica on its metrics port', () => {
    const job = prometheus.scrape_configs.find((config) => config.job_name.endsWith('worker'));
    const port = appConfig('worker').WORKER_METRICS_PORT;
    expect(port).toBeDefined();
    expect(job?.dns_sd_configs[0]).toEqual({ names: ['worker'], type: 'A', port });
  });

  it('mounts the Prometheus configuration where Prometheus reads it', () => {
    expect(mountTarget('prometheus', './deploy/prometheus/prometheus.yml')).toBe(
      '/etc/prometheus/prometheus.yml',
    );
  });

  it('gives Grafana the data source and the dashboard, from the files in deploy/', () => {
    expect(mountTarget('grafana', './deploy/grafana/provisioning')).toBe(
      '/etc/grafana/provisioning',
    );
    const provider = parse(readRepoFile('deploy/grafana/provisioning/dashboards/rollout-gate.yml'));
    expect(mountTarget('grafana', './deploy/grafana/dashboards')).toBe(
      provider.providers[0].options.path,
    );
    const datasource = parse(readRepoFile('deploy/grafana/provisioning/datasources/prometheus.yml'))
      .datasources[0];
    const prometheusPort = portsOf(serviceOf(compose, 'prometheus'))[0]?.target;
    expect(datasource).toMatchObject({
      type: 'prometheus',
      url: `http://prometheus:${prometheusPort}`,
    });
    const dashboard = JSON.parse(readRepoFile('deploy/grafana/dashboards/rollout-gate.json'));
    expect(dashboard.templating.list[0]).toMatchObject({ name: 'datasource', query: 'prometheus' });
    for (const panel of dashboard.panels) {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, meant literally
      expect(panel.datasource.uid).toBe('${datasource}');
      expect(panel.targets.length).toBeGreaterThan(0);
    }
  });

  it('keeps Prometheus and Grafana out of a plain `docker compose up`', () => {
    for (const name of ['prometheus', 'grafana']) {
      expect((serviceOf(compose, name) as { profiles?: string[] }).profiles).toEqual([
        'monitoring',
      ]);
    }
    for (const name of ['receiver', 'worker', 'temporal']) {
      expect((serviceOf(compose, name) as { profiles?: string[] }).profiles).toBeUndefined();
    }
  });
});
