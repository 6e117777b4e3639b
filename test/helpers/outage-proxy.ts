// A TCP proxy on loopback in front of the sandbox that a test can take down and bring back on the
// same port: while down, connections are refused and open ones are cut, as when Statsig (or the
// network to it) is unreachable. The sandbox behind it keeps its state throughout.
import net from 'node:net';

export interface OutageProxy {
  /** The proxy's base URL with the target URL's path, e.g. http://127.0.0.1:PORT/console/v1. */
  url: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startOutageProxy(targetUrl: string): Promise<OutageProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;

  function track(socket: net.Socket): void {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  }

  async function listen(): Promise<void> {
    const listening = net.createServer((client) => {
      track(client);
      const upstream = net.connect(Number(target.port), target.hostname);
      track(upstream);
      client.pipe(upstream).pipe(client);
      client.once('error', () => upstream.destroy());
      upstream.once('error', () => client.destroy());
      client.once('close', () => upstream.destroy());
      upstream.once('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, '127.0.0.1', () => resolve());
    });
    const address = listening.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP port');
    port = address.port;
    server = listening;
  }

  async function down(): Promise<void> {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  }

  await listen();
  return {
    url: `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, '')}`,
    down,
    up: async () => {
      if (!server) await listen();
    },
    close: down,
  };
}
