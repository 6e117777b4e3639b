// The receiver as `rollout-gate receiver` runs it: a real process against the run's dev server, with
// no Console API key in its environment (it only starts and signals workflows), serving webhooks and
// health checks on its public PORT and everything else (metrics, stats, changes, the review API) on
// its internal listener only. INTERNAL_PORT=shared keeps the single listener of earlier releases.
import { randomBytes, randomUUID } from 'node:crypto';
import { getFreePort } from '../../src/temporal/dev-server';
import { type RoleProcess, startRole, waitForHttp } from '../helpers/processes';
import { testTemporalAddress } from '../helpers/temporal';
import { deliver, errorCode, http, reviewEvent, summaryOf, unique } from './helpers';

jest.setTimeout(120_000);

const secret = randomBytes(24).toString('hex');
const token = randomBytes(32).toString('hex');
const INTERNAL_ROUTES = ['/metrics', '/stats', '/changes', '/reviews'];

interface Receiver {
  role: RoleProcess;
  publicUrl: string;
  internalUrl: string | undefined;
}

const started: RoleProcess[] = [];
afterAll(async () => {
  const codes = await Promise.all(started.map((role) => role.stop()));
  expect(codes.every((code) => code === 0)).toBe(true);
});

async function startReceiver(internal: 'own' | 'shared'): Promise<Receiver> {
  const [port, internalPort] = [await getFreePort(), await getFreePort()];
  const role = startRole(['receiver'], {
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: `listeners-${randomUUID()}`,
    // The receiver's one Statsig secret; deliberately no STATSIG_CONSOLE_API_KEY.
    STATSIG_WEBHOOK_SECRET: secret,
    REVIEW_API_TOKEN: token,
    HOST: '127.0.0.1',
    PORT: String(port),
    INTERNAL_PORT: internal === 'own' ? String(internalPort) : 'shared',
    LOG_LEVEL: 'warn',
  });
  started.push(role);
  const publicUrl = `http://127.0.0.1:${port}`;
  await waitForHttp(`${publicUrl}/readyz`, role);
  return {
    role,
    publicUrl,
    internalUrl: internal === 'own' ? `http://127.0.0.1:${internalPort}` : undefined,
  };
}

const bearer = { authorization: `Bearer ${token}` };

describe('rollout-gate receiver, split listeners (the default)', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver('own');
  });

  it('starts without a Console API key and takes signed webhooks on the public port', async () => {
    const response = await deliver(
      receiver.publicUrl,
      secret,
      reviewEvent(`rpt_split_${unique()}`),
    );
    expect(response.status).toBe(200);
    expect(summaryOf(response).events[0]?.status).toBe('accepted');
    expect((await http(receiver.publicUrl, '/healthz')).status).toBe(200);
  });

  it.each(INTERNAL_ROUTES)('answers %s on the public port with 404', async (path) => {
    const response = await http(receiver.publicUrl, path, { headers: bearer });
    expect(response.status).toBe(404);
    expect(errorCode(response)).toBe('ROUTE_NOT_FOUND');
  });

  it.each(INTERNAL_ROUTES)('serves %s on the internal listener', async (path) => {
    const response = await http(receiver.internalUrl as string, path, { headers: bearer });
    expect(response.status).toBe(200);
  });

  it("counts the public port's deliveries on the internal listener", async () => {
    const stats = (await http(receiver.internalUrl as string, '/stats')).body as {
      deliveries: number;
    };
    expect(stats.deliveries).toBeGreaterThanOrEqual(1);
    // Webhooks are not taken on the internal listener.
    const body = JSON.stringify(reviewEvent('rpt_internal'));
    expect((await http(receiver.internalUrl as string, '/webhooks/statsig', { body })).status).toBe(
      404,
    );
  });
});

describe('rollout-gate receiver with INTERNAL_PORT=shared', () => {
  it('serves every route on its one port, as before', async () => {
    const receiver = await startReceiver('shared');
    for (const path of ['/healthz', ...INTERNAL_ROUTES]) {
      expect([path, (await http(receiver.publicUrl, path, { headers: bearer })).status]).toEqual([
        path,
        200,
      ]);
    }
  });
});
