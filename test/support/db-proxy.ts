import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a test database, so a test can make PostgreSQL unreachable for one app
 * without stopping the server every other test file shares: `cut()` ends every relayed connection
 * and refuses new ones (what a client sees when the server crash-stops), `restore()` listens again
 * on the same port.
 */
export interface DatabaseProxy {
  /** The database URL, reached through the relay. */
  readonly url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a new connection to the server of a database URL (a host that is a path names the directory
 * of PostgreSQL's Unix-domain socket). */
export function dialerFor(databaseUrl: string): () => Socket {
  const target = new URL(databaseUrl);
  const host = decodeURIComponent(target.hostname);
  const port = Number(target.port || 5432);
  return () =>
    host.startsWith('/') ? connect({ path: `${host}/.s.PGSQL.${port}` }) : connect({ host, port });
}

/** A relayed pair of sockets kept in `sockets` while open; an error on either ends both. */
export function track(sockets: Set<Socket>, client: Socket, upstream: Socket): void {
  for (const socket of [client, upstream]) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      client.destroy();
      upstream.destroy();
    });
  }
}

export async function startDatabaseProxy(databaseUrl: string): Promise<DatabaseProxy> {
  const dial = dialerFor(databaseUrl);
  const sockets = new Set<Socket>();
  const relay = (client: Socket): void => {
    const upstream = dial();
    track(sockets, client, upstream);
    client.pipe(upstream).pipe(client);
  };
  let server: Server | undefined;
  let listenPort = 0;
  const listen = async (): Promise<void> => {
    server = createServer(relay);
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(listenPort, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address === 'object' && address) listenPort = address.port;
  };
  const stop = async (): Promise<void> => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(listenPort);
  return { url: url.toString(), cut: stop, restore: listen, close: stop };
}
