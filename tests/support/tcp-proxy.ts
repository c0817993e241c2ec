import { createServer, type Server, Socket } from 'node:net';

/**
 * A TCP proxy for fault tests: listens on 127.0.0.1 (a free port), forwards every connection to the real
 * service (PostgreSQL, Redis), and can cut the service off as a network outage or a crashed server would:
 * `cut()` resets every open connection (RST) and refuses new ones, `restore()` lets connections through
 * again. The clients under test reconnect by themselves — which is what a fault test wants to see.
 */
export interface TcpProxy {
  /** The port clients connect to. */
  port: number;
  /** `url` with its host and port replaced by the proxy's (e.g. a postgres:// or redis:// URL). */
  urlFor(url: string): string;
  /** Resets open connections and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  isCut(): boolean;
  /** Connections accepted so far (through, not refused). */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let cut = false;
  let accepted = 0;

  const server: Server = createServer((client) => {
    if (cut) {
      // Nothing listening, as far as the client can tell: reset at once.
      client.resetAndDestroy();
      return;
    }
    accepted += 1;
    const upstream = new Socket();
    open.add(client);
    open.add(upstream);
    const drop = () => {
      open.delete(client);
      open.delete(upstream);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    upstream.connect(target.port, target.host, () => {
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('tcp proxy: no port');
  const port = address.port;

  const resetAll = () => {
    for (const socket of [...open]) if (!socket.destroyed) socket.resetAndDestroy();
    open.clear();
  };

  return {
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut() {
      cut = true;
      resetAll();
    },
    restore() {
      cut = false;
    },
    isCut: () => cut,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}

/** Host and port of a service URL (postgres://…, redis://…). */
export function targetOf(url: string, defaultPort: number): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) };
}
