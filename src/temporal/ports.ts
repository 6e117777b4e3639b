// Ports for the dev server: a free one from the OS, a check that a chosen one is free (with an answer
// a person can act on), and the address a client on this machine connects to.
import net from 'node:net';
import { DevServerError } from './dev-server-error';

/** A port the OS just handed out on 127.0.0.1; free at the moment of return. */
export async function getFreePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string')
    throw new Error('could not read a free port');
  return address.port;
}

/** Fails with DEV_SERVER_PORT_IN_USE, naming what the port was for, when something listens there. */
export async function assertPortFree(ip: string, port: number, what: string): Promise<void> {
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, resolve);
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new DevServerError(
        'DEV_SERVER_PORT_IN_USE',
        `Cannot start the Temporal dev server: ${what} port ${port} on ${ip} is already in use. ` +
          'Stop whatever listens there (perhaps another dev server), choose another port, or set ' +
          'TEMPORAL_ADDRESS to use a server that is already running.',
      );
    }
    throw error;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A server bound to every interface is still reached through loopback. */
export function connectHost(ip: string): string {
  if (ip === '0.0.0.0' || ip === '') return '127.0.0.1';
  if (ip === '::') return '[::1]';
  return ip.includes(':') ? `[${ip}]` : ip;
}
